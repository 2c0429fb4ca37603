# SPDX-License-Identifier: GPL-2.0-only
# Shared by the initramfs builders: copy a binary and every shared library
# it links (found with ldd) into a staging tree.
#
#   stage_binary STAGE BIN [DEST]   (DEST defaults to /usr/bin/NAME)
stage_binary() {
    local stage="$1" bin="$2" dest="${3:-/usr/bin/$(basename "$2")}"
    mkdir -p "$stage$(dirname "$dest")"
    cp -L "$bin" "$stage$dest"
    [[ -n "${STRIP_UNDER:-}" && "$bin" == "$STRIP_UNDER"* ]] && strip --strip-debug "$stage$dest"
    # ldd prints "name => /path (addr)" or "/lib64/ld-linux... (addr)".
    ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+' | while read -r lib; do
        [[ -e "$lib" && ! -e "$stage$lib" ]] || continue
        mkdir -p "$stage$(dirname "$lib")"
        cp -L "$lib" "$stage$lib"
    done
}

# pack_cpio STAGE OUT: a newc archive of STAGE.
pack_cpio() {
    (cd "$1" && find . -print0 | cpio --null -o -H newc --quiet) >"$2.tmp"
    mv "$2.tmp" "$2"
}
