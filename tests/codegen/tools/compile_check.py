#!/usr/bin/python3
"""Compiles generated Python files with CPython's own compiler, as `python3 -m py_compile`
does, without writing .pyc files. Prints a JSON list of failures ("file:line: message")
and exits 1 if there is any. Databricks notebook magics are `# MAGIC` comment lines, so a
notebook source file compiles as it is."""
import json
import sys


def main(paths):
    failures = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            source = f.read()
        try:
            compile(source, path, "exec", dont_inherit=True)
        except SyntaxError as e:
            failures.append(f"{path}:{e.lineno}: {e.msg}")
        except ValueError as e:  # e.g. NUL bytes
            failures.append(f"{path}: {e}")
    print(json.dumps(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
