#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# An extra initramfs layer for scenarios with "# systemd: yes": the host's
# systemd as PID 1 (no generators), journald (volatile, in /run/log/journal),
# the target and slice units it needs, configs/llm-schedd.service installed
# as an operator would, and a runner unit that executes the scenario and
# ships its output.
#
#   mksystemd-cpio.sh OUT.cpio SOURCE_DIR
set -euo pipefail
out="$1" src="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/cpio-lib.sh"
stage="$(mktemp -d)"; trap 'rm -rf "$stage"' EXIT

stage_binary "$stage" /lib/systemd/systemd /lib/systemd/systemd
stage_binary "$stage" /lib/systemd/systemd-shutdown /lib/systemd/systemd-shutdown
stage_binary "$stage" /lib/systemd/systemd-journald /lib/systemd/systemd-journald
for b in systemctl systemd-analyze journalctl; do stage_binary "$stage" "$(command -v "$b")" "/usr/bin/$b"; done
# Mount units run util-linux mount(8) and umount(8), not busybox's.
for b in mount umount; do
    stage_binary "$stage" "/usr/bin/$b" "/usr/bin/$b"
    stage_binary "$stage" "/usr/bin/$b" "/bin/$b"
done
units="$stage/etc/systemd/system"
mkdir -p "$units" "$stage/lib/systemd/system" "$stage/var/log" "$stage/etc/llm-schedd" "$stage/usr/sbin"
cp /lib/systemd/system/*.target /lib/systemd/system/user.slice "$stage/lib/systemd/system/"
printf 'ID=debian\nNAME="llm-schedd VM lane"\n' >"$stage/etc/os-release"
: >"$stage/etc/machine-id"
cp /lib/systemd/system/systemd-journald.service /lib/systemd/system/systemd-journald.socket \
    /lib/systemd/system/systemd-journald-dev-log.socket /lib/systemd/system/systemd-journald-audit.socket \
    "$stage/lib/systemd/system/"
cp "$src/configs/llm-schedd.service" "$units/"
# Operators install the binary in /usr/sbin; the base image has it in /usr/bin.
ln -s /usr/bin/llm-schedd "$stage/usr/sbin/llm-schedd"
cat >"$units/llm-scenario.target" <<'U'
[Unit]
Description=VM lane scenario
Requires=llm-scenario.service
After=llm-scenario.service
U
cat >"$units/llm-scenario.service" <<'U'
[Unit]
Description=VM lane scenario runner
DefaultDependencies=no
Wants=systemd-journald.service
After=systemd-journald.service
[Service]
Type=simple
ExecStart=/scenario/systemd-runner.sh
StandardOutput=tty
TTYPath=/dev/console
U
cat >"$stage/scenario-systemd-runner.sh" <<'U'
#!/bin/sh
# Runs the scenario under systemd, then ships the output as /init would.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
port=/dev/null
for n in /sys/class/virtio-ports/*/name; do
    [ "$(cat "$n" 2>/dev/null)" = out ] && port="/dev/$(basename "$(dirname "$n")")"
done
(cd /scenario && . ./lib.sh && . ./run.sh; lib_finish) >/tmp/out.txt 2>&1
echo "llm-vm: scenario finished: $(tail -n 1 /tmp/out.txt)"
{ cat /tmp/out.txt; echo "=== dmesg"; dmesg; echo "=== end"; } >"$port"
sync
poweroff -f
U
mkdir -p "$stage/scenario"
mv "$stage/scenario-systemd-runner.sh" "$stage/scenario/systemd-runner.sh"
chmod +x "$stage/scenario/systemd-runner.sh"
pack_cpio "$stage" "$out"
echo "systemd layer: $out ($(du -h "$out" | cut -f1))"
