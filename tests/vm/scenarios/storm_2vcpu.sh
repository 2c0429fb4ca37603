# SPDX-License-Identifier: GPL-2.0-only
# Hostile storm, 2 vCPUs: see data/storm_body.sh.
# vcpus: 2
# timeout: 300
. data/storm_body.sh
