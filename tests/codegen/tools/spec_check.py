#!/usr/bin/python3
"""Validates dbtpy's requests against the vendors' API descriptions in ../shared/specs.

Input (argv[1]): a JSON list of requests {"name", "method", "url", "body", "expect_valid"}.
Output (stdout): a JSON list {"name", "valid", "checked_by", "errors"}; exit status 0 unless
the input could not be processed. The caller compares "valid" with "expect_valid", so a
deliberately wrong request (a canary) proves each endpoint's validation really runs.

Test-time rewrites (see shared/specs/README.md and reference/specs.md §3.3), applied to an
in-memory copy only:
  * Databricks Jobs: path keys lack the /api prefix; the patched 3.0 file is used because
    the published one silently disables runs/submit body validation. Its
    AccessControlRequest is a oneOf of three schemas that require nothing, so every entry
    matches all three and fails; each branch gets its principal field as required.
  * BigQuery: path keys lack /bigquery/v2; jobs.insert declares its JSON body as
    application/octet-stream.
  * Dataproc: {parent}/{name} span several segments; flat paths are derived for
    batches.create, batches.get and operations.cancel.
  * Storage: metadata paths lack /storage/v1; the upload endpoint is described nowhere, so
    its documented query parameters are checked by hand.
Endpoints without a usable vendor description (Databricks Command Execution 1.2, Workspace,
Clusters) are checked against the documented wire fields (reference/specs.md §5) with
strict schemas (required fields, types, enums, no unknown fields).
"""
import copy
import json
import re
import sys
import urllib.parse

import jsonschema
import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=LOADER)


def prefix_paths(doc, prefix):
    doc["paths"] = {prefix + k: v for k, v in doc["paths"].items()}
    return doc


def flat(paths, src, method, dst, names):
    item = paths.setdefault(dst, {})
    op = copy.deepcopy(paths[src][method])
    params = [p for p in op.get("parameters", []) + paths[src].get("parameters", [])
              if p.get("in") != "path"]
    op["parameters"] = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                        for n in names] + params
    item[method] = op


def load_specs(root):
    specs = {}
    specs["snowflake"] = load(f"{root}/snowflake/sqlapi.yaml")
    jobs = prefix_paths(load(f"{root}/databricks/jobs-2.1-aws.patched.yaml"), "/api")
    schemas = jobs["components"]["schemas"]
    for name, field in (("AccessControlRequestForUser", "user_name"),
                        ("AccessControlRequestForGroup", "group_name"),
                        ("AccessControlRequestForServicePrincipal", "service_principal_name")):
        schemas[name]["required"] = [field]
    specs["databricks_jobs"] = jobs
    bq = prefix_paths(load(f"{root}/google/bigquery-v2.openapi.yaml"), "/bigquery/v2")
    content = bq["paths"]["/bigquery/v2/projects/{projectId}/jobs"]["post"]["requestBody"]["content"]
    if "application/octet-stream" in content:
        content["application/json"] = content.pop("application/octet-stream")
    specs["bigquery"] = bq
    dp = load(f"{root}/google/dataproc-v1.openapi.yaml")
    p = dp["paths"]
    flat(p, "/v1/{parent}/batches", "post",
         "/v1/projects/{projectsId}/locations/{locationsId}/batches", ["projectsId", "locationsId"])
    flat(p, "/v1/{name}", "get",
         "/v1/projects/{projectsId}/locations/{locationsId}/batches/{batchesId}",
         ["projectsId", "locationsId", "batchesId"])
    flat(p, "/v1/{name}:cancel", "post",
         "/v1/projects/{projectsId}/regions/{regionsId}/operations/{operationsId}:cancel",
         ["projectsId", "regionsId", "operationsId"])
    specs["dataproc"] = dp
    specs["storage"] = prefix_paths(load(f"{root}/google/storage-v1.openapi.yaml"), "/storage/v1")
    return specs


# Documented wire fields of endpoints no usable vendor description covers (reference/specs.md
# §5, taken from the official Databricks SDK). Strict on purpose: unknown fields fail.
def strict(required, props):
    return {"type": "object", "required": required, "properties": props,
            "additionalProperties": False}


STR = {"type": "string", "minLength": 1}
LANG = {"type": "string", "enum": ["python", "scala", "sql", "r"]}
HAND_WRITTEN = {
    ("POST", "/api/1.2/contexts/create"): {"body": strict(["clusterId", "language"],
                                                         {"clusterId": STR, "language": LANG})},
    ("POST", "/api/1.2/contexts/destroy"): {"body": strict(["clusterId", "contextId"],
                                                          {"clusterId": STR, "contextId": STR})},
    ("GET", "/api/1.2/contexts/status"): {"query": {"clusterId": STR, "contextId": STR}},
    ("POST", "/api/1.2/commands/execute"): {"body": strict(
        ["clusterId", "contextId", "language", "command"],
        {"clusterId": STR, "contextId": STR, "language": LANG, "command": STR})},
    ("GET", "/api/1.2/commands/status"): {"query": {"clusterId": STR, "contextId": STR,
                                                    "commandId": STR}},
    ("POST", "/api/1.2/commands/cancel"): {"body": strict(
        ["clusterId", "contextId", "commandId"],
        {"clusterId": STR, "contextId": STR, "commandId": STR})},
    ("POST", "/api/2.0/workspace/mkdirs"): {"body": strict(["path"], {"path": STR})},
    ("POST", "/api/2.0/workspace/import"): {"body": strict(
        ["path", "content", "format", "language", "overwrite"],
        {"path": STR, "content": {"type": "string", "contentEncoding": "base64",
                                  "pattern": "^[A-Za-z0-9+/]*={0,2}$"},
         "format": {"enum": ["AUTO", "SOURCE", "HTML", "JUPYTER", "DBC", "R_MARKDOWN", "RAW"]},
         "language": {"enum": ["PYTHON", "SCALA", "SQL", "R"]},
         "overwrite": {"type": "boolean"}})},
    ("POST", "/api/2.0/workspace/delete"): {"body": strict(
        ["path"], {"path": STR, "recursive": {"type": "boolean"}})},
    ("GET", "/api/2.0/clusters/get"): {"query": {"cluster_id": STR}},
    ("POST", "/upload/storage/v1/b/{bucket}/o"): {"query": {
        "uploadType": {"type": "string", "enum": ["media", "multipart", "resumable"]},
        "name": STR}},
}


def template_regex(template):
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def find_operation(doc, method, path):
    for template, item in doc["paths"].items():
        if template_regex(template).match(path) and method.lower() in item:
            return template, item, item[method.lower()]
    return None, None, None


def schema_errors(doc, schema, instance):
    resolver = jsonschema.RefResolver.from_schema(doc)
    validator = jsonschema.Draft4Validator(schema, resolver=resolver,
                                           format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message}"
            for e in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))]


def check_query(doc, params, query):
    errors = []
    for p in params:
        if "$ref" in p:
            ref = p["$ref"].split("/")[-1]
            p = doc["components"]["parameters"][ref]
        if p.get("in") != "query":
            continue
        name = p["name"]
        if name not in query:
            if p.get("required"):
                errors.append(f"query {name}: required")
            continue
        value = query[name]
        schema = p.get("schema", {})
        if schema.get("type") == "integer":
            if not re.fullmatch(r"-?\d+", value):
                errors.append(f"query {name}: {value!r} is not an integer")
                continue
            value = int(value)
        elif schema.get("type") == "boolean":
            if value not in ("true", "false"):
                errors.append(f"query {name}: {value!r} is not a boolean")
                continue
            value = value == "true"
        errors += [f"query {name}: {e.split(': ', 1)[1]}"
                   for e in schema_errors(doc, schema, value)]
    return errors


def check_vendor(doc, method, path, query, body):
    template, item, op = find_operation(doc, method, path)
    if op is None:
        return None, [f"no operation {method} {path} in the description"]
    errors = check_query(doc, item.get("parameters", []) + op.get("parameters", []), query)
    rb = op.get("requestBody")
    if rb is not None:
        content = rb.get("content", {})
        media = content.get("application/json")
        if body is None:
            if rb.get("required"):
                errors.append("(body): a JSON body is required")
        elif media is None:
            errors.append(f"(body): the description accepts no JSON body ({list(content)})")
        else:
            errors += schema_errors(doc, media.get("schema", {}), body)
    return template, errors


def check_hand_written(key, query, body):
    rule = HAND_WRITTEN[key]
    errors = []
    if "body" in rule:
        errors += schema_errors({}, rule["body"], body if body is not None else None)
    for name, schema in rule.get("query", {}).items():
        if name not in query:
            errors.append(f"query {name}: required")
        else:
            errors += [f"query {name}: {e.split(': ', 1)[1]}"
                       for e in schema_errors({}, schema, query[name])]
    return errors


def classify(method, path):
    for (m, template) in HAND_WRITTEN:
        if m == method and template_regex(template).match(path):
            return "hand", (m, template)
    if path.startswith("/api/v2/statements"):
        return "snowflake", None
    if path.startswith("/api/2.1/jobs/"):
        return "databricks_jobs", None
    if path.startswith("/bigquery/v2/"):
        return "bigquery", None
    if path.startswith("/v1/projects/"):
        return "dataproc", None
    if path.startswith("/storage/v1/"):
        return "storage", None
    return None, None


def main():
    requests = json.load(open(sys.argv[1], encoding="utf-8"))
    specs = load_specs(sys.argv[2])
    results = []
    for r in requests:
        url = urllib.parse.urlsplit(r["url"])
        path = urllib.parse.unquote(url.path) if "/o/" not in url.path else url.path
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        kind, key = classify(r["method"], path)
        if kind is None:
            results.append({"name": r["name"], "valid": False, "checked_by": None,
                            "errors": [f"no description covers {r['method']} {path}"]})
            continue
        if kind == "hand":
            errors = check_hand_written(key, query, r.get("body"))
            checked = "documented wire fields " + key[1]
        else:
            template, errors = check_vendor(specs[kind], r["method"], path, query, r.get("body"))
            checked = f"{kind} {template}"
        results.append({"name": r["name"], "valid": not errors, "checked_by": checked,
                        "errors": errors})
    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
