#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The Debian package, built from this checkout and tried on this host as
# an operator would: dpkg-buildpackage in a copy of the tree, lintian with
# no errors, install with apt, the files where the package says, the unit
# enabled but not started, `systemd-analyze verify` on the installed unit,
# `llm-schedd --check` on the installed default policy, then purge, and
# nothing of it left on the host. Needs root (it installs), and refuses to
# run where llm-schedd is already installed.
#
#   sudo tests/package/deb.sh SOURCE_DIR [WORK_DIR]
set -uo pipefail
src="$(cd "$1" && pwd)"
work="${2:-$(mktemp -d /tmp/llm-deb.XXXXXX)}"
[[ $(id -u) -eq 0 ]] || { echo "deb: run as root (it installs and purges the package)"; exit 2; }
fails=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
check() { local what="$1"; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what"; fi; }
pkgs="llm-schedd libllm-schedd-client0 libllm-schedd-dev python3-llm-schedd"
for p in $pkgs; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'installed'; then
        echo "deb: $p is installed on this host; purge it first (apt-get purge $p)"; exit 2
    fi
done

# A copy of the tracked tree: the build writes debian/ and obj-*/ in place
# and the packages one level up.
rm -rf "$work/src" && mkdir -p "$work/src"
(cd "$src" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$work/src"
cd "$work/src" || exit 2
if ! dpkg-checkbuilddeps; then echo "deb: build dependencies missing (scripts/setup.sh installs them)"; exit 2; fi
t0=$(date +%s)
if ! dpkg-buildpackage -b -uc -us -j"$(nproc)" >"$work/build.log" 2>&1; then
    tail -n 60 "$work/build.log"; fail "dpkg-buildpackage -b failed (log: $work/build.log)"; exit 1
fi
echo "metric: dpkg_buildpackage_s=$(( $(date +%s) - t0 ))"
ok "dpkg-buildpackage -b built: $(cd "$work" && ls ./*.deb | tr '\n' ' ')"
changes=$(ls "$work"/llm-schedd_*.changes)
lint=$(lintian --fail-on error --tag-display-limit 0 "$changes" 2>&1); lrc=$?
echo "$lint" | sed 's/^/  lintian: /'
if [[ $lrc -eq 0 ]]; then ok "lintian reports no errors ($(echo "$lint" | grep -c '^W:') warnings)"
else fail "lintian reports errors (exit $lrc)"; fi

# What the host holds before: every path under the trees a package touches.
snapshot() {
    find /usr /etc /lib /var/lib/systemd -xdev \( -path /usr/src -o -path /etc/ld.so.cache \) -prune -o -print 2>/dev/null |
        grep -v -e '/__pycache__' | sort
}
snapshot >"$work/before.txt"

debs=()
for p in $pkgs; do debs+=("$(ls "$work/${p}_"*.deb)"); done
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${debs[@]}" >"$work/install.log" 2>&1; then
    tail -n 30 "$work/install.log"; fail "apt-get install of the packages failed"; exit 1
fi
ok "installed ${pkgs}"
for f in /usr/sbin/llm-schedd /usr/sbin/llm-schedctl /lib/systemd/system/llm-schedd.service \
         /usr/share/llm-schedd/llm-schedd.schema.json /usr/share/llm-schedd/examples/training.json \
         /usr/share/llm-schedd/examples/default.json /usr/share/llm-schedd/dashboards/llm-schedd.json \
         /etc/llm-schedd/policy.json \
         /usr/share/man/man8/llm-schedd.8.gz /usr/share/man/man8/llm-schedctl.8.gz \
         /usr/share/man/man5/llm-schedd.policy.5.gz /usr/share/bash-completion/completions/llm-schedctl \
         /usr/include/llm_schedd/phase.h /usr/include/llm_schedd/hugemem.h /usr/share/doc/llm-schedd/copyright; do
    check "  $f" test -e "$f"
done
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
check "  /usr/lib/$multiarch/libllm_schedd_client.so.0 (libllm-schedd-client0)" test -e "/usr/lib/$multiarch/libllm_schedd_client.so.0"
check "  libllm_schedd_client.so and .a (libllm-schedd-dev)" test -e "/usr/lib/$multiarch/libllm_schedd_client.so" -a -e "/usr/lib/$multiarch/libllm_schedd_client.a"
check "/etc/llm-schedd/policy.json is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' llm-schedd | grep -q ' /etc/llm-schedd/policy.json '"
check "the unit is enabled (multi-user.target.wants)" test -L /etc/systemd/system/multi-user.target.wants/llm-schedd.service
check "  but nothing was started" sh -c "! pgrep -x llm-schedd"
# With man(1) on the host, verify also finds the Documentation= pages the package installed.
man_check=no; command -v man >/dev/null && man_check=yes
out=$(systemd-analyze verify --man=$man_check /lib/systemd/system/llm-schedd.service 2>&1); rc=$?
[[ -n "$out" ]] && echo "$out" | sed 's/^/  systemd-analyze: /'
if [[ $rc -eq 0 && -z "$(echo "$out" | grep -v -e 'Cannot add dependency job' -e 'bus')" ]]; then ok "systemd-analyze verify --man=$man_check on the installed unit"
else fail "systemd-analyze verify on the installed unit (exit $rc)"; fi
out=$(/usr/sbin/llm-schedd --check --config /etc/llm-schedd/policy.json 2>&1); rc=$?
if [[ $rc -eq 0 ]]; then ok "llm-schedd --check on the installed default policy"
else echo "$out" | tail -n 20; fail "llm-schedd --check on the installed default policy (exit $rc)"; fi
check "the installed schema accepts the installed policy" /usr/bin/python3 - <<'PY'
import json, jsonschema
schema = json.load(open("/usr/share/llm-schedd/llm-schedd.schema.json"))
jsonschema.validate(json.load(open("/etc/llm-schedd/policy.json")), schema)
PY
check "man llm-schedd.policy names the schema's keys (a sample: starvation_ms)" \
    sh -c "zcat /usr/share/man/man5/llm-schedd.policy.5.gz | grep -q starvation_ms"
check "Debian's python3 imports llm_schedd and finds the installed library" \
    env -u PYTHONPATH -u LLM_SCHEDD_LIB /usr/bin/python3 -c "import llm_schedd, llm_schedd._clib as c; c.lib()"
cat >"$work/use.c" <<'C'
#include <llm_schedd/phase.h>
int main(void) { return (int)llm_phase_get() * 0; }
C
check "a program builds against libllm-schedd-dev (cc use.c -lllm_schedd_client)" \
    cc -o "$work/use" "$work/use.c" -lllm_schedd_client

if ! DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $pkgs >"$work/purge.log" 2>&1; then
    tail -n 30 "$work/purge.log"; fail "apt-get purge failed"
fi
snapshot >"$work/after.txt"
left=$(comm -13 "$work/before.txt" "$work/after.txt")
gone=$(comm -23 "$work/before.txt" "$work/after.txt")
if [[ -z "$left" && -z "$gone" ]]; then ok "purged: nothing of it is left, nothing else is gone"
else
    [[ -n "$left" ]] && echo "$left" | sed 's/^/  left: /' | head -n 30
    [[ -n "$gone" ]] && echo "$gone" | sed 's/^/  gone: /' | head -n 30
    fail "purge left the host different"
fi
[[ $fails -eq 0 ]] && echo PASS
exit "$fails"
