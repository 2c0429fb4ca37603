#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks that the SCX_* constants llm_sched compiles in have the values the
running kernel expects.

    scripts/check-kernel-enums.py KERNEL_DIR_OR_VMLINUX [...]

The BPF program is built against one vmlinux.h (bpf/vmlinux/) and loaded on
every kernel of the matrix. A constant taken from that header is a fixed
number in the object; if a kernel gives the same name another value, the
program silently passes a different flag. Constants read through CO-RE
(bpf_core_enum_value, the LLM_ENQ_* macros) are exempt. Exit 1 names each
constant that differs, and where it is used.
"""
import pathlib, re, subprocess, sys, tempfile

root = pathlib.Path(__file__).resolve().parent.parent
header = root / "bpf/vmlinux/vmlinux.h"
ENUM = re.compile(r"^\s+(SCX_[A-Z0-9_]+) = (-?\d+)(?:ULL|LL)?,?$", re.M)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def used_constants():
    uses = {}
    for f in sorted((root / "bpf").glob("*.bpf.[ch]")):
        for n, line in enumerate(strip_comments(f.read_text()).splitlines(), 1):
            if "bpf_core_enum_value" in line:
                continue
            for name in re.findall(r"\bSCX_[A-Z0-9_]+\b", line):
                uses.setdefault(name, []).append(f"{f.relative_to(root)}:{n}")
    return uses


def btf_values(path):
    path = pathlib.Path(path)
    if path.is_dir():
        if (path / "vmlinux").exists():
            path = path / "vmlinux"
        else:
            with tempfile.TemporaryDirectory() as tmp:
                vmlinux = pathlib.Path(tmp) / "vmlinux"
                subprocess.run([str(root / "scripts/extract-vmlinux.sh"), str(path / "vmlinuz"), str(vmlinux)],
                               check=True)
                return btf_values(vmlinux)
    out = subprocess.run(["bpftool", "btf", "dump", "file", str(path), "format", "c"],
                         check=True, capture_output=True, text=True).stdout
    return dict(ENUM.findall(out))


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    ours = dict(ENUM.findall(header.read_text()))
    uses = {k: v for k, v in used_constants().items() if k in ours}
    total = 0
    for target in argv[1:]:
        theirs = btf_values(target)
        bad = 0
        for name, where in sorted(uses.items()):
            if name not in theirs:
                continue  # a kfunc-era name the kernel lacks is guarded by bpf_ksym_exists
            if int(theirs[name]) != int(ours[name]):
                print(f"{target}: {name} is {theirs[name]} there and {ours[name]} in {header.name}; "
                      f"read it with bpf_core_enum_value() (used at {', '.join(where[:3])})")
                bad += 1
        print(f"{target}: {len(uses)} SCX_* constants compiled in, {bad} differ")
        total += bad
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
