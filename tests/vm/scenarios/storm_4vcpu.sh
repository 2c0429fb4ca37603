# SPDX-License-Identifier: GPL-2.0-only
# Hostile storm, 4 vCPUs: see data/storm_body.sh.
# vcpus: 4
# timeout: 300
. data/storm_body.sh
