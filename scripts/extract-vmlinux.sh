#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Extracts the vmlinux ELF from a zstd-compressed x86 bzImage (Debian's).
#
#   scripts/extract-vmlinux.sh BZIMAGE OUT
#
# The payload starts at (setup_sects+1)*512 + payload_offset (header bytes
# 0x1f1 and 0x248) and is payload_length (0x24c) long, the last 4 bytes of
# which are the decompressed size.
set -euo pipefail
img="$1" out="$2"
u8()  { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
setup_sects=$(u8 "$img" $((0x1f1)))
payload_off=$(u32 "$img" $((0x248)))
payload_len=$(u32 "$img" $((0x24c)))
start=$(( (setup_sects + 1) * 512 + payload_off ))
dd if="$img" bs=64K iflag=skip_bytes,count_bytes skip="$start" count="$((payload_len - 4))" status=none \
    | zstd -q -d -o "$out" -f
