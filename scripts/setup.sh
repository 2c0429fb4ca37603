#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Installs everything llm-schedd needs to build and test on Debian 12, and
# fetches the sched_ext test kernel. Idempotent: a second run changes nothing
# and takes about a second.
#
# The only change to the host's apt configuration is the bookworm-backports
# suite. The kernel comes through a private apt state directory, so trixie
# never enters the host's sources.
#
# Environment:
#   LLM_SCHEDD_CACHE        cache directory          (/var/cache/llm-schedd)
#   LLM_SCHEDD_KERNEL       use this kernel version, e.g. 7.3.4+deb13-amd64
#                           (checked through its config, or through its BTF
#                           where the archive no longer has linux-base-VER)
#   LLM_SCHEDD_KERNEL_IMAGE use this bzImage as is (no download at all)
#   LLM_SCHEDD_KERNEL_SUITES apt suites searched for kernels
#                           ("trixie-backports sid")
#   LLM_SCHEDD_SKIP_PACKAGES=1  skip the apt part (packages already present)
#
# Prints nothing but progress on stderr; the last line on stdout is the path
# of the kernel directory (vmlinuz, config, version).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${LLM_SCHEDD_CACHE:-/var/cache/llm-schedd}"
suites="${LLM_SCHEDD_KERNEL_SUITES:-trixie-backports sid}"

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (it installs Debian packages): sudo $0"

install_packages() {
    local want=() missing=() line name
    while read -r line; do
        line="${line%%#*}"; line="${line// /}"
        [[ -n "$line" ]] && want+=("$line")
    done <"$here/packages.txt"
    for line in "${want[@]}"; do
        name="${line%%/*}"
        dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "ok installed" \
            || missing+=("$line")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        log "all ${#want[@]} packages present"
        return
    fi
    local src=/etc/apt/sources.list.d/bookworm-backports.sources
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        log "adding bookworm-backports to apt sources ($src)"
        cat >"$src" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    fi
    log "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

# Private apt: lists and downloads under the cache, host sources untouched.
. "$(dirname "${BASH_SOURCE[0]}")/private-apt.sh"
kapt() { private_apt "$cache/apt" "$@"; }

newest_kernels() {
    # linux-binary-<ver>-amd64, newest first; -cloud, -rt and -unsigned are
    # other flavours of the same source.
    kapt apt-cache pkgnames linux-binary- \
        | grep -E '^linux-binary-[0-9][^ ]*-amd64$' \
        | grep -Ev -- '-(cloud|rt)-amd64$' \
        | sed 's/^linux-binary-//' | sort -Vr
}

fetch_kernel() {
    if [[ -n "${LLM_SCHEDD_KERNEL_IMAGE:-}" ]]; then
        [[ -r "$LLM_SCHEDD_KERNEL_IMAGE" ]] || die "LLM_SCHEDD_KERNEL_IMAGE=$LLM_SCHEDD_KERNEL_IMAGE is not readable"
        local d="$cache/kernel/custom"
        mkdir -p "$d"
        cp -f "$LLM_SCHEDD_KERNEL_IMAGE" "$d/vmlinuz"
        echo custom >"$d/version"
        echo "$d"; return
    fi
    local link="$cache/kernel/current"
    if [[ -z "${LLM_SCHEDD_KERNEL:-}" && -r "$link/vmlinuz" ]]; then
        log "kernel cached: $(cat "$link/version")"
        readlink -f "$link"; return
    fi
    if [[ -n "${LLM_SCHEDD_KERNEL:-}" && -r "$cache/kernel/$LLM_SCHEDD_KERNEL/vmlinuz" ]]; then
        log "kernel cached: $LLM_SCHEDD_KERNEL"
        echo "$cache/kernel/$LLM_SCHEDD_KERNEL"; return
    fi
    log "resolving kernels in: $suites"
    # shellcheck disable=SC2086 # one suite per word
    private_apt_update "$cache/apt" $suites
    local candidates ver work
    if [[ -n "${LLM_SCHEDD_KERNEL:-}" ]]; then
        candidates="$LLM_SCHEDD_KERNEL"
    else
        candidates="$(newest_kernels)"
        [[ -n "$candidates" ]] || die "no linux-binary-*-amd64 package in $suites"
    fi
    for ver in $candidates; do
        work="$(mktemp -d)"
        log "trying linux-binary-$ver"
        if ! (cd "$work" && kapt apt-get download "linux-binary-$ver" >/dev/null 2>&1); then
            log "  cannot download linux-binary-$ver"; rm -rf "$work"; continue
        fi
        # linux-base carries the config; the archive keeps it only for recent versions.
        (cd "$work" && kapt apt-get download "linux-base-$ver" >/dev/null 2>&1) || true
        for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
        local cfg img
        cfg="$(find "$work/root" -name config -path '*/modules/*' | head -1)"
        img="$(find "$work/root" -name vmlinuz -path '*/modules/*' | head -1)"
        [[ -z "$img" ]] && img="$(find "$work/root/boot" -name 'vmlinuz-*' 2>/dev/null | head -1)"
        [[ -z "$cfg" ]] && cfg="$(find "$work/root/boot" -name 'config-*' 2>/dev/null | head -1)"
        if [[ -z "$img" ]]; then
            log "  package layout not understood"; rm -rf "$work"; continue
        fi
        if [[ -n "$cfg" ]]; then
            grep -q '^CONFIG_SCHED_CLASS_EXT=y' "$cfg" || { log "  CONFIG_SCHED_CLASS_EXT is off; next"; rm -rf "$work"; continue; }
        else
            # No config package: the kernel's own BTF says whether sched_ext is built in.
            "$here/extract-vmlinux.sh" "$img" "$work/vmlinux"
            bpftool btf dump file "$work/vmlinux" >"$work/btf.txt" 2>/dev/null || true
            if ! grep -q "STRUCT 'sched_ext_ops'" "$work/btf.txt"; then
                log "  no sched_ext in its BTF; next"; rm -rf "$work"; continue
            fi
            cfg=""
        fi
        local d="$cache/kernel/$ver"
        mkdir -p "$d"
        cp "$img" "$d/vmlinuz"
        [[ -n "$cfg" ]] && cp "$cfg" "$d/config"
        echo "$ver" >"$d/version"
        rm -rf "$work"
        [[ -z "${LLM_SCHEDD_KERNEL:-}" ]] && ln -sfn "$d" "$link"
        log "kernel $ver cached in $d"
        echo "$d"; return
    done
    die "no kernel with CONFIG_SCHED_CLASS_EXT=y found in $suites (set LLM_SCHEDD_KERNEL or LLM_SCHEDD_KERNEL_IMAGE)"
}

[[ -n "${LLM_SCHEDD_SKIP_PACKAGES:-}" ]] || install_packages
fetch_kernel
