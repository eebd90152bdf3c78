#!/usr/bin/env python3
"""Writes <name>.expected.json for corpus files that /usr/bin/python3 (3.11) cannot parse (PEP
701 f-strings, 3.12-only syntax, deliberate syntax errors). Run it with a CPython 3.12 when you
add such a file, review the JSON, and commit both:

    python3.12 make_expectation.py corpus/pep701_fstrings.py

The differential test then checks the analyzer against the reviewed JSON."""
import ast
import json
import sys

import differential_test as d

for path in sys.argv[1:]:
    data = open(path, "rb").read()
    try:
        tree = ast.parse(data)
        exp = {"calls": d.expected_calls(tree, d.split_lines(data)), "syntax_error": None}
    except SyntaxError as e:
        exp = {"calls": None, "syntax_error": [e.lineno, e.offset, e.msg]}
    exp["generated_by"] = "CPython " + sys.version.split()[0]
    with open(path[:-3] + ".expected.json", "w") as fh:
        json.dump(exp, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    print(path, "->", "syntax error" if exp["calls"] is None else f"{len(exp['calls'])} calls")
