"""Validates a run_results.json against run_results_v6.schema.json (beside this script).

Usage: /usr/bin/python3 validate_run_results.py RUN_RESULTS.json
Prints "ok" and exits 0, or prints each violation and exits 1.
"""
import json
import os
import sys

import jsonschema

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "run_results_v6.schema.json")) as f:
    schema = json.load(f)
with open(sys.argv[1]) as f:
    document = json.load(f)
errors = sorted(
    jsonschema.Draft202012Validator(schema).iter_errors(document), key=lambda e: list(e.path)
)
for e in errors:
    print("/".join(str(p) for p in e.path) + ": " + e.message)
print("ok" if not errors else f"{len(errors)} violation(s)")
sys.exit(1 if errors else 0)
