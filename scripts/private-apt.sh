# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Sourced. apt with its own lists, cache and sources under one directory:
# packages from another suite (a kernel, sid's llama.cpp) are downloaded
# and unpacked with dpkg -x, and the host's apt state is never touched.
#
#   private_apt_update DIR SUITE...   sources for SUITEs (main), then update
#   private_apt DIR apt-get|apt-cache ARGS...

private_apt() {
    local dir="$1" cmd="$2"; shift 2
    "$cmd" -q -o Dir::State::Lists="$dir/lists" \
        -o Dir::State::status=/dev/null \
        -o Dir::Etc::SourceList="$dir/sources.list" \
        -o Dir::Etc::SourceParts=/dev/null \
        -o Dir::Cache="$dir/cache" \
        -o APT::Get::List-Cleanup=0 "$@"
}

private_apt_update() {
    local dir="$1" s; shift
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
    : >"$dir/sources.list"
    for s in "$@"; do
        echo "deb http://deb.debian.org/debian $s main" >>"$dir/sources.list"
    done
    private_apt "$dir" apt-get update >/dev/null
}
