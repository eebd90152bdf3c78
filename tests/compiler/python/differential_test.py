#!/usr/bin/python3
"""Differential test of dbtpy's Python analyzer against CPython's own parser.

For every .py file of the installed standard library (and the hand-made corpus), this script
injects dbt.ref / dbt.source / dbt.config / dbt.config.get / dbt.config.meta_get calls at varied
positions, computes the expected calls by walking CPython's AST with the analyzer's recognition
rule, runs the analyzer once over all files (analyze_tool, JSON lines) and compares: kind, line,
column and literal arguments must agree exactly, and no file CPython accepts may get a syntax
error. Corpus files CPython 3.11 cannot parse (PEP 701 f-strings) carry their own expectations in
<name>.expected.json.

Usage: differential_test.py --tool build/.../analyze_tool --workdir DIR
           [--stdlib /usr/lib/python3.11] [--corpus tests/compiler/python/corpus]
"""
import argparse
import ast
import json
import os
import random
import re
import subprocess
import sys

DBT_KINDS = {
    ("dbt", "ref"): "ref",
    ("dbt", "source"): "source",
    ("dbt", "config"): "config",
    ("dbt", "config", "get"): "config.get",
    ("dbt", "config", "meta_get"): "config.meta_get",
}
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
NEWLINE = re.compile(rb"\r\n|\r|\n")
CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


class NotLiteral(Exception):
    pass


def chain_of(func):
    """('dbt', 'config', 'get') for dbt.config.get, with the Name node; else None."""
    parts = []
    node = func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None, None
    parts.append(node.id)
    return tuple(reversed(parts)), node


def py_str(v):
    if isinstance(v, str):
        return v
    return repr(v)


def to_json(v):
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return v
    if isinstance(v, bytes):
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            return v.decode("latin-1")
    if isinstance(v, (list, tuple)):
        return [to_json(x) for x in v]
    if isinstance(v, SetLit):
        return [to_json(x) for x in v.items]
    if isinstance(v, dict):
        return {py_str(k): to_json(x) for k, x in v.items()}
    raise NotLiteral()


class SetLit:
    """A set in source order (Python's set order is not the analyzer's)."""

    def __init__(self, items):
        self.items = items

    def __hash__(self):
        raise TypeError("unhashable")


def literal(node):
    """The analyzer's literal rules: ast.literal_eval minus complex and arithmetic, ints in
    64 bits, no lone surrogates and no \\N{} escapes (checked by the injector, not here)."""
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, complex) or v is Ellipsis:
            raise NotLiteral()
        if isinstance(v, int) and not isinstance(v, bool) and not INT64_MIN <= v <= INT64_MAX:
            raise NotLiteral()
        if isinstance(v, float) and v in (float("inf"), float("-inf")):
            raise NotLiteral()
        if isinstance(v, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in v):
            raise NotLiteral()
        return v
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        if isinstance(node.operand, ast.Constant) and type(node.operand.value) in (int, float):
            v = node.operand.value
            v = -v if isinstance(node.op, ast.USub) else v
            if isinstance(v, int) and not INT64_MIN <= v <= INT64_MAX:
                raise NotLiteral()
            return v
        raise NotLiteral()
    if isinstance(node, ast.List):
        return [literal(e) for e in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(literal(e) for e in node.elts)
    if isinstance(node, ast.Set):
        return SetLit([literal(e) for e in node.elts])
    if isinstance(node, ast.Dict):
        out = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                raise NotLiteral()
            key = literal(k)
            if isinstance(key, (list, dict, SetLit)):
                raise NotLiteral()
            if isinstance(key, tuple):
                key = ("tuple", repr(key))  # keep distinct; str() used for JSON
                out[KeyRepr(key[1])] = literal(v)
            else:
                out[key] = literal(v)
        return out
    raise NotLiteral()


class KeyRepr(str):
    """A tuple key: JSON uses Python's str() of the tuple."""


def expected_calls(tree, lines):
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        chain, name = chain_of(node.func)
        if chain not in DBT_KINDS:
            continue
        line = name.lineno
        col = char_col(lines, line, name.col_offset)
        ok = True
        args, kwargs = [], []
        for a in node.args:
            if isinstance(a, ast.Starred):
                ok = False
                continue
            try:
                args.append(to_json(literal(a)))
            except (NotLiteral, TypeError):
                ok = False
                args.append(None)
        for k in node.keywords:
            if k.arg is None:
                ok = False
                continue
            try:
                kwargs.append([k.arg, to_json(literal(k.value))])
            except (NotLiteral, TypeError):
                ok = False
                kwargs.append([k.arg, None])
        calls.append({"kind": DBT_KINDS[chain], "line": line, "col": col, "args": args,
                      "kwargs": kwargs, "ok": ok})
    calls.sort(key=lambda c: (c["line"], c["col"]))
    return calls


def split_lines(data):
    """Physical lines as CPython counts them (\\n, \\r\\n, \\r), without line breaks."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return NEWLINE.split(data)


def char_col(lines, lineno, byte_col):
    line = lines[lineno - 1] if lineno - 1 < len(lines) else b""
    return len(line[:byte_col].decode("utf-8", errors="replace")) + 1


# ---------------------------------------------------------------------------------------------
# Injection

STRINGS = [
    "'orders'", '"customers"', "'it\\'s'", "'a\\nb\\tc'", "'\\x41\\u00e9\\U0001F600'",
    "r'raw\\d+'", "'multi' \"part\"", "'caf\u00e9'", "'\u65e5\u672c'", "'''triple'''",
    "'\\101\\7'", "'back\\\\slash'", "B'bytes'", "b'\\xff\\x00'", "'x' 'y' 'z'", "''",
]
NUMBERS = ["0", "-5", "0x1F", "1_000", "0o17", "0b101", "1.5", "-2.5e-3", "1e16", "0.1",
           "1e300", "+7", "9223372036854775807", "-9223372036854775808", "3.", ".5", "1_0.0_1"]
ATOMS = ["True", "False", "None"]


def rand_literal(rng, depth=0):
    r = rng.random()
    if depth < 2 and r < 0.25:
        kind = rng.choice(["list", "tuple", "set", "dict", "dict"])
        n = rng.randint(0, 3)
        items = [rand_literal(rng, depth + 1) for _ in range(n)]
        if kind == "list":
            return "[" + ", ".join(items) + "]"
        if kind == "tuple":
            if n == 1:
                return "(" + items[0] + ",)"
            return "(" + ", ".join(items) + ")"
        if kind == "set":
            if n == 0:
                return "{" + rand_scalar(rng) + "}"
            return "{" + ", ".join(items) + "}"
        keys = [rng.choice(STRINGS[:3] + NUMBERS[:3] + ["True", "None", "('t', 1)"])
                for _ in range(n)]
        return "{" + ", ".join(f"{k}: {v}" for k, v in zip(keys, items)) + "}"
    return rand_scalar(rng)


def rand_scalar(rng):
    r = rng.random()
    if r < 0.55:
        return rng.choice(STRINGS)
    if r < 0.85:
        return rng.choice(NUMBERS)
    return rng.choice(ATOMS)


def rand_call(rng, nested=0):
    """One dbt call expression with literal (or sometimes non-literal) arguments."""
    kind = rng.choice(["ref", "ref", "source", "config", "config.get", "config.meta_get"])
    pos, kws = [], []
    if kind == "ref":
        pos = [rand_literal(rng) for _ in range(rng.choice([1, 1, 2, 3]))]
        if rng.random() < 0.3:
            kws.append(f"{rng.choice(['v', 'version'])}={rand_scalar(rng)}")
    elif kind == "source":
        pos = [rng.choice(STRINGS), rng.choice(STRINGS)]
    elif kind == "config":
        if rng.random() < 0.3:
            pos = [rand_literal(rng)]
        else:
            kws = [f"{k}={rand_literal(rng)}"
                   for k in rng.sample(["materialized", "tags", "packages", "alias", "meta"],
                                       rng.randint(1, 3))]
    else:
        pos = [rng.choice(STRINGS)]
        if rng.random() < 0.5:
            pos.append(rand_literal(rng))
        elif rng.random() < 0.2:
            kws.append(f"default={rand_literal(rng)}")
    if nested < 1 and rng.random() < 0.1:
        pos.append(rand_call(rng, nested + 1))  # a call as argument: not a literal
    if rng.random() < 0.05:
        pos.insert(0, rng.choice(["x", "f(1)", "1 + 2", "[*a]", "{**d}", "not 1", "-x", "1j",
                                  "'a'.upper()", "(1, x)"]))
    if rng.random() < 0.03:
        kws.append(rng.choice(["**kw", "package='p'"]))
        if rng.random() < 0.5:
            pos.append("*args")
    callee = "dbt." + kind
    if rng.random() < 0.1:
        callee = "(" + callee + ")"
    if rng.random() < 0.05:
        callee = "(dbt)." + kind
    return callee + "(" + ", ".join(pos + kws) + ")"


def statement_templates(rng):
    c = lambda: rand_call(rng)  # noqa: E731
    return rng.choice([
        lambda: c(),
        lambda: f"_dbt_x = {c()}",
        lambda: f"_dbt_x = [{c()}, {c()}]",
        lambda: f"_dbt_x = {{{c()}: {c()}}}",
        lambda: f"_dbt_x = lambda _a={c()}: {c()}",
        lambda: f"_dbt_x = [{c()} for _dbt_i in range(2) if {c()}]",
        lambda: f"_dbt_x = {{_k: {c()} for _k in {c()}}}",
        lambda: f"_dbt_x = f\"{{{c().replace(chr(34), chr(39))}}}\"".replace('"', '"'),
        lambda: f"_dbt_x = f'pre {{{c().replace(chr(39), chr(34))}!r:>10}} post'",
        lambda: f"print({c()}, sep={c()})",
        lambda: f"_dbt_x = ({c()} if {c()} else {c()})",
        lambda: f"_dbt_x: int = {c()}",
        lambda: f"_dbt_x = {c()}.limit(2).to_pandas()",
    ])()


def fstring_safe(call):
    return "\\" not in call


class Injector:
    def __init__(self, rng, data, tree):
        self.rng = rng
        self.lines = NEWLINE.split(data)
        self.ends = NEWLINE.findall(data)
        self.tree = tree
        self.inserts = []  # (line index, byte col, text, order)
        self.new_lines = []  # (line index, text): a whole line inserted before the line

    def line_indent(self, lineno, col):
        prefix = self.lines[lineno - 1][:col]
        if prefix.strip(b" \t\f") != b"":
            return None
        return prefix

    def statement(self):
        s = statement_templates(self.rng)
        if "f'" in s or 'f"' in s:
            if "\\" in s:
                s = rand_call(self.rng)
        return s

    def pick_statement_points(self):
        def start(st):
            # A decorated definition starts at its first decorator.
            decorators = getattr(st, "decorator_list", None)
            return min([st.lineno] + [d.lineno for d in decorators or []])

        points = []
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                first = node.body[0]
                if first.lineno == node.lineno:
                    continue
                points.append((start(first), first.col_offset, "body"))
                points.append((node.lineno, node.col_offset, "decorator"))
        if isinstance(self.tree, ast.Module):
            for st in self.tree.body:
                points.append((start(st), st.col_offset, "top"))
        return points

    def run(self):
        rng = self.rng
        points = self.pick_statement_points()
        rng.shuffle(points)
        used_lines = set()
        multiline = self.string_lines()
        for lineno, col, kind in points[: max(3, len(points) // 10)]:
            if lineno in used_lines or lineno in multiline:
                continue
            indent = self.line_indent(lineno, col)
            if indent is None:
                continue
            used_lines.add(lineno)
            if kind == "decorator":
                text = "@" + rand_call(rng)
            else:
                text = self.statement()
            self.new_lines.append((lineno - 1, indent + text.encode()))
        self.wrap_expressions()
        return self.render()

    def string_lines(self):
        """Lines that continue a multi-line token or bracket: no line may be inserted there."""
        bad = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.stmt) and hasattr(node, "end_lineno"):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If,
                                     ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith,
                                     ast.Try, ast.Match)) or getattr(ast, "TryStar", None) \
                        and isinstance(node, getattr(ast, "TryStar", ())):
                    continue
                for ln in range(node.lineno + 1, node.end_lineno + 1):
                    bad.add(ln)
        return bad

    def wrap_expressions(self):
        rng = self.rng
        parents = {}
        skip = set()
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                parents[child] = node
            if isinstance(node, (ast.JoinedStr, ast.match_case if hasattr(ast, "match_case")
                                 else ast.JoinedStr)):
                target = node.pattern if isinstance(node, getattr(ast, "match_case", ())) \
                    else node
                for sub in ast.walk(target):
                    skip.add(sub)
        candidates = []
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.expr) or node in skip:
                continue
            if isinstance(node, (ast.Starred, ast.Slice, ast.Yield, ast.YieldFrom, ast.NamedExpr,
                                 ast.GeneratorExp)):
                continue
            ctx = getattr(node, "ctx", None)
            if ctx is not None and not isinstance(ctx, ast.Load):
                continue
            if isinstance(node, ast.Tuple) and any(isinstance(e, (ast.Slice, ast.Starred))
                                                   for e in node.elts):
                continue
            parent = parents.get(node)
            if isinstance(parent, (ast.FormattedValue, ast.JoinedStr)):
                continue
            if isinstance(parent, ast.keyword) and parent.arg is None:
                continue
            if not hasattr(node, "end_lineno") or node.end_lineno is None:
                continue
            candidates.append(node)
        rng.shuffle(candidates)
        chosen = []
        for node in candidates:
            if len(chosen) >= max(2, len(candidates) // 50):
                break
            span = (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)
            if any(not (span[2:] <= c[:2] or c[2:] <= span[:2]) for c in chosen):
                continue
            chosen.append(span)
        for (l1, c1, l2, c2) in chosen:
            call = rand_call(rng)
            self.inserts.append((l1 - 1, c1, ("(" + call + ", ").encode(), 1))
            self.inserts.append((l2 - 1, c2, b")[1]", 0))

    def render(self):
        lines = list(self.lines)
        by_line = {}
        for li, col, text, order in self.inserts:
            by_line.setdefault(li, []).append((col, order, text))
        for li, items in by_line.items():
            line = lines[li]
            # Right to left; at the same column a closing text goes before an opening one.
            for col, order, text in sorted(items, key=lambda x: (x[0], -x[1]), reverse=True):
                line = line[:col] + text + line[col:]
            lines[li] = line
        inserted = {}
        for li, text in self.new_lines:
            inserted.setdefault(li, []).append(text)
        out = []
        for i, line in enumerate(lines):
            eol = self.ends[i] if i < len(self.ends) else b""
            for text in inserted.get(i, []):
                out.append(text + (self.ends[0] if self.ends else b"\n"))
            out.append(line + eol)
        return b"".join(out)


# ---------------------------------------------------------------------------------------------


def compare(name, exp_calls, got, problems):
    got_calls = [{k: c[k] for k in ("kind", "line", "col", "args", "kwargs", "ok")}
                 for c in got["calls"]]
    if exp_calls != got_calls:
        for i, (e, g) in enumerate(zip(exp_calls, got_calls)):
            if e != g:
                problems.append(f"{name}: call #{i} differs:\n  expected {e}\n  got      {g}")
                return
        problems.append(f"{name}: {len(exp_calls)} calls expected, {len(got_calls)} found; "
                        f"first extra: {(exp_calls + got_calls)[min(len(exp_calls), len(got_calls))]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--stdlib", default="/usr/lib/python3.11")
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=300)
    args = ap.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    jobs = []  # (path to analyze, expected calls or None, expected syntax error or None, label)
    skipped_decode = skipped_cpython = 0
    stdlib_files = []
    if args.stdlib and os.path.isdir(args.stdlib):
        for root, dirs, files in os.walk(args.stdlib):
            dirs.sort()
            for f in sorted(files):
                if f.endswith(".py"):
                    stdlib_files.append(os.path.join(root, f))
    compared_stdlib = 0
    for idx, path in enumerate(stdlib_files):
        with open(path, "rb") as fh:
            data = fh.read()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            skipped_decode += 1
            continue
        # dbt reads model files as UTF-8; a file declaring another encoding (PEP 263) means
        # something else to CPython.
        cookie = [CODING.match(l) for l in split_lines(data)[:2]]
        if any(m and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8")
               for m in cookie):
            skipped_decode += 1
            continue
        try:
            tree = ast.parse(data)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            skipped_cpython += 1
            continue
        # The original file: CPython accepts it, so must we; no dbt calls in it.
        jobs.append((path, None, None, path))
        rng = random.Random(f"{args.seed}:{path}")
        mutated = None
        for attempt in range(3):
            try:
                candidate = Injector(rng, data, tree).run()
                mtree = ast.parse(candidate)
                mutated = (candidate, mtree)
                break
            except (SyntaxError, ValueError, RecursionError):
                continue
        if mutated is None:
            continue
        candidate, mtree = mutated
        out = os.path.join(args.workdir, f"m{idx:05d}_" + os.path.basename(path))
        with open(out, "wb") as fh:
            fh.write(candidate)
        jobs.append((out, expected_calls(mtree, split_lines(candidate)), None, path))
        compared_stdlib += 1

    corpus_count = 0
    if args.corpus and os.path.isdir(args.corpus):
        for f in sorted(os.listdir(args.corpus)):
            if not f.endswith(".py"):
                continue
            path = os.path.join(args.corpus, f)
            sidecar = path[:-3] + ".expected.json"
            with open(path, "rb") as fh:
                data = fh.read()
            if os.path.exists(sidecar):
                with open(sidecar) as fh:
                    exp = json.load(fh)
                jobs.append((path, exp.get("calls"), exp.get("syntax_error"), path))
            else:
                try:
                    tree = ast.parse(data)
                    jobs.append((path, expected_calls(tree, split_lines(data)), None, path))
                except SyntaxError as e:
                    print(f"corpus file {f} needs a .expected.json (CPython: {e})")
                    return 1
            corpus_count += 1

    listing = "\n".join(j[0] for j in jobs) + "\n"
    try:
        proc = subprocess.run([args.tool], input=listing.encode(), capture_output=True,
                              timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print(f"FAIL: the analyzer did not finish {len(jobs)} files within {args.timeout}s")
        return 1
    if proc.returncode != 0:
        print(f"FAIL: analyze_tool exited with {proc.returncode}\n{proc.stderr.decode()[-2000:]}")
        return 1
    results = [json.loads(l) for l in proc.stdout.decode().splitlines() if l.strip()]
    if len(results) != len(jobs):
        print(f"FAIL: {len(jobs)} files sent, {len(results)} results (a crash?)")
        return 1

    problems = []
    for (path, exp_calls, exp_syntax, label), got in zip(jobs, results):
        syntax = [d for d in got["diagnostics"] if d["code"] in ("DBTPY101", "DBTPY102")]
        if exp_syntax:
            if not syntax or [syntax[0]["line"], syntax[0]["col"]] != exp_syntax[:2]:
                problems.append(f"{label}: expected syntax error at {exp_syntax}, got {syntax}")
            continue
        if syntax:
            problems.append(f"{label}: CPython accepts it, analyzer says {syntax[0]['line']}:"
                            f"{syntax[0]['col']}: {syntax[0]['message']}")
            continue
        if exp_calls is None:
            if got["calls"]:
                problems.append(f"{label}: no dbt calls expected, got {got['calls'][:2]}")
            continue
        compare(f"{label} ({path})", exp_calls, got, problems)

    total_calls = sum(len(j[1] or []) for j in jobs)
    print(f"differential test: compared {compared_stdlib} stdlib files "
          f"(+{compared_stdlib} originals; skipped {skipped_decode} not UTF-8, "
          f"{skipped_cpython} rejected by CPython) and {corpus_count} corpus files; "
          f"{total_calls} expected dbt calls")
    if problems:
        print(f"{len(problems)} mismatches:")
        for p in problems[:30]:
            print(" -", p)
        print(f"0 passed, {len(problems)} failed")
        return 1
    print(f"{len(jobs)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
