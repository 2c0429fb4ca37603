#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# configs/llm-schedd.service passes `systemd-analyze verify` and keeps its
# `systemd-analyze security` exposure at or below 5.0 ("OK"), with the
# protections the README names in force: read-only kernel tunables, no
# ptrace or chroot, no namespaces of its own making. The binary
# path is pointed at the build tree, since verify checks that it exists.
set -uo pipefail
src="$1" bin="$2"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
sed "s#/usr/sbin/llm-schedd#$bin#g" "$src/configs/llm-schedd.service" >"$tmp/llm-schedd.service"
# --man=no: the Documentation= man pages are installed by the package, not here
# (tests/package/deb.sh verifies the installed unit with them).
if ! systemd-analyze verify --man=no "$tmp/llm-schedd.service" >"$tmp/verify" 2>&1 || [[ -s "$tmp/verify" ]]; then
    echo "FAIL: systemd-analyze verify:"; cat "$tmp/verify"; exit 1
fi
echo "ok   systemd-analyze verify: clean"
systemd-analyze security --offline=true --no-pager "$tmp/llm-schedd.service" >"$tmp/security" 2>&1
score=$(sed -n 's/.*Overall exposure level for llm-schedd.service: \([0-9.]*\).*/\1/p' "$tmp/security")
[[ -n "$score" ]] || { echo "FAIL: no exposure score"; cat "$tmp/security"; exit 1; }
echo "metric: systemd_exposure=$score"
awk -v s="$score" 'BEGIN { exit !(s <= 5.0) }' || { echo "FAIL: exposure $score is above 5.0"; grep '✗' "$tmp/security"; exit 1; }
echo "ok   systemd-analyze security: exposure $score"
for row in 'ProtectKernelTunables=' 'CapabilityBoundingSet=~CAP_SYS_PTRACE' 'CapabilityBoundingSet=~CAP_SYS_CHROOT' \
           'RestrictNamespaces=~mnt' 'RestrictNamespaces=~user' 'SystemCallFilter=~@mount' 'ProtectSystem='; do
    if grep -qF "✓ $row" "$tmp/security"; then
        echo "ok   $row"
    else
        echo "FAIL: $row is not in force:"; grep -F "$row" "$tmp/security"; exit 1
    fi
done
echo PASS
