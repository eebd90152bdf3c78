#!/usr/bin/python3
"""Validates recorded dbtpy-sandbox responses against the vendors' OpenAPI descriptions.

Input (a JSON file given as argv[1]):
  {"specs_dir": ".../shared/specs",
   "checks": [{"name": str, "spec": "snowflake/sqlapi.yaml", "prefix": "/api" (optional),
               "path": "/api/v2/statements", "method": "post", "status": 200,
               "schema": "Batch" (optional: a component schema instead of the path lookup),
               "body": {...}, "expect_valid": true,
               "uri_references": false (optional: accept relative URLs where the spec says uri)}]}
Output on stdout: {"results": [{"name", "valid", "expect_valid", "errors": [...]}]}

OpenAPI 3.0 is not JSON Schema: `nullable: true` is rewritten to a type union, and $refs are
resolved against the whole document. `prefix` is prepended to the spec's path keys because
Prism-style base paths are missing from some files (see specs/README.md, trap 2). Only
Debian's python3-yaml and python3-jsonschema are used.
"""
import copy
import json
import re
import sys

import jsonschema
import yaml

_CACHE = {}


def nullable_to_union(node):
    if isinstance(node, dict):
        if node.get("nullable") is True and "type" in node:
            t = node["type"]
            node["type"] = (t if isinstance(t, list) else [t]) + ["null"]
            if "enum" in node:
                node["enum"] = list(node["enum"]) + [None]
        for v in node.values():
            nullable_to_union(v)
    elif isinstance(node, list):
        for v in node:
            nullable_to_union(v)
    return node


def load(specs_dir, rel):
    key = (specs_dir, rel)
    if key not in _CACHE:
        with open(f"{specs_dir}/{rel}", encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        _CACHE[key] = nullable_to_union(copy.deepcopy(doc))
    return _CACHE[key]


def template_regex(template):
    parts = re.split(r"(\{[^}]+\})", template)
    out = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile("^" + out + "$")


def find_schema(doc, check):
    if check.get("schema"):
        return {"$ref": "#/components/schemas/" + check["schema"]}
    prefix = check.get("prefix", "")
    method = check["method"].lower()
    status = str(check["status"])
    for template, item in doc.get("paths", {}).items():
        if not template_regex(prefix + template).match(check["path"]):
            continue
        op = item.get(method)
        if not op:
            continue
        responses = op.get("responses", {})
        resp = responses.get(status) or responses.get(status[0] + "XX") or responses.get("default")
        if resp is None:
            raise LookupError(f"{check['path']} {method}: no response {status} in the spec")
        if "$ref" in resp:
            resp = doc["components"]["responses"][resp["$ref"].split("/")[-1]]
        content = resp.get("content", {})
        media = content.get("application/json") or next(iter(content.values()), None)
        if media is None or "schema" not in media:
            raise LookupError(f"{check['path']} {method} {status}: the spec gives no schema")
        return media["schema"]
    raise LookupError(f"{check['path']} {method}: no such path in the spec")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        request = json.load(f)
    results = []
    for check in request["checks"]:
        res = {"name": check["name"], "expect_valid": check.get("expect_valid", True)}
        try:
            doc = load(request["specs_dir"], check["spec"])
            schema = find_schema(doc, check)
            resolver = jsonschema.RefResolver.from_schema(doc)
            formats = jsonschema.FormatChecker()
            if check.get("uri_references") and "uri-reference" in formats.checkers:
                # Snowflake documents relative statementStatusUrl values while its spec says
                # "uri" (absolute): the documentation wins.
                formats.checkers["uri"] = formats.checkers["uri-reference"]
            validator = jsonschema.Draft4Validator(schema, resolver=resolver, format_checker=formats)
            errors = sorted(validator.iter_errors(check["body"]), key=lambda e: list(e.path))
            res["valid"] = not errors
            res["errors"] = [
                "/".join(str(p) for p in e.path) + ": " + e.message for e in errors[:10]]
        except Exception as e:  # a lookup failure is a test failure, not a crash
            res["valid"] = None
            res["errors"] = [f"{type(e).__name__}: {e}"]
        results.append(res)
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
