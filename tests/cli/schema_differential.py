#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The schema and the parser agree. Every shipped policy, every bad-input
case (tests/data/bad_policies), the fuzz seeds, and a few hundred
deterministic mutations of them go through both configs/llm-schedd.schema.json
(python3-jsonschema) and `llm-schedd --check`, and must be accepted or
refused alike.

The one allowed difference: the parser refuses, the schema accepts, and
every reason the parser gives is one a JSON Schema cannot state (the
machine's CPUs and nodes, the live file system, a duplicate key, which
Python's json module cannot see, uniqueness or order across fields).
Those reasons are listed in SEMANTIC below, each with why. A schema that
refuses what the parser accepts is always a failure.

    schema_differential.py SOURCE_DIR LLM_SCHEDD [--mutations N] [--seed S] [-v]
"""
import argparse
import copy
import json
import pathlib
import random
import re
import subprocess
import sys
import tempfile

import jsonschema

# Parser refusals a schema cannot express, as patterns over the message.
SEMANTIC = [
    # The machine this runs on.
    (r"do not exist on this machine|does not exist on this machine", "CPUs exist or not on this machine"),
    (r"does not exist or is offline", "NUMA nodes of this machine"),
    (r"leaves no CPU: this machine has|has no online CPU on this machine", "relative CPU sets on this machine's CPUs"),
    (r"this machine has no .* huge pages|this machine has \d+ possible CPUs", "page sizes and CPUs of this machine"),
    (r"does not exist on this host", "groups of this host"),
    (r"hugetlbfs mounts cannot be made here", "the live file system at the mount path"),
    # The text of the file, which json.loads does not keep.
    (r"the key is given twice in one object", "Python's json keeps the last duplicate key silently"),
    # Relations between values.
    (r"runs from high to low", "the two ends of a percentage range"),
    (r"is already used by /classes/", "class names unique across the array"),
    (r"can never match", "reachability of a class behind a catch-all"),
    (r"is in both phase sets", "disjoint CPU lists"),
    (r"is also exclusive to", "disjoint CPU lists across classes"),
    (r"range '.*' runs backwards", "order of the two ends of a CPU range"),
    (r"is above (max_us|max|high|size|low)|min_size is above size|min_us is above max_us", "order of two fields"),
    (r"starvation_ms must be below watchdog_ms", "order of two fields"),
    (r"size is below one .* page", "a size against the page size"),
    (r"is mounted twice|a second pool for the same page size and node", "uniqueness across array items"),
    (r"too many match rules", "a count summed over all classes"),
    (r"catches every task, so its cgroup", "a catch-all rule combined with memory settings"),
    (r"of lower class .*, so it could never hold", "a protect floor against another class's limits"),
    (r"protects its memory, but no class of lower priority", "a protect needs a lower class with a memory section"),
    (r"no class catches the remaining tasks", "some class must end in a catch-all (reachability)"),
    # Path rules: system trees, normal form and systemd's subtrees, decided on the path's parts.
    (r"is a system directory|is the root directory|is inside /|is not in normal form|which systemd owns|"
     r"is the root cgroup", "path rules (policy/path_rules.cpp)"),
    (r"an exclusive class needs its own CPUs", "cpus_exclusive without cpus"),
    (r'"[0-9]+[KMG]" is not a page size', "an mTHP size must be a power of two of at least 8K"),
    (r'size ".*" is larger than 2\^64 bytes', "a size's value, past what its digits and unit say"),
    (r'duration ".*" is out of range', "a duration string is held to the key's range after its unit is applied"),
]


def load(path):
    return json.loads(pathlib.Path(path).read_text())


def parser_verdict(binary, doc_text, tmpdir, n):
    f = pathlib.Path(tmpdir) / f"case{n}.json"
    f.write_text(doc_text)
    r = subprocess.run([binary, "--check", "--config", str(f)], capture_output=True, text=True, timeout=20)
    if r.returncode not in (0, 1):
        return None, [f"exit {r.returncode}: {r.stderr.strip()[:300]}"]
    reasons = []
    for line in r.stderr.splitlines():
        # "FILE: /json/path: message (fix)", or the live-system lines.
        m = re.match(r"^\S+: (/\S*: .*)$", line)
        if m:
            reasons.append(m.group(1))
        elif "cannot be made here" in line or line.startswith("hugetlbfs "):
            reasons.append(line)
        elif line.strip() and r.returncode == 1 and not reasons:
            reasons.append(line)
    return r.returncode == 0, reasons


def semantic(reason):
    return any(re.search(p, reason) for p, _ in SEMANTIC)


# Values a mutation may put anywhere.
PROBES = [None, True, False, 0, -1, 1, 2, 7, 31, 32, 50, 99, 100, 101, 1000, 86400001, 2**40, 1.5, -0.5, "",
          "x", "2M", "1G", "4M", "16K", "0-1", "1-0", "0,", "max", "fifo", "fair", "madvise", "64M", "0770", "07777",
          "/dev/hugepages-x", "/llm.slice/x", "127.0.0.1:9000", "200ms", "1.2.3ms", "5 s", "99999999999999999999",
          " 200ms", "1.", ".5", "5 ms", "1.2.3ms", "1e3", "0x10", "\t5", "0-4095", " 0-1 ", "0 - 1", "16GB", "16GiB",
          "1T", "2m", "2048K", "2MB", "2MiB", "8192", "64KB", "3K", "1GB", "1-0", "4096", "0-4096", 1.0, 5.0, 4095, 4096, 2**32, 2**64, "-1", "0", "0777", "8", "a b", "..", ".", "llm", "/", "/a/../b", "localhost:80", "[::1]:9",
          [], {}, [1], [0, 1], ["x"], {"default": True}, {"comm_prefix": "x"}]


def paths(node, prefix=()):
    yield prefix, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, prefix + (i,))


def get_parent(doc, path):
    node = doc
    for p in path[:-1]:
        node = node[p]
    return node


def mutate(doc, rng):
    doc = copy.deepcopy(doc)
    candidates = [p for p, _ in paths(doc) if p]
    if not candidates:
        return doc, "nothing left to change"
    path = rng.choice(candidates)
    parent = get_parent(doc, path)
    key = path[-1]
    value = parent[key]
    kind = rng.randrange(9)
    where = "/" + "/".join(map(str, path))
    if kind == 0 and isinstance(parent, dict):
        del parent[key]
        return doc, f"delete {where}"
    if kind == 1 and isinstance(parent, dict):
        parent[key + "_x" if rng.random() < 0.5 else key[:-1]] = parent.pop(key)
        return doc, f"rename {where}"
    if kind == 2 and isinstance(value, dict):
        value[rng.choice(["zz", "name", "priority", "cpus", "default", "max", "mode"])] = rng.choice(PROBES)
        return doc, f"add a key under {where}"
    if kind == 3 and isinstance(value, (int, float)) and not isinstance(value, bool):
        parent[key] = rng.choice([value + 1, value - 1, value * 2, -value, value + 0.5, 0, 2**31, 2**63])
        return doc, f"number {where}"
    if kind == 4 and isinstance(value, str):
        parent[key] = rng.choice([value + "x", value[:-1], value.upper(), " " + value, value + value, value * 0])
        return doc, f"string {where}"
    if kind == 5 and isinstance(value, list):
        if value and rng.random() < 0.5:
            value.append(copy.deepcopy(value[0]))
        else:
            value.clear()
        return doc, f"array {where}"
    if kind == 6 and isinstance(parent, list) and len(parent) > 1:
        parent.reverse()
        return doc, f"reorder {where[:where.rfind('/')] or '/'}"
    probe = rng.choice(PROBES)
    parent[key] = copy.deepcopy(probe)
    return doc, f"set {where} = {json.dumps(probe)}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("binary")
    ap.add_argument("--mutations", type=int, default=400)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    root = pathlib.Path(a.root)
    schema = load(root / "configs/llm-schedd.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    cases = []  # (name, text)
    bases = []
    for p in [root / "configs/default.json", *sorted((root / "configs/examples").glob("*.json")),
              *sorted((root / "tests/vm/scenarios/data").glob("*.json"))]:
        cases.append((f"shipped {p.relative_to(root)}", p.read_text()))
        bases.append(json.loads(p.read_text()))
    for p in sorted((root / "tests/data/bad_policies").glob("*.json")) + \
            sorted((root / "fuzz/seeds/policy").glob("*")):
        cases.append((f"case {p.relative_to(root)}", p.read_text(errors="replace")))
    rng = random.Random(a.seed)
    for i in range(a.mutations):
        base = rng.choice(bases)
        doc, what = mutate(base, rng)
        for _ in range(rng.randrange(2)):  # sometimes two mutations
            doc, more = mutate(doc, rng)
            what += "; " + more
        cases.append((f"mutant {i}: {what}", json.dumps(doc, indent=1)))

    failures = agree_accept = agree_refuse = semantic_only = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n, (name, text) in enumerate(cases):
            try:
                doc = json.loads(text)
                schema_errors = [f"/{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(doc)]
            except ValueError as e:
                schema_errors = [f"not JSON: {e}"]
            accepted, reasons = parser_verdict(a.binary, text, tmp, n)
            schema_ok = not schema_errors
            if accepted is None:
                print(f"FAIL {name}: the parser crashed: {reasons}")
                failures += 1
            elif accepted and schema_ok:
                agree_accept += 1
            elif not accepted and not schema_ok:
                agree_refuse += 1
            elif accepted and not schema_ok:
                print(f"FAIL {name}: the parser accepts, the schema refuses: {schema_errors[:2]}")
                failures += 1
            elif all(semantic(r) for r in reasons) and reasons:
                semantic_only += 1
                if a.v:
                    print(f"ok   {name}: refused by the parser for a reason the schema cannot state: {reasons[0]}")
            else:
                print(f"FAIL {name}: the schema accepts, the parser refuses: "
                      f"{[r for r in reasons if not semantic(r)][:2] or reasons[:1]}")
                failures += 1
            if failures and failures >= 40:
                print("(stopping after 40 disagreements)")
                break
    print(f"metric: cases={len(cases)} both_accept={agree_accept} both_refuse={agree_refuse} "
          f"parser_only_semantic={semantic_only} disagreements={failures}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
