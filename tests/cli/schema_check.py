#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Every shipped policy validates against configs/llm-schedd.schema.json, and
typical mistakes do not (so the schema is not vacuous)."""
import json
import pathlib
import sys

import jsonschema

root = pathlib.Path(sys.argv[1])
schema = json.loads((root / "configs/llm-schedd.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
failures = 0
shipped = [root / "configs/default.json", *sorted((root / "configs/examples").glob("*.json"))]
# The VM lane's policies use every key; the test-only fault flag aside, they must validate too.
scenario_policies = sorted((root / "tests/vm/scenarios/data").glob("*.json"))
for path in shipped + scenario_policies:
    errors = list(validator.iter_errors(json.loads(path.read_text())))
    for e in errors:
        print(f"FAIL {path.name}: /{'/'.join(map(str, e.path))}: {e.message}")
    failures += bool(errors)
    print(f"{'ok  ' if not errors else 'FAIL'} {path.name}")

good = json.loads((root / "configs/default.json").read_text())
mistakes = {
    "unknown key": lambda p: p["classes"][0].update(prority=5),
    "bad order": lambda p: p["classes"][0].update(order="lifo"),
    "priority out of range": lambda p: p["classes"][0].update(priority=100),
    "bad cpu list": lambda p: p["classes"][0].update(cpus="0-"),
    "phases missing backward": lambda p: p["classes"][0]["phases"].pop("backward"),
    "no classes": lambda p: p.update(classes=[]),
    "bad memory limit": lambda p: p["classes"][0].update(memory={"max": "lots"}),
    "unknown class memory key": lambda p: p["classes"][0].update(memory={"swap": 0}),
    "relative hugetlbfs path": lambda p: p.update(memory={"hugetlbfs": [{"path": "dev/huge"}]}),
    "bad mTHP mode": lambda p: p.update(memory={"thp": {"sizes": {"64K": "sometimes"}}}),
}
for name, mutate in mistakes.items():
    doc = json.loads(json.dumps(good))
    mutate(doc)
    rejected = any(True for _ in validator.iter_errors(doc))
    print(f"{'ok  ' if rejected else 'FAIL'} rejects {name}")
    failures += not rejected
sys.exit(1 if failures else 0)
