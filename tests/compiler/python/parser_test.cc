// Parser: accepts the Python 3.12 grammar (every snippet below is accepted by CPython 3.12) and
// reports syntax errors at CPython 3.12's line:col. Expected positions were taken from CPython
// 3.12.1's ast.parse.
#include "compiler/python/parser.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "compiler/python/analysis.h"
#include "compiler/python/tokenizer.h"

namespace dbtpy::compiler::python {
namespace {

const char* const kAccepted[] = {
    "@decorator\n"
    "@module.attr(arg, k=v)\n"
    "@(lambda f: f)\n"
    "def f(a, b=1, *args, c, d=2, **kwargs) -> int:\n"
    "    pass\n",
    "def f(a, b, /, c, *, d): pass\n",
    "def f(a=1, /, b=2, *, c): pass\n",
    "def f(*args: *Ts, **kw: int): ...\n",
    "async def f():\n"
    "    async with a as b, c:\n"
    "        pass\n"
    "    async for x in y:\n"
    "        await z\n"
    "    return [i async for i in aiter() if await i]\n",
    "x = (y := 10)\n"
    "if (n := len(a)) > 10: pass\n"
    "while chunk := f.read(): pass\n"
    "[y := f(x), y**2]\n"
    "f(x := 1)\n",
    "lambda: 0\n"
    "lambda x, /, y=1, *a, z, **k: x\n"
    "lambda *, k: k\n"
    "f = lambda a=lambda b=1: b: a\n",
    "x = [i for i in range(3) if i if not i for j in i]\n"
    "y = {k: v for k, v in d.items()}\n"
    "z = {a for a in b}\n"
    "g = (x for x in y)\n"
    "f(x for x in y)\n",
    "a, *b = c\n"
    "*a, b = c\n"
    "[a, *b] = c\n"
    "(a, b), c = d\n"
    "x = *a, *b\n"
    "print(*a, *b, **c, **d)\n"
    "x = [*a, *b]\n"
    "y = {**a, 'b': 1, **c}\n"
    "z = {*a, *b}\n",
    "match command.split():\n"
    "    case [action]:\n"
    "        pass\n"
    "    case [action, obj]:\n"
    "        pass\n"
    "    case Point(x=0, y=0) | Point(1, 2):\n"
    "        pass\n"
    "    case {'x': x, **rest}:\n"
    "        pass\n"
    "    case [1, 2, *others] if others:\n"
    "        pass\n"
    "    case -1 | 1+2j | 'a' 'b' | None | True:\n"
    "        pass\n"
    "    case (a, b) as c:\n"
    "        pass\n"
    "    case Color.RED:\n"
    "        pass\n"
    "    case _:\n"
    "        pass\n",
    "match = 1\n"
    "match.x = 2\n"
    "match(x)\n"
    "match[1] = 2\n"
    "case = 3\n"
    "print(match, case)\n",
    "match x,:\n"
    "    case 1,: pass\n"
    "match *a, b:\n"
    "    case [*_]: pass\n",
    "type X = int\n"
    "type ListOrSet[T] = list[T] | set[T]\n"
    "type = 5\n"
    "type.x = 1\n",
    "def f[T, *Ts, **P](x: T) -> T: ...\n"
    "class A[T: int, U: (str, bytes)](Base[T]): pass\n",
    "try:\n"
    "    pass\n"
    "except* ValueError as e:\n"
    "    pass\n"
    "except* (TypeError, KeyError):\n"
    "    pass\n"
    "else:\n"
    "    pass\n"
    "finally:\n"
    "    pass\n",
    "try:\n"
    "    pass\n"
    "except:\n"
    "    pass\n"
    "try:\n"
    "    pass\n"
    "finally:\n"
    "    pass\n",
    "global a, b\n"
    "nonlocal c\n"
    "del a, b[1], c.d, (e, f), [g]\n"
    "del (a)\n",
    "with (open(a) as b, open(c) as d,):\n"
    "    pass\n"
    "with (a, b):\n"
    "    pass\n"
    "with (a, b) as c:\n"
    "    pass\n"
    "with a as (b, c), d as e[1]:\n"
    "    pass\n",
    "x = a[1:2, ::3, ...]\n"
    "y = a[:]\n"
    "z = a[1:2:3]\n"
    "w = a[*b]\n"
    "v = a[b:=1]\n"
    "u = a[x, *y]\n",
    "x = a if b else c if d else e\n"
    "y = not a and b or not not c\n"
    "z = a < b <= c != d is not e in f not in g\n",
    "x = -a ** -b ** ~c\n"
    "y = a @ b // c % d << e >> f & g ^ h | i\n"
    "z = await_ = 1\n",
    "x += 1; y -= 2; z *= 3; a /= 4; b //= 5; c %= 6; d **= 7; e >>= 8; f <<= 9; g &= 1; h ^= 2; i "
    "|= 3; j @= k\n",
    "x: int\n"
    "y: list[int] = []\n"
    "(z): int = 1\n"
    "a.b: str\n"
    "c[0]: int = 2\n",
    "def g():\n"
    "    x = yield\n"
    "    y = yield from z\n"
    "    yield a, b\n"
    "    await_ = (yield)\n"
    "    return (yield)\n",
    "class A(B, metaclass=M, **kw):\n"
    "    x: int = 1\n"
    "    def f(self): return self\n",
    "if a:\n"
    "    pass\n"
    "elif b:\n"
    "    pass\n"
    "else:\n"
    "    pass\n"
    "while a:\n"
    "    break\n"
    "else:\n"
    "    continue\n"
    "for x in a, b:\n"
    "    pass\n"
    "else:\n"
    "    pass\n",
    "import a.b.c as d, e\n"
    "from . import x\n"
    "from .. a import (b as c, d,)\n"
    "from ...x.y import *\n"
    "from a import b, c\n",
    "assert x, 'msg'\n"
    "raise\n"
    "raise E\n"
    "raise E from None\n"
    "pass\n",
    "x = 'a' 'b' \"c\" '''d''' r'e' u'f'\n"
    "y = b'a' rb'b' B\"c\"\n"
    "z = f'{a}' 'b' f'{c!r:>{d}}'\n",
    "x = f'{a=}' f'{a = }' f'{a=!s:10}' f'{a:{b}{c}}' f'{a:%H:%M}' f'{{}}' f'{a[\"b\"]}'\n",
    "x = f'{f'{f'{1}'}'}'\n"
    "y = f\"{'\\n'.join(a)}\"\n"
    "z = f'''{\n"
    "    a # comment\n"
    "}'''\n",
    "x = 0xFF + 0o17 + 0b11 + 1_000 + 1.5e-3 + 3j + .5 + 5.\n",
    "x = ...\n"
    "y = a[...]\n"
    "def f(): ...\n",
    "if x:\n"
    "\tpass\n"
    "else:\n"
    "\tif y:\n"
    "\t\tpass\n",
    "x = (  # comment\n"
    "    1,\n"
    "    2,  # another\n"
    ")\n",
    "def f(\n"
    "    a,\n"
    "    b,\n"
    "):\n"
    "    return (\n"
    "        a\n"
    "        + b\n"
    "    )\n",
    "x = [\n"
    "]\n"
    "y = {\n"
    "}\n"
    "z = (\n"
    ")\n",
    "print(a, sep='', end='\\n', *b, c=1, **d)\n"
    "f(*a, b)\n"
    "f(a)(b)(c)\n"
    "f()[0].x()\n",
    "x = lambda: (yield)\n",
    "async def f():\n"
    "    await x\n"
    "    async with a:\n"
    "        pass\n"
    "    x = [await y async for y in z]\n",
    "class A: pass\n"
    "class B(): pass\n"
    "class C(object,): pass\n",
    "def f(a, *, b=1, c): pass\n"
    "def g(*, a): pass\n"
    "def h(**k): pass\n"
    "def i(a, /): pass\n",
    "x = not a == b\n"
    "y = a if b else (lambda: c)\n"
    "z = [lambda: i for i in x]\n",
    "@property\n"
    "def f(self): return 1\n",
    "x = a.b.c.d(e).f[g].h\n",
    "for i, (a, b) in enumerate(c): pass\n"
    "for x, in y: pass\n"
    "for [a, *b] in c: pass\n",
    "x = {1: 2, **a, 3: 4}\n"
    "y = {1, 2, 3,}\n",
    "if True: x = 1; y = 2\n"
    "while False: pass\n"
    "for x in y: continue\n",
    "with a: pass\n"
    "with a, b: pass\n"
    "with a as b, c as d: pass\n",
    "x = [*range(3)]\n"
    "y = (*a,)\n"
    "print(*(), **{})\n",
    "\303\251t\303\251 = 1\n"
    "\345\217\230\351\207\217 = \303\251t\303\251\n",
    "x = 1 if 2 else 3\n"
    "x = 1if 2else 3\n",
    "a = b = c = d\n"
    "a, b = b, a\n",
    "x = f'{x:{y:{z}}}'\n",
    "x = ()()\n",
    "x = f'{x=!r:}' '{'\n",
    // An operand followed by an operator, a trailer or another string is not a lone atom.
    "x = 'a' 'b' % (1,)\n"
    "y = 'a' f'{x}' + 'c', b'a' b'b' * 2\n"
    "z = a ** 2, -a, a[0], a.b, a(1), not a, a not in b, a is not b, a if b else c\n"
    "w = f(a, b=c, *d, **e)[x:y, ::2] @ m\n",
};

// `src` tokenizes and parses without an error (the failure names the line and the source).
void expect_parses(const char* src) {
  TokenizeResult tr = tokenize(src);
  ASSERT_FALSE(tr.error.present) << tr.error.message << "\n" << src;
  ParseResult pr = parse(src, tr.tokens);
  EXPECT_FALSE(pr.error.present) << "line " << pr.error.line << ": " << pr.error.message << "\n"
                                 << src;
}

TEST(Parser, AcceptsThePython312Grammar) {
  for (const char* src : kAccepted) {
    expect_parses(src);
  }
}

struct RejectCase {
  const char* src;
  int line;
  int col;
};

const RejectCase kRejected[] = {
    {"x = (1,\n", 1, 5},
    {"x = (1]", 1, 7},
    {"x = 1)", 1, 6},
    {"x = (\n1]", 2, 2},
    {"if x:\n  a\n b\n", 3, 3},
    {"if x:\n\ta\n        b\n", 3, 1},
    {"x = 0x", 1, 6},
    {"x = 07", 1, 5},
    {"x = 1_", 1, 6},
    {"x = 1__0", 1, 6},
    {"x = 1e", 1, 5},
    {"x = 0o8", 1, 7},
    {"x = 0b12", 1, 8},
    {"x=1abc", 1, 3},
    {"x = \\ y", 1, 6},
    {"x = 1 \\", 1, 8},
    {"def f(a=1, b): pass", 1, 12},
    {"f(**a, *b)", 1, 8},
    {"f(x for x in y, 1)", 1, 3},
    {"f(a.b=1)", 1, 3},
    {"f() = 1", 1, 1},
    {"a + 1 = 2", 1, 1},
    {"for f() in x: pass", 1, 5},
    {"(a, b) += 1", 1, 1},
    {"del f()", 1, 5},
    {"try:\n pass\nexcept* A:\n pass\nexcept B:\n pass\n", 5, 1},
    {"lambda x=1, y: 1", 1, 13},
    {"def f(*): pass", 1, 7},
    {"class A(x for x in y): pass", 1, 11},
    {"@x\nx = 1", 2, 1},
    {"match x:\n case 1 + 1: pass\n", 2, 11},
    {"x = yield = 3", 1, 5},
    {"a if b", 1, 1},
    {"[x for x in 1, 2]", 1, 14},
    {"f\"{}\"", 1, 4},
    {"f\"{x!z}\"", 1, 6},
    {"x = \"abc\n", 1, 5},
    {"x = '''abc\n", 1, 5},
    {"x = f\"abc\n", 1, 5},
    {"x = f'''ab{c}\n", 1, 5},
    {"x = $", 1, 5},
    {"x = 1 ?", 1, 7},
    {"x = \342\202\254", 1, 5},
    {"a\001", 1, 2},
    {"def f(:\n  pass\n", 1, 7},
    {"if x\n  pass\n", 1, 5},
    {"if x:\npass\n", 2, 1},
    {"  x = 1\n", 1, 2},
    {"x = [1, 2\ny = 3\n", 1, 5},
    {"x = 1 +\n", 1, 8},
    {"import\n", 1, 7},
    {"from . import\n", 1, 14},
    {"from x import (a, b\n", 1, 15},
    {"def f():\n    return\n  x\n", 3, 4},
    {"x = {1: 2, 3}\n", 1, 12},
    {"x = {1, 2: 3}\n", 1, 10},
    {"f(**)\n", 1, 5},
    {"a b c\n", 1, 3},
    {"x += 1, 2 = 3\n", 1, 11},
    {"with a as b c:\n pass\n", 1, 13},
    {"for x in range(3)\n  pass\n", 1, 18},
    {"class:\n pass\n", 1, 6},
    {"while:\n pass\n", 1, 6},
    {"x = [i for i in]\n", 1, 16},
    {"x.1 = 2\n", 1, 2},
    {"def f(a, a=1, /, b): pass\n", 1, 18},
    {"nonlocal\n", 1, 9},
    {"global x,\n", 1, 10},
    {"x = (yield) = 1\n", 1, 6},
    {"del *a\n", 1, 5},
    {"x = not\n", 1, 8},
    {"assert\n", 1, 7},
    {"raise from x\n", 1, 7},
    {"try:\n pass\n", 2, 6},
    {"try:\n pass\nelse:\n pass\n", 3, 1},
    {"except:\n pass\n", 1, 1},
    {"x = lambda: yield\n", 1, 13},
    {"def f(**k, a): pass\n", 1, 12},
    {"def f(a, /, /): pass\n", 1, 13},
    {"def f(/, a): pass\n", 1, 7},
    {"f(a for a in b for)\n", 1, 19},
    {"x = 1 if 2 else\n", 1, 16},
    {"case x:\n pass\n", 1, 6},
    {"match x:\n  case _ as _:\n    pass\n", 2, 13},
    {"type X[T] =\n", 1, 12},
    {"x = a[]\n", 1, 7},
    {"@\ndef f(): pass\n", 1, 2},
    {"async x = 1\n", 1, 7},
    {"x = 'a\\\n", 1, 5},
    {"x = f'{x!}'\n", 1, 10},
    {"x = f'{'\n", 1, 8},
    {"x = f'}'\n", 1, 7},
    {"x = 5 5\n", 1, 7},
    {"if x:\n    pass\n  else:\n    pass\n", 3, 8},
    {"def f[](): pass\n", 1, 6},
    {"x = b'\303\251'\n", 1, 5},
};

TEST(Parser, RejectsLikeCPythonWithLineAndColumn) {
  for (const RejectCase& c : kRejected) {
    PythonAnalysis a = analyze(c.src, "m.py");
    ASSERT_FALSE(a.diagnostics.empty()) << c.src;
    const Diagnostic& d = a.diagnostics.front();
    EXPECT_TRUE(d.code == "DBTPY101" || d.code == "DBTPY102") << d.code << " for " << c.src;
    EXPECT_EQ(d.line, c.line) << d.message << "\n" << c.src;
    EXPECT_EQ(d.column, c.col) << d.message << "\n" << c.src;
  }
}

TEST(Parser, SpecificMessages) {
  auto message = [](const char* src) {
    PythonAnalysis a = analyze(src, "m.py");
    return a.diagnostics.empty() ? std::string() : a.diagnostics.front().message;
  };
  EXPECT_EQ(message("f(a=1, b)\n"),
            "Failed to parse Python file: positional argument follows keyword argument");
  EXPECT_EQ(message("def f(a=1, b): pass\n"),
            "Failed to parse Python file: parameter without a default follows parameter with a "
            "default");
  EXPECT_EQ(message("f() = 1\n"),
            "Failed to parse Python file: cannot assign to function call here. Maybe you meant "
            "'==' instead of '='?");
  EXPECT_EQ(message("if x:\npass\n"),
            "Failed to parse Python file: expected an indented block after 'if' statement on "
            "line 1");
  EXPECT_EQ(message("try:\n pass\nexcept* A:\n pass\nexcept B:\n pass\n"),
            "Failed to parse Python file: cannot have both 'except' and 'except*' on the same "
            "'try'");
  EXPECT_EQ(message("f'{x!z}'\n"),
            "Failed to parse Python file: f-string: invalid conversion character 'z': expected "
            "'s', 'r', or 'a'");
  EXPECT_EQ(message("x = (1,\n"), "Failed to parse Python file: '(' was never closed");
}

// A source's first syntax error and where CPython 3.12 reports it.
struct CPythonError {
  const char* src;
  int line;
  int col;
  const char* message;  // after "Failed to parse Python file: "
};

void expect_cpython_errors(std::initializer_list<CPythonError> cases) {
  for (const CPythonError& c : cases) {
    PythonAnalysis a = analyze(c.src, "m.py");
    ASSERT_FALSE(a.diagnostics.empty()) << c.src;
    const Diagnostic& d = a.diagnostics.front();
    EXPECT_EQ(d.message, std::string("Failed to parse Python file: ") + c.message) << c.src;
    EXPECT_EQ(d.line, c.line) << c.src;
    EXPECT_EQ(d.column, c.col) << c.src;
  }
}

TEST(Parser, SecondPassMessagesLikeCPython) {
  // CPython 3.12 re-parses a file that failed with its invalid_* rules to say more than
  // "invalid syntax": `=` where a named expression belongs, Python 2's print, a forgotten
  // comma (not after a starred display element, nor after a name that is a prefix of a soft
  // keyword), what an f-string field expects next, unpacking in comprehensions, misplaced
  // arguments and parameters. Closing brackets are not forced tokens: plain "invalid syntax"
  // at the last token read. A statement missing before a dedented line is reported at column 0
  // of that line; a bracket never closed on the error's logical line wins over a plain error.
  // Every case below is CPython's own output.
  expect_cpython_errors({
      CPythonError{"[1;]\n", 1, 3, "invalid syntax"},
      CPythonError{"x[1;]\n", 1, 4, "invalid syntax"},
      CPythonError{"(1;)\n", 1, 3, "invalid syntax"},
      CPythonError{"{1;}\n", 1, 3, "invalid syntax"},
      CPythonError{"{a: b = 1}\n", 1, 7, "invalid syntax"},
      CPythonError{"x[a:b = 1]\n", 1, 7, "invalid syntax"},
      CPythonError{"[a := 1 = 2]\n", 1, 9, "invalid syntax"},
      CPythonError{"(a for a in b = 1)\n", 1, 15, "invalid syntax"},
      CPythonError{"from a import (b c)\n", 1, 18, "invalid syntax"},
      CPythonError{"from a imp b\n", 1, 8, "invalid syntax"},
      CPythonError{"for x y in z: pass\n", 1, 7, "invalid syntax"},
      CPythonError{"match x:\n case [a b]: pass\n", 2, 10, "invalid syntax"},
      CPythonError{"match x:\n case {1 a}: pass\n", 2, 10, "invalid syntax"},
      CPythonError{"if a = b:\n  pass\n", 1, 4,
                   "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
      CPythonError{"if a.b = 1:\n  pass\n", 1, 4,
                   "cannot assign to attribute here. Maybe you meant '==' instead of '='?"},
      CPythonError{"if (a) = 1:\n  pass\n", 1, 5,
                   "cannot assign to name here. Maybe you meant '==' instead of '='?"},
      CPythonError{"if (a).b = 1:\n  pass\n", 1, 4,
                   "cannot assign to attribute here. Maybe you meant '==' instead of '='?"},
      CPythonError{"while f(a) = 1:\n  pass\n", 1, 7,
                   "cannot assign to function call here. Maybe you meant '==' instead of '='?"},
      CPythonError{"if a + b = 1:\n  pass\n", 1, 4,
                   "cannot assign to expression here. Maybe you meant '==' instead of '='?"},
      CPythonError{"if 1 = a:\n  pass\n", 1, 4,
                   "cannot assign to literal here. Maybe you meant '==' instead of '='?"},
      CPythonError{"if a:\n  pass\nelif b = b:\n  pass\n", 3, 6,
                   "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
      CPythonError{"if a = 1 if b else c:\n  pass\n", 1, 4,
                   "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
      CPythonError{"if a = b = c:\n  pass\n", 1, 6, "invalid syntax"},
      CPythonError{"if not a = 1:\n  pass\n", 1, 10, "invalid syntax"},
      CPythonError{"if [a] = 1:\n  pass\n", 1, 8, "invalid syntax"},
      CPythonError{"if (a, b) = 1:\n  pass\n", 1, 11, "invalid syntax"},
      CPythonError{"if True = 1:\n  pass\n", 1, 9, "invalid syntax"},
      CPythonError{"[a = 1]\n", 1, 2,
                   "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
      CPythonError{"{a = 1}\n", 1, 2,
                   "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
      CPythonError{"x[a = 1]\n", 1, 3,
                   "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
      CPythonError{"(a = 1)\n", 1, 2,
                   "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
      CPythonError{"x = (a, b = 1, c)\n", 1, 9,
                   "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
      CPythonError{"x = {a, b = 1}\n", 1, 9,
                   "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
      CPythonError{"x = [a = 1 for a in b]\n", 1, 6,
                   "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
      CPythonError{"x = [x for x in y if a = 1]\n", 1, 24, "invalid syntax"},
      CPythonError{"x = [lambda: a = 1]\n", 1, 16, "invalid syntax"},
      CPythonError{"x = f(x, (a = 1))\n", 1, 11,
                   "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
      CPythonError{"def f(x=[a = 1]): pass\n", 1, 10,
                   "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
      CPythonError{"@a = 1\ndef f(): pass\n", 1, 2,
                   "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
      CPythonError{"x = [dbt.ref(\"a\") = 1]\n", 1, 6,
                   "cannot assign to function call here. Maybe you meant '==' instead of '='?"},
      CPythonError{"print \"hi\"\n", 1, 1,
                   "Missing parentheses in call to 'print'. Did you mean print(...)?"},
      CPythonError{"print a, b\n", 1, 1,
                   "Missing parentheses in call to 'print'. Did you mean print(...)?"},
      CPythonError{"exec \"x\" in d\n", 1, 1,
                   "Missing parentheses in call to 'exec'. Did you mean exec(...)?"},
      CPythonError{"x = print a\n", 1, 5,
                   "Missing parentheses in call to 'print'. Did you mean print(...)?"},
      CPythonError{"[print a]\n", 1, 2,
                   "Missing parentheses in call to 'print'. Did you mean print(...)?"},
      CPythonError{"f(print a)\n", 1, 3,
                   "Missing parentheses in call to 'print'. Did you mean print(...)?"},
      CPythonError{"x.print a\n", 1, 9, "invalid syntax"},
      CPythonError{"f\"{print a}\"\n", 1, 4,
                   "Missing parentheses in call to 'print'. Did you mean print(...)?"},
      CPythonError{"x = [*a b]\n", 1, 7, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"x = {**a b}\n", 1, 10, "invalid syntax"},
      CPythonError{"x = [a, *b c]\n", 1, 12, "invalid syntax"},
      CPythonError{"x = f(*a b)\n", 1, 8, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"f(a, **b c)\n", 1, 8, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"[x for x y]\n", 1, 8, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"f(x for x y)\n", 1, 9, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"x = (yield a b)\n", 1, 12, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"[m b]\n", 1, 4, "invalid syntax"},
      CPythonError{"[ma < b c]\n", 1, 9, "invalid syntax"},
      CPythonError{"[mx b]\n", 1, 2, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"[typ.x b]\n", 1, 8, "invalid syntax"},
      CPythonError{"[m in df.columns m]\n", 1, 18, "invalid syntax"},
      CPythonError{"f\"{a b}\"\n", 1, 4, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"f\"{a!r x}\"\n", 1, 8, "f-string: expecting ':' or '}'"},
      CPythonError{"f\"{a = x}\"\n", 1, 8, "f-string: expecting '!', or ':', or '}'"},
      CPythonError{"f\"{a;}\"\n", 1, 5, "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"f\"{a=!r x}\"\n", 1, 9, "f-string: expecting ':' or '}'"},
      CPythonError{"f\"{*a b}\"\n", 1, 7, "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"f\"{a:{b c}}\"\n", 1, 7, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"type X int\n", 1, 8, "invalid syntax"},
      CPythonError{"[*a for a in b]\n", 1, 2, "iterable unpacking cannot be used in comprehension"},
      CPythonError{"{*a for a in b}\n", 1, 2, "iterable unpacking cannot be used in comprehension"},
      CPythonError{"(*a for a in b)\n", 1, 2, "iterable unpacking cannot be used in comprehension"},
      CPythonError{"f(*a for a in b)\n", 1, 3,
                   "iterable unpacking cannot be used in comprehension"},
      CPythonError{"f(x, *a for a in b)\n", 1, 6, "Generator expression must be parenthesized"},
      CPythonError{"[a, b for a in b]\n", 1, 2,
                   "did you forget parentheses around the comprehension target?"},
      CPythonError{"[a, for a in b]\n", 1, 2,
                   "did you forget parentheses around the comprehension target?"},
      CPythonError{"{a, b for a in b}\n", 1, 2,
                   "did you forget parentheses around the comprehension target?"},
      CPythonError{"f(a=1, b, c=2)\n", 1, 14, "positional argument follows keyword argument"},
      CPythonError{"f(**a, b)\n", 1, 9, "positional argument follows keyword argument unpacking"},
      CPythonError{"f(a=1,\n  b)\n", 2, 4, "positional argument follows keyword argument"},
      CPythonError{"def f(a=1, b): pass\n", 1, 12,
                   "parameter without a default follows parameter with a default"},
      CPythonError{"def f(a=1, b(c)): pass\n", 1, 13, "invalid syntax"},
      CPythonError{"lambda a=1, b: 0\n", 1, 13,
                   "parameter without a default follows parameter with a default"},
      CPythonError{"[(a + b) c]\n", 1, 3, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"[((a + b)) c]\n", 1, 4, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"[(a, b) c]\n", 1, 2, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"[(a + b).c d]\n", 1, 2, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"[f(a + b) m]\n", 1, 2, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"[x[a + b] m]\n", 1, 2, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"[f\"{a}\" f\"{b}\" x]\n", 1, 2, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"[f\"{a}\"\n \"x\" x]\n", 1, 2, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"[\"s\" {a b}]\n", 1, 7, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"x = a if b:\n", 1, 11, "invalid syntax"},
      CPythonError{"x = (lambda: a) if b c\n", 1, 6, "expected 'else' after 'if' expression"},
      CPythonError{"x = y if c else (z) if d e\n", 1, 18, "expected 'else' after 'if' expression"},
      CPythonError{"def f():\n    if x:\nx = 1\n", 3, 0,
                   "expected an indented block after 'if' statement on line 2"},
      CPythonError{"def f():\n  try:\n    pass\nx=1\n", 4, 0,
                   "expected 'except' or 'finally' block"},
      CPythonError{"class A:\n  def f(self):\nx = 1\n", 3, 0,
                   "expected an indented block after function definition on line 2"},
      CPythonError{"x y {\n", 1, 5, "'{' was never closed"},
      CPythonError{"x = a b {\n", 1, 9, "'{' was never closed"},
      CPythonError{"x = 1 1 (\n", 1, 9, "'(' was never closed"},
      CPythonError{"if x {\n", 1, 6, "'{' was never closed"},
      CPythonError{"x y; z = (\n", 1, 3, "invalid syntax"},
      CPythonError{"x y\nz = (\n", 1, 3, "invalid syntax"},
      // an invalid assignment target: the '==' hint only where CPython reads a named
      // expression
      CPythonError{"f() = 1\n", 1, 1,
                   "cannot assign to function call here. Maybe you meant '==' instead of '='?"},
      CPythonError{"f() =\n", 1, 1, "cannot assign to function call"},
      CPythonError{"x = f() = 1\n", 1, 5, "cannot assign to function call"},
      CPythonError{"a < b = 1\n", 1, 1, "cannot assign to comparison"},
      CPythonError{"(a + b) = 1\n", 1, 2,
                   "cannot assign to expression here. Maybe you meant '==' instead of '='?"},
      CPythonError{"a, f() = 1\n", 1, 4,
                   "cannot assign to function call here. Maybe you meant '==' instead of '='?"},
      CPythonError{"None = 1\n", 1, 1, "cannot assign to None"},
      CPythonError{"... = 1\n", 1, 1,
                   "cannot assign to ellipsis here. Maybe you meant '==' instead of '='?"},
      CPythonError{"lambda: 1 = 2\n", 1, 1, "cannot assign to lambda"},
      CPythonError{"f() = 1 = 2\n", 1, 1, "cannot assign to function call"},
      // a plain error stays where the first pass stopped; a comment before the line end
      CPythonError{"from a #import b\n", 1, 8, "invalid syntax"},
      CPythonError{"out =# {}\n", 1, 6, "invalid syntax"},
      CPythonError{"if x:  # c\n", 1, 11,
                   "expected an indented block after 'if' statement on line 1"},
      // a block missing at the end of the file: at the end of its last line, blank and
      // comment-only lines included
      CPythonError{"if x:\n", 1, 6, "expected an indented block after 'if' statement on line 1"},
      CPythonError{"if x:\n# c\n", 2, 4,
                   "expected an indented block after 'if' statement on line 1"},
      CPythonError{"if x:\n\n\n", 3, 1,
                   "expected an indented block after 'if' statement on line 1"},
      CPythonError{"if x:\r\n  \r\n", 2, 3,
                   "expected an indented block after 'if' statement on line 1"},
      CPythonError{"class A:\n  def f(self):\n# c", 3, 4,
                   "expected an indented block after function definition on line 2"},
      CPythonError{"x = a if f(b c) else d\n", 1, 12,
                   "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"x = a if b. else c\n", 1, 5, "expected 'else' after 'if' expression"},
      CPythonError{"x = a if isinstance(b, async (c)) else d\n", 1, 5,
                   "expected 'else' after 'if' expression"},
      CPythonError{"x = (\"a\" await , b)\n", 1, 10, "invalid syntax"},
      CPythonError{"x = [a if b c]\n", 1, 6, "expected 'else' after 'if' expression"},
      // `:=` after a non-name argument; annotation targets named only before an annotation
      CPythonError{"f(a.b := 1)\n", 1, 7, "invalid syntax"},
      CPythonError{"f(x, a[0] := 1)\n", 1, 11, "invalid syntax"},
      CPythonError{"\"s\":\n", 1, 4, "invalid syntax"},
      CPythonError{"\"s\": int\n", 1, 1, "illegal target for annotation"},
      CPythonError{"f():\n", 1, 4, "invalid syntax"},
      CPythonError{"[a]: int\n", 1, 1, "only single target (not list) can be annotated"},
      CPythonError{"(a, b): int\n", 1, 1, "only single target (not tuple) can be annotated"},
      CPythonError{"a, b: int\n", 1, 1, "only single target (not tuple) can be annotated"},
      // a def's annotations and defaults are inside its parentheses (not a lambda's)
      CPythonError{"def f(a=1 2): pass\n", 1, 9, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"def f(a: x y): pass\n", 1, 10, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"lambda a=1 2: 0\n", 1, 12, "invalid syntax"},
      CPythonError{"def f(*a: x y): pass\n", 1, 11, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"def f(a, b c): pass\n", 1, 12, "invalid syntax"},
      CPythonError{"def f(*a b): pass\n", 1, 10, "invalid syntax"},
      CPythonError{"def f(a=1, b: x y): pass\n", 1, 15,
                   "invalid syntax. Perhaps you forgot a comma?"},
  });
}

TEST(Parser, HeaderColonMessagesLikeCPython) {
  // CPython 3.12 says "expected ':'" after an if/elif/while/for/with/class/except/case header
  // only when the line ends there; another token is a plain "invalid syntax" at the last token
  // it read. def, try, else and finally force the colon: "expected ':'" at any token.
  const char* kExpected = "expected ':'";
  const char* kInvalid = "invalid syntax";
  expect_cpython_errors({
      CPythonError{"if a\n  pass\n", 1, 5, kExpected},
      CPythonError{"if a b:\n  pass\n", 1, 6, kInvalid},
      CPythonError{"if a 1:\n  pass\n", 1, 6, kInvalid},
      CPythonError{"if a:\n  pass\nelif b\n  pass\n", 3, 7, kExpected},
      CPythonError{"if a:\n  pass\nelif b b:\n  pass\n", 3, 8, kInvalid},
      CPythonError{"while a b:\n  pass\n", 1, 9, kInvalid},
      CPythonError{"while a\n  pass\n", 1, 8, kExpected},
      CPythonError{"for x in a b:\n  pass\n", 1, 12, kInvalid},
      CPythonError{"for x in range(3) print(x)\n", 1, 19, kInvalid},
      CPythonError{"with a b:\n  pass\n", 1, 8, kInvalid},
      CPythonError{"with open(f) as g h: pass\n", 1, 19, kInvalid},
      CPythonError{"class A b:\n  pass\n", 1, 9, kInvalid},
      CPythonError{"class A(B) 1:\n  pass\n", 1, 12, kInvalid},
      CPythonError{"try:\n  pass\nexcept E b:\n  pass\n", 3, 10, kInvalid},
      CPythonError{"try:\n  pass\nexcept\n  pass\n", 3, 7, kExpected},
      CPythonError{"try:\n  pass\nexcept E\n  pass\n", 3, 9, kExpected},
      CPythonError{"match x:\n  case 1 2:\n    pass\n", 2, 10, kInvalid},
      CPythonError{"def f() x: pass\n", 1, 9, kExpected},
      CPythonError{"try x:\n  pass\nexcept:\n  pass\n", 1, 5, kExpected},
      CPythonError{"if a:\n  pass\nelse b:\n  pass\n", 3, 6, kExpected},
      // After an operand, `not` makes CPython read one more token (looking for `not in`):
      // the error is reported at that token.
      CPythonError{"x = a not b\n", 1, 11, kInvalid},
      CPythonError{"x = a not\n", 1, 10, kInvalid},
      CPythonError{"x = a not not b\n", 1, 11, kInvalid},
      CPythonError{"if a not b:\n  pass\n", 1, 10, kInvalid},
      CPythonError{"for x in a not b:\n  pass\n", 1, 16, kInvalid},
  });
  // `not in` and `is not` still parse, and `not` before a lexical error lets that error win
  // (CPython reads the bad token while looking for `in`).
  for (const Diagnostic& d : analyze("x = a not in b\ny = a is not b\n", "m.py").diagnostics)
    EXPECT_NE(d.code, "DBTPY101") << d.message;
  PythonAnalysis lexical = analyze("x = a not $\n", "m.py");
  ASSERT_FALSE(lexical.diagnostics.empty());
  EXPECT_EQ(lexical.diagnostics.front().column, 11);
}

TEST(Parser, LastTokenBeforeAnUnclosedBracketLikeCPython) {
  // An error at the last token of a file that ends inside a bracket: CPython reports the
  // bracket only when its second pass matched that token and read on into the end of the file
  // (a forgotten comma's expression, a keyword argument's `=`, a generator's `for`);
  // otherwise the plain error at the token. Positions from CPython 3.12.1.
  expect_cpython_errors({
      CPythonError{"def f(:\n", 1, 7, "invalid syntax"},
      CPythonError{"x = (1 :\n", 1, 8, "invalid syntax"},
      CPythonError{"f(a, =\n", 1, 6, "invalid syntax"},
      CPythonError{"f(a,,\n", 1, 5, "invalid syntax"},
      CPythonError{"x = [1 else\n", 1, 8, "invalid syntax"},
      CPythonError{"d = {1: 2 :\n", 1, 11, "invalid syntax"},
      CPythonError{"def f(a b\n", 1, 9, "invalid syntax"},
      CPythonError{"class A(:\n", 1, 9, "invalid syntax"},
      CPythonError{"from a import (a b\n", 1, 18, "invalid syntax"},
      CPythonError{"f(**k, :\n", 1, 8, "invalid syntax"},
      CPythonError{"x = (a b\n", 1, 5, "'(' was never closed"},
      CPythonError{"x = (a =\n", 1, 5, "'(' was never closed"},
      CPythonError{"x = {1: *\n", 1, 5, "'{' was never closed"},
      CPythonError{"class A(a for\n", 1, 8, "'(' was never closed"},
      CPythonError{"with (a,,\n", 1, 6, "'(' was never closed"},
      CPythonError{"f(a for a in b,\n", 1, 2, "'(' was never closed"},
  });
}

TEST(Parser, AssignmentHintInsideAnUnclosedBracketLikeCPython) {
  // CPython's '==' hint reads on into the end of the file when its bracket is never closed.
  expect_cpython_errors({
      CPythonError{"(a = 1\n", 1, 1, "'(' was never closed"},
      CPythonError{"{e = f(x)\nf = 1\n", 1, 1, "'{' was never closed"},
      CPythonError{"x = (a = 1\ny = 2\n", 1, 5, "'(' was never closed"},
      CPythonError{"(a.b = 1\n", 1, 1, "'(' was never closed"},
      CPythonError{"{e = f(x)}\n", 1, 2,
                   "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
      // the token after the value on the bracket's line: the hint stays
      CPythonError{"x = (a=1 b\n", 1, 6,
                   "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
      // a stray `{` inside a name: CPython's second pass reads the display onto later lines
      CPythonError{"events = lower_col{umns(f(x))\n\nsessions = events.agg()\n", 1, 19,
                   "'{' was never closed"},
      CPythonError{"x = a{b(\n  c=1\n)\n", 1, 6, "'{' was never closed"},
  });
}

TEST(Parser, DecoratorAtTheEndOfTheFileLikeCPython) {
  // CPython reports the end marker: column 0 of the file's last line, whatever that holds.
  expect_cpython_errors({
      CPythonError{"@d\n", 1, 0, "invalid syntax"},
      CPythonError{"@d()", 1, 0, "invalid syntax"},
      CPythonError{"@d\n# c\n", 2, 0, "invalid syntax"},
      CPythonError{"@d\r\n# c\r\n", 2, 0, "invalid syntax"},
      CPythonError{"@d\n\n\n# c\n\n", 5, 0, "invalid syntax"},
      CPythonError{"if x:\n    pass\n@d\n# c\n", 4, 0, "invalid syntax"},
  });
}

TEST(Parser, LiteralAndFStringMessagesLikeCPython) {
  // Messages and positions of CPython 3.12.1 for literals and f-string fields: conversion
  // characters, a field without an expression, a bracket closing the field's `{`, the field's
  // quote reused inside it, bytes mixed with str (reported after the strings), escape errors
  // with their positions in the decoded text (non-ASCII counts as a 10-byte \\UXXXXXXXX),
  // digits after an underscore or an exponent's sign, `<>` and a lambda's bare `*`.
  expect_cpython_errors({
      CPythonError{"x = f'{a!}'\n", 1, 10, "f-string: missing conversion character"},
      CPythonError{"x = f'{a! }'\n", 1, 11, "f-string: missing conversion character"},
      CPythonError{"x = f'{a!1}'\n", 1, 10, "f-string: invalid conversion character"},
      CPythonError{"x = f'{a! r}'\n", 1, 9,
                   "f-string: conversion type must come right after the exclamanation mark"},
      CPythonError{"x = f'{a!\nr}'\n", 1, 9,
                   "f-string: conversion type must come right after the exclamanation mark"},
      CPythonError{"x = f'{a!:x}'\n", 1, 10, "f-string: missing conversion character"},
      CPythonError{"x = f'{**a}'\n", 1, 8, "f-string: expecting a valid expression after '{'"},
      CPythonError{"x = f'{;}'\n", 1, 8, "f-string: expecting a valid expression after '{'"},
      CPythonError{"x = f'{a:{**b}}'\n", 1, 11, "f-string: expecting a valid expression after '{'"},
      CPythonError{"x = f'{)}'\n", 1, 8, "f-string: unmatched ')'"},
      CPythonError{"x = f'{a)}'\n", 1, 9, "f-string: unmatched ')'"},
      CPythonError{"x = f'{]}'\n", 1, 8, "f-string: unmatched ']'"},
      CPythonError{"x = f'{'\n", 1, 8, "f-string: expecting '}'"},
      CPythonError{"x = f'{a!r'\n", 1, 10, "f-string: expecting '}'"},
      CPythonError{"x = f'{a}' f'{b'\n", 1, 15, "f-string: expecting '}'"},
      CPythonError{"x = f'{a:>10'\n", 1, 13, "f-string: expecting '}', or format specs"},
      CPythonError{"x = f'{a:{b}x'\n", 1, 14, "f-string: expecting '}', or format specs"},
      CPythonError{"x = b'a' 'b'\n", 1, 13, "cannot mix bytes and nonbytes literals"},
      CPythonError{"x = f(b'a' 'b')\n", 1, 15, "cannot mix bytes and nonbytes literals"},
      CPythonError{"x = (b'a'\n 'b'\n )\n", 3, 2, "cannot mix bytes and nonbytes literals"},
      CPythonError{"x = b'a' f'{x}' + 1\n", 1, 17, "cannot mix bytes and nonbytes literals"},
      CPythonError{"x = '\\x4'\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-2: "
                   "truncated \\xXX escape"},
      CPythonError{"x = 'ab\\x4g'\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 2-4: "
                   "truncated \\xXX escape"},
      CPythonError{"x = '\\u12'\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-3: "
                   "truncated \\uXXXX escape"},
      CPythonError{"x = 'é\\x4'\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 10-12: "
                   "truncated \\xXX escape"},
      CPythonError{"x = '''\n\\x4'''\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 1-3: "
                   "truncated \\xXX escape"},
      CPythonError{"x = '\\U00110000'\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-9: "
                   "illegal Unicode character"},
      CPythonError{"x = '\\N'\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-1: "
                   "malformed \\N character escape"},
      CPythonError{"x = '\\N{'\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-2: "
                   "malformed \\N character escape"},
      CPythonError{"x = '\\N{}'\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-2: "
                   "malformed \\N character escape"},
      CPythonError{"x = b'\\x4'\n", 1, 5, "(value error) invalid \\x escape at position 0"},
      CPythonError{"x = 0b1_2\n", 1, 9, "invalid digit '2' in binary literal"},
      CPythonError{"x = 0o7_9_\n", 1, 9, "invalid digit '9' in octal literal"},
      CPythonError{"x = 0b1_x\n", 1, 8, "invalid binary literal"},
      CPythonError{"x = 1e+x\n", 1, 7, "invalid decimal literal"},
      CPythonError{"x = 1.5e-\n", 1, 9, "invalid decimal literal"},
      CPythonError{"x = a <> b\n", 1, 7, "invalid syntax"},
      CPythonError{"if a<>b:\n    pass\n", 1, 5, "invalid syntax"},
      CPythonError{"x = lambda *: 1\n", 1, 13, "named arguments must follow bare *"},
      CPythonError{"x = lambda *,: 1\n", 1, 14, "named arguments must follow bare *"},
      CPythonError{"x = lambda *, **k: 1\n", 1, 15, "named arguments must follow bare *"},
      CPythonError{"def f(*, **k): pass\n", 1, 7, "named arguments must follow bare *"},
      CPythonError{"def f(a, *, **k): pass\n", 1, 10, "named arguments must follow bare *"},
      CPythonError{"def f(*,): pass\n", 1, 7, "named arguments must follow bare *"},
      CPythonError{"def f(*): pass\n", 1, 7, "named arguments must follow bare *"},
  });
}

TEST(Parser, TypeParametersAndPatternsLikeCPython) {
  expect_cpython_errors({
      // A def forces `(` after its name: failing type parameters are reported at the `[`.
      CPythonError{"def f[T(x): pass\n", 1, 6, "expected '('"},
      CPythonError{"def f[T=1](): pass\n", 1, 6, "expected '('"},
      CPythonError{"def f[T: x y](): pass\n", 1, 6, "expected '('"},
      CPythonError{"def f[*T: int](): pass\n", 1, 9, "cannot use bound with TypeVarTuple"},
      CPythonError{"class A[]: pass\n", 1, 9, "invalid syntax"},
      CPythonError{"type X[] = int\n", 1, 8, "invalid syntax"},
      // A complex literal pattern: real part first.
      CPythonError{"match x:\n  case 1j + 1:\n    pass\n", 2, 8,
                   "real number required in complex literal"},
      CPythonError{"match x:\n  case -1j - 1j:\n    pass\n", 2, 9,
                   "real number required in complex literal"},
      CPythonError{"match x:\n  case 1 + 1:\n    pass\n", 2, 12,
                   "imaginary number required in complex literal"},
  });
}

TEST(Parser, TargetsArgumentsAndContinuationsLikeCPython) {
  // Named-expression targets by their node name, pattern targets (an expression: at its node,
  // inside grouping parentheses; anything else: a plain error), a keyword argument without a
  // value, and an unterminated string continued to the end of the file (the last line read).
  expect_cpython_errors({
      CPythonError{"(a.b := 1)\n", 1, 2, "cannot use assignment expressions with attribute"},
      CPythonError{"(a[0] := 1)\n", 1, 2, "cannot use assignment expressions with subscript"},
      CPythonError{"((a, b) := 1)\n", 1, 2, "cannot use assignment expressions with tuple"},
      CPythonError{"([a] := 1)\n", 1, 2, "cannot use assignment expressions with list"},
      CPythonError{"(*a := 1)\n", 1, 5, "invalid syntax"},
      CPythonError{"(f() := 1)\n", 1, 2, "cannot use assignment expressions with function call"},
      CPythonError{"(a.b.c := 1)\n", 1, 2, "cannot use assignment expressions with attribute"},
      CPythonError{"match x:\n  case (1 | 2) as:\n    pass\n", 2, 18, "invalid syntax"},
      CPythonError{"match x:\n  case 1 as 2:\n    pass\n", 2, 13, "invalid pattern target"},
      CPythonError{"match x:\n  case 1 as a.b:\n    pass\n", 2, 14, "invalid syntax"},
      CPythonError{"match x:\n  case 1 as (a):\n    pass\n", 2, 14, "invalid pattern target"},
      CPythonError{"f(a=)\n", 1, 3, "expected argument value expression"},
      CPythonError{"f(a=, b)\n", 1, 3, "expected argument value expression"},
      CPythonError{"f(x, a=)\n", 1, 6, "expected argument value expression"},
      CPythonError{"f(a=*b)\n", 1, 5, "invalid syntax"},
      CPythonError{"class A(a=): pass\n", 1, 9, "expected argument value expression"},
      CPythonError{"s = 'abc\\\n", 1, 5, "unterminated string literal (detected at line 1)"},
      CPythonError{"s = 'abc\\\ndef\\\n", 1, 5, "unterminated string literal (detected at line 2)"},
      CPythonError{"x = 1\ns = 'abc\\\n", 2, 5, "unterminated string literal (detected at line 2)"},
  });
}

TEST(Parser, StrayCharactersLikeCPython) {
  // `$`, `?` and backticks are tokens to CPython's tokenizer and errors to its parser: a plain
  // error at them, unless tokenizing on finds a lexical error, which then wins.
  expect_cpython_errors({
      CPythonError{"x = 1 $\n", 1, 7, "invalid syntax"},
      CPythonError{"x = `a`\n", 1, 5, "invalid syntax"},
      CPythonError{"f(a $b)\n", 1, 5, "invalid syntax"},
      CPythonError{"x = a $ b\nif x:\n  y = 1\n    z = 2\n", 1, 7, "invalid syntax"},
      CPythonError{"x = = 1\ny = $bt.ref('unterminated)\n", 2, 13,
                   "unterminated string literal (detected at line 2)"},
      CPythonError{"b = \"\"`\"multi\nline\n", 1, 8,
                   "unterminated string literal (detected at line 1)"},
  });
}

TEST(Parser, WalrusStatementTargetsLikeCPython) {
  // `df["x"] := ...` as a statement: CPython names the target (a bare name or tuple is a
  // plain error), at its node inside grouping parentheses.
  expect_cpython_errors({
      CPythonError{"a[0] := 1\n", 1, 1, "cannot use assignment expressions with subscript"},
      CPythonError{"a.b := 1\n", 1, 1, "cannot use assignment expressions with attribute"},
      CPythonError{"f() := 1\n", 1, 1, "cannot use assignment expressions with function call"},
      CPythonError{"(a) := 1\n", 1, 2, "cannot use assignment expressions with name"},
      CPythonError{"x := 1\n", 1, 3, "invalid syntax"},
      CPythonError{"a, b := 1\n", 1, 6, "invalid syntax"},
      CPythonError{"a[0] :=\n", 1, 6, "invalid syntax"},
      CPythonError{"1 := 2\n", 1, 1, "cannot use assignment expressions with literal"},
      CPythonError{"a + b := 1\n", 1, 1, "cannot use assignment expressions with expression"},
      CPythonError{"[a] := 1\n", 1, 1, "cannot use assignment expressions with list"},
      CPythonError{"(a, b) := 1\n", 1, 1, "cannot use assignment expressions with tuple"},
      CPythonError{"*a := 1\n", 1, 4, "invalid syntax"},
      CPythonError{"a[0] := 1 := 2\n", 1, 1, "cannot use assignment expressions with subscript"},
      CPythonError{"a < b := 1\n", 1, 1, "cannot use assignment expressions with comparison"},
      CPythonError{"lambda: 1 := 2\n", 1, 1, "cannot use assignment expressions with lambda"},
      CPythonError{"((a)) := 1\n", 1, 3, "cannot use assignment expressions with name"},
      CPythonError{"(a).b := 1\n", 1, 1, "cannot use assignment expressions with attribute"},
      CPythonError{"(a) + 1 := 2\n", 1, 1, "cannot use assignment expressions with expression"},
      CPythonError{"(a)[0] := 1\n", 1, 1, "cannot use assignment expressions with subscript"},
  });
}

TEST(Parser, CallArgumentOrderLikeCPython) {
  // Positional after keyword arguments, reported at the last token CPython's rule read (also
  // when a stray token follows the positional one), and `**name=value`.
  expect_cpython_errors({
      CPythonError{"f(a=1, b)\n", 1, 9, "positional argument follows keyword argument"},
      CPythonError{"f(**k, b)\n", 1, 9, "positional argument follows keyword argument unpacking"},
      CPythonError{"f(a=1, b!c=2)\n", 1, 9, "positional argument follows keyword argument"},
      CPythonError{"f(a=1, b c)\n", 1, 8, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"f(x, **on=\"d\", how=1)\n", 1, 6,
                   "cannot assign to keyword argument unpacking"},
      CPythonError{"f(**on=1)\n", 1, 3, "cannot assign to keyword argument unpacking"},
      CPythonError{"f(a=1, b, c)\n", 1, 12, "positional argument follows keyword argument"},
      CPythonError{"f(a=1, b=2, c)\n", 1, 14, "positional argument follows keyword argument"},
      CPythonError{"dbt.config(materialized=\"table\", pac!kages=[\"pandas\"])\n", 1, 37,
                   "positional argument follows keyword argument"},
      CPythonError{"f(a=1, b[0])\n", 1, 12, "positional argument follows keyword argument"},
      CPythonError{"f(a=1, b.c)\n", 1, 11, "positional argument follows keyword argument"},
      CPythonError{"f(a=1, b for b in c)\n", 1, 8, "Generator expression must be parenthesized"},
      CPythonError{"f(a=1, (b))\n", 1, 11, "positional argument follows keyword argument"},
  });
}

TEST(Parser, StrayBracketsLikeCPython) {
  // A bracket typed into a name (`curren{y = ...`, `retur[n df`) and never closed: CPython
  // reports the bracket when its second pass reads on from it (an element can start after a
  // `{`; a forgotten comma's second expression and the token after it reach the end or a
  // later line), else the plain error at the bracket.
  expect_cpython_errors({
      CPythonError{"a{y = 1\n", 1, 2, "'{' was never closed"},
      CPythonError{"a{y = 1\nb = 2\n", 1, 2, "'{' was never closed"},
      CPythonError{"a{y + 1\nb = 2\n", 1, 2, "'{' was never closed"},
      CPythonError{"a{y\nb = 2\n", 1, 2, "'{' was never closed"},
      CPythonError{"a{y = f(x)\n\nb = 2\n", 1, 2, "'{' was never closed"},
      CPythonError{"a{y c\nb = 2\n", 1, 2, "'{' was never closed"},
      CPythonError{"a(y = 1\nb = 2\n", 1, 2, "'(' was never closed"},
      CPythonError{"a[y = 1\nb = 2\n", 1, 2, "'[' was never closed"},
      CPythonError{"x = a{y\n", 1, 6, "'{' was never closed"},
      CPythonError{"a b{y = 1\nb = 2\n", 1, 3, "invalid syntax"},
      CPythonError{"a{y: 1\nb = 2\n", 1, 2, "'{' was never closed"},
      CPythonError{"mix[method 0.0\ntotals = 1\n", 1, 4, "'[' was never closed"},
      CPythonError{"r(eturn pdf\n\n\n", 1, 2, "'(' was never closed"},
      CPythonError{"retur[n df.toPandas()\nreturn df\n", 1, 6, "'[' was never closed"},
      CPythonError{"match = db{.ref('m')\ncase = [match]\n", 1, 11, "invalid syntax"},
      CPythonError{"x = db{.ref('m')\ncase = [match]\n", 1, 7, "invalid syntax"},
      CPythonError{"x = db{.ref('m')\n", 1, 7, "invalid syntax"},
      CPythonError{"x = a{.b\n", 1, 6, "invalid syntax"},
      CPythonError{"x = a{)\n", 1, 7,
                   "closing parenthesis ')' does not match opening parenthesis '{'"},
      CPythonError{"x = a{ = 1\n", 1, 6, "invalid syntax"},
      CPythonError{"x = a{:\n", 1, 6, "invalid syntax"},
      CPythonError{"x = a{\n", 1, 6, "'{' was never closed"},
      CPythonError{"x = a{*b\n", 1, 6, "'{' was never closed"},
      CPythonError{"x = a{**b\n", 1, 6, "'{' was never closed"},
      CPythonError{"x = a{\n\n", 1, 6, "'{' was never closed"},
      // no operand before the bracket: no display is read from it
      CPythonError{"result = orders.{merge(paid)\nx = 1\n", 1, 17, "invalid syntax"},
      CPythonError{"dbt.{config(materialized=\"table\")\n\n", 1, 5, "invalid syntax"},
      CPythonError{"daily = orders[\"a\"].[sum()\ndates = 1\n", 1, 21, "invalid syntax"},
      CPythonError{"if dbt.is{_incremental:\n    x = 1\n", 1, 8, "invalid syntax"},
      CPythonError{"r = pd.dt.(date\n\n", 1, 11, "invalid syntax"},
  });
}

TEST(Parser, AfterAComprehensionLikeCPython) {
  // An expression after a comprehension's clauses is a plain error at it: CPython's rules see
  // no forgotten comma there, nor a generator expression needing parentheses.
  expect_cpython_errors({
      CPythonError{"[x for x in a b]\n", 1, 15, "invalid syntax"},
      CPythonError{"[x for x in a if c d]\n", 1, 20, "invalid syntax"},
      CPythonError{"(x for x in a b)\n", 1, 15, "invalid syntax"},
      CPythonError{"{x for x in a b}\n", 1, 15, "invalid syntax"},
      CPythonError{"{k: v for k in a b}\n", 1, 18, "invalid syntax"},
      CPythonError{"f(x for x in a b)\n", 1, 16, "invalid syntax"},
      CPythonError{"[x for x in a.b c.d]\n", 1, 17, "invalid syntax"},
      CPythonError{"[x for x in a, b]\n", 1, 14, "invalid syntax"},
      CPythonError{"[x for x in a] b\n", 1, 16, "invalid syntax"},
  });
}

TEST(Parser, ReturnAnnotationLikeCPython) {
  // A return annotation that does not parse: CPython's def rule skips it and forces the `:`,
  // reported at the `->` (a lexical error met inside it comes first).
  expect_cpython_errors({
      CPythonError{"def f(a) -> \nd.DataFrame:\n  pass\n", 1, 10, "expected ':'"},
      CPythonError{"def f(a) -> [d.DataFrame:\n  pass\n", 1, 10, "expected ':'"},
      CPythonError{"def f(a) ->(str:\n  pass\n", 1, 10, "expected ':'"},
      CPythonError{"def f(a) ->as  pd.DataFrame:\n  pass\n", 1, 10, "expected ':'"},
      CPythonError{"def f(a) -> int x:\n  pass\n", 1, 17, "expected ':'"},
      CPythonError{"def f() -> 'abc\n", 1, 12, "unterminated string literal (detected at line 1)"},
      CPythonError{"def f() -> a b:\n  pass\n", 1, 14, "expected ':'"},
      CPythonError{"def f() -> :\n  pass\n", 1, 9, "expected ':'"},
      CPythonError{"def f[T: \"abc]():\n  pass\n", 1, 10,
                   "unterminated string literal (detected at line 1)"},
      CPythonError{"def f() -> yield:\n  pass\n", 1, 9, "expected ':'"},
      CPythonError{"def f() -> *a:\n  pass\n", 1, 9, "expected ':'"},
  });
}

TEST(Parser, UnterminatedFStringAfterAnOperandLikeCPython) {
  // `df.to_pandas() f"`: CPython's second pass reads the f-string as a forgotten comma's
  // expression and meets its lexical error; a forced token (`def ...)f"`) fails first.
  expect_cpython_errors({
      CPythonError{"x = df.to()f\"\n", 1, 12, "unterminated f-string literal (detected at line 1)"},
      CPythonError{"return df.to() f\" # c\n", 1, 16,
                   "unterminated f-string literal (detected at line 1)"},
      CPythonError{"x = a f\"abc\n", 1, 7, "unterminated f-string literal (detected at line 1)"},
      CPythonError{"print f\"abc\n", 1, 7, "unterminated f-string literal (detected at line 1)"},
      CPythonError{"def model(dbt, session)f\":\n  pass\n", 1, 24, "expected ':'"},
      CPythonError{"def f(a) -> int (\n", 1, 17, "'(' was never closed"},
      CPythonError{"def f(a) -> int f\"\n", 1, 17, "expected ':'"},
      CPythonError{"class A f\"\n", 1, 9, "invalid syntax"},
      CPythonError{"if x f\"\n", 1, 6, "unterminated f-string literal (detected at line 1)"},
  });
}

TEST(Parser, FieldExpressionFailingInsideLikeCPython) {
  // A replacement field whose expression fails inside: CPython backtracks to the longest
  // expression its grammar accepts there and names what may follow it (`{a.}` at the `.`), or
  // asks for an expression when there is none. A lambda is named only when its colon starts
  // the field's format spec and the spec's text follows.
  expect_cpython_errors({
      CPythonError{"x = f\"{a.}\"\n", 1, 9, "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = f\"{a +}\"\n", 1, 10, "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = f\"{a in}\"\n", 1, 10, "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = f\"{not}\"\n", 1, 8, "f-string: expecting a valid expression after '{'"},
      CPythonError{"x = f\"{a.b.}\"\n", 1, 11, "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = f\"{a is not}\"\n", 1, 10,
                   "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = f\"{a[1 +]}\"\n", 1, 9, "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = f\"{a(b +)}\"\n", 1, 9, "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = f\"{-}\"\n", 1, 8, "f-string: expecting a valid expression after '{'"},
      CPythonError{"x = f\"{a, .}\"\n", 1, 11, "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = f\"{[1, 2 +]}\"\n", 1, 8,
                   "f-string: expecting a valid expression after '{'"},
      CPythonError{"x = f\"{a if b else}\"\n", 1, 10,
                   "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = f\"{yield from}\"\n", 1, 14,
                   "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = f\"{a not}\"\n", 1, 10, "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = f\"{a:{b.}}\"\n", 1, 12, "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = f\"{f\"{a.}\"}\"\n", 1, 12,
                   "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = f\"{a +\n}\"\n", 1, 10, "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = (f\"{a.}\"\n", 1, 10, "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = f\"{lambda}\"\n", 1, 8, "f-string: expecting a valid expression after '{'"},
      CPythonError{"x = f\"{lambda x!r}\"\n", 1, 8,
                   "f-string: expecting a valid expression after '{'"},
      CPythonError{"x = f\"{lambda x:}\"\n", 1, 8,
                   "f-string: lambda expressions are not allowed without parentheses"},
      CPythonError{"x = f\"{lambda x:a{y}}\"\n", 1, 8,
                   "f-string: lambda expressions are not allowed without parentheses"},
      CPythonError{"x = f\"{a, lambda x: 1}\"\n", 1, 11,
                   "f-string: lambda expressions are not allowed without parentheses"},
      CPythonError{"x = f\"{a + lambda x: 1}\"\n", 1, 10,
                   "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = f\"{a b +}\"\n", 1, 8, "invalid syntax. Perhaps you forgot a comma?"},
  });
}

TEST(Parser, ForgottenCommaWhereCPythonBacktracksLikeCPython) {
  // The expression after the gap only has to start one (`b` of `b +`), and after a name that
  // the rule skips (a soft keyword, a name before a string) CPython looks again at the next
  // token (its invalid_legacy_expression reads on).
  expect_cpython_errors({
      CPythonError{"x = [d \"x\" y]\n", 1, 8, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"f(d \"x\" y)\n", 1, 5, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"x = [d \"x\" \"z\" y]\n", 1, 8, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"x = [d \"x\" not]\n", 1, 8, "invalid syntax"},
      CPythonError{"x = [ma b c]\n", 1, 9, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"x = [ma b]\n", 1, 9, "invalid syntax"},
      CPythonError{"f(a b +)\n", 1, 3, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"x = [a b.]\n", 1, 6, "invalid syntax. Perhaps you forgot a comma?"},
      CPythonError{"x = [ca (1) y]\n", 1, 13, "invalid syntax"},
      CPythonError{"x = {k: d \"x\" y}\n", 1, 11, "invalid syntax. Perhaps you forgot a comma?"},
  });
}

TEST(Parser, UnicodeNameEscapesLikeCPython) {
  // \N{NAME} takes a character name or formal alias in any case, or a Hangul syllable or CJK
  // unified ideograph name in upper case; a named sequence is refused. An f-string's bad
  // escape is reported at its closing quote, after the errors of its fields.
  expect_cpython_errors({
      CPythonError{"x = \"\\N{BULLE!}\"\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-9: "
                   "unknown Unicode character name"},
      CPythonError{"x = \"\\N{EM  DASH}\"\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-11: "
                   "unknown Unicode character name"},
      CPythonError{"x = \"a\\N{BULLET} b \\N{NOPE}\"\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 14-21: "
                   "unknown Unicode character name"},
      CPythonError{"x = \"é\\N{NOPE}\"\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 10-17: "
                   "unknown Unicode character name"},
      CPythonError{"x = \"\\N{hangul syllable GA}\"\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-21: "
                   "unknown Unicode character name"},
      CPythonError{"x = \"\\N{HANGUL SYLLABLE X}\"\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-20: "
                   "unknown Unicode character name"},
      CPythonError{"x = \"\\N{CJK UNIFIED IDEOGRAPH-4e00}\"\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-29: "
                   "unknown Unicode character name"},
      CPythonError{"x = \"\\N{CJK UNIFIED IDEOGRAPH-4DC0}\"\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-29: "
                   "unknown Unicode character name"},
      CPythonError{"x = \"\\N{LATIN CAPITAL LETTER A WITH MACRON AND GRAVE}\"\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-47: "
                   "unknown Unicode character name"},
      CPythonError{"x = \"\\N{TANGUT IDEOGRAPH-17000}\"\n", 1, 5,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-25: "
                   "unknown Unicode character name"},
      CPythonError{"x = f\"\\N{NOPE} {a}\"\n", 1, 19,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-7: "
                   "unknown Unicode character name"},
      CPythonError{"x = f\"{a}\\x1\"\n", 1, 13,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-2: "
                   "truncated \\xXX escape"},
      CPythonError{"x = (f\"\\N{NOPE}\" f\"{a}\"\n)", 1, 16,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-7: "
                   "unknown Unicode character name"},
      CPythonError{"x = f\"\"\"\n\\N{NOPE}\n\"\"\"\n", 3, 1,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 1-8: "
                   "unknown Unicode character name"},
      CPythonError{"x = f\"\\x1 {a +}\"\n", 1, 14,
                   "f-string: expecting '=', or '!', or ':', or '}'"},
      CPythonError{"x = f\"{f'\\x1'} \\x2\"\n", 1, 13,
                   "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-2: "
                   "truncated \\xXX escape"},
  });
  for (const char* src : {
           "x = \"\\N{BULLET}\"\n",
           "x = \"\\N{bullet}\"\n",
           "x = \"\\N{NBSP}\"\n",
           "x = \"\\N{LF}\"\n",
           "x = \"\\N{HANGUL SYLLABLE GGAG}\"\n",
           "x = \"\\N{CJK UNIFIED IDEOGRAPH-4E00}\"\n",
           "x = \"\\N{CJK UNIFIED IDEOGRAPH-04E00}\"\n",
           "x = \"\\N{cjk compatibility ideograph-f900}\"\n",
           "x = \"\\N{KHITAN SMALL SCRIPT CHARACTER-18B00}\"\n",
           "x = \"\\N{LATIN SMALL LETTER GHA}\"\n",
           "x = b\"\\N{NOPE}\"\n",
           "x = r\"\\N{NOPE}\"\n",
           "x = f\"{a}\\N{EM DASH}\"\n",
       }) {
    PythonAnalysis a = analyze(src, "m.py");
    for (const Diagnostic& d : a.diagnostics)
      EXPECT_NE(d.code, "DBTPY101") << src << d.message;
  }
}

TEST(Parser, PerhapsYouForgotACommaLikeCPython) {
  // The most common slip in dbt.config(...): CPython points at the value before the gap.
  struct Case {
    const char* src;
    int col;
  };
  for (const Case& c :
       {Case{"dbt.config(materialized=\"table\" tags=[\"a\"])\n", 25}, Case{"x = [a b]\n", 6},
        Case{"x = [a, b c]\n", 9}, Case{"f(a b)\n", 3}, Case{"x = {1: 2 3: 4}\n", 9},
        Case{"x = (a b)\n", 6}, Case{"x = a[b c]\n", 7}, Case{"x = [1 if 2 else 3 4]\n", 18},
        Case{"x = [not a b]\n", 6}, Case{"x = [lambda: 1 2]\n", 14},
        // after subscripts (pandas): at the start of the whole expression, not the index
        Case{"x = [a[b] c]\n", 6}, Case{"x = o[o[\"s\"] \"r\"]\n", 7}, Case{"f(a[b][c] d)\n", 3},
        Case{"x = [a + b[c] d]\n", 6}, Case{"x = {\"k\": g[\"x\"] c}\n", 11},
        Case{"x = [-a[b] c]\n", 6}}) {
    PythonAnalysis a = analyze(c.src, "m.py");
    ASSERT_EQ(a.diagnostics.size(), 1u) << c.src;
    EXPECT_EQ(a.diagnostics[0].message,
              "Failed to parse Python file: invalid syntax. Perhaps you forgot a comma?")
        << c.src;
    EXPECT_EQ(a.diagnostics[0].column, c.col) << c.src;
  }
  // Not inside brackets, or a soft keyword first: plain invalid syntax.
  for (const char* src : {"x = a b\n", "x = [match x]\n"}) {
    PythonAnalysis a = analyze(src, "m.py");
    ASSERT_EQ(a.diagnostics.size(), 1u) << src;
    EXPECT_EQ(a.diagnostics[0].message.find("comma"), std::string::npos) << src;
  }
}

TEST(Parser, LaterLexicalErrorWinsLikeCPython) {
  // CPython tokenizes the rest of the file after a grammar error; some lexical errors win.
  PythonAnalysis a = analyze("x = = 1\ny = \"abc\n", "m.py");
  ASSERT_EQ(a.diagnostics.size(), 1u);
  EXPECT_EQ(a.diagnostics[0].line, 2);
  EXPECT_EQ(a.diagnostics[0].column, 5);
  // ... but not indentation errors, stray characters or a bracket opened after the error.
  for (const char* src : {"x = = 1\nif x:\n  a\n b\n", "x = = 1\ny = $\n", "x = = 1\ny = (\n"}) {
    a = analyze(src, "m.py");
    ASSERT_EQ(a.diagnostics.size(), 1u) << src;
    EXPECT_EQ(a.diagnostics[0].line, 1) << src;
    EXPECT_EQ(a.diagnostics[0].column, 5) << src;
  }
  a = analyze("x = (\ny = = 1\n", "m.py");
  ASSERT_EQ(a.diagnostics.size(), 1u);
  EXPECT_EQ(a.diagnostics[0].message, "Failed to parse Python file: '(' was never closed");
  // Cases found by fuzzing, positions from CPython 3.12.
  struct Case {
    const char* src;
    int line, col;
    const char* message;
  };
  for (const Case& c : {
           Case{"r(**k, ap", 1, 2, "'(' was never closed"},
           Case{"x = [1 2", 1, 5, "'[' was never closed"},
           Case{"x = = $", 1, 5, "invalid syntax"},
           Case{"\\\n", 1, 2, "unexpected EOF while parsing"},
           Case{"match a:\n    case [b]:\n | _", 3, 5, "unindent does not match any outer"},
           Case{"f'{x:{", 1, 6, "'{' was never closed"},
           Case{"f'{x:abc", 1, 3, "'{' was never closed"},
           Case{"f'{f'{x}", 1, 4, "unterminated f-string literal"},
           Case{" f'\\}'ng\n", 1, 1, "unexpected indent"},
       }) {
    a = analyze(c.src, "m.py");
    ASSERT_EQ(a.diagnostics.size(), 1u) << c.src;
    EXPECT_EQ(a.diagnostics[0].line, c.line) << c.src;
    EXPECT_EQ(a.diagnostics[0].column, c.col) << c.src;
    EXPECT_NE(a.diagnostics[0].message.find(c.message), std::string::npos)
        << c.src << ": " << a.diagnostics[0].message;
  }
}

// Acceptance of grammar corners, as CPython 3.12.1's ast.parse decides (true: accepted).
struct Verdict {
  const char* src;
  bool accepted;
};
const Verdict kVerdicts[] = {
    // f-string patterns are the compiler's error, not the parser's (ast.parse accepts them)
    {"match x:\n case f'x': pass\n", true},
    {"match x:\n case {f'x': 1}: pass\n", true},
    // type parameter defaults are Python 3.13's (PEP 696)
    {"def f[T=int](): pass\n", false},
    {"class A[T: int = int]: pass\n", false},
    {"type X[T=int] = T\n", false},
    {"f(a=1, a=2)\n", true},
    {"def f(a, a): pass\n", true},
    {"x = {**a: 1}\n", false},
    {"x: int, = 1\n", false},
    {"[a for a in b] = 1\n", false},
    {"del [a for a in b]\n", false},
    {"True = 1\n", false},
    {"None += 1\n", false},
    {"a.b: int, c = 1\n", false},
    {"with a as 1: pass\n", false},
    {"for 1 in x: pass\n", false},
    {"import a.b as c.d\n", false},
    {"from x import a.b\n", false},
    {"print(*)\n", false},
    {"a = yield from\n", false},
    {"x = lambda: yield\n", false},
    {"match x:\n case {**_}: pass\n", false},
    {"match x:\n case -a: pass\n", false},
    {"match x:\n case {**rest, 1: _}: pass\n", false},
    {"match x:\n case [*a, *b]: pass\n", true},
    {"f'{x!r=}'\n", false},
    {"f'{x:{y:{z:{w}}}}'\n", false},
    {"f'{ }'\n", false},
    {"f'{*x}'\n", true},
    {"f'{*x, y}'\n", true},
    {"x = (*a)\n", false},
    {"print(*a for a in b)\n", false},
    {"f(**a for a in b)\n", false},
    {"x = [**a]\n", false},
    {"x = {*a: 1}\n", false},
    {"def f(a, *, b, **c, d): pass\n", false},
    {"a := 1\n", false},
    {"(a := 1)\n", true},
    {"x = (a.b := 1)\n", false},
    {"[i := 0 for i in x]\n", true},
    {"[x for i := 0 in y]\n", false},
    {"def f(x=*a): pass\n", false},
    {"x = yield = y\n", false},
    {"del a, *b\n", false},
    {"del (a, b)\n", true},
    {"del a + b\n", false},
    {"async = 1\n", false},
    {"await = 1\n", false},
    {"x = await\n", false},
    {"class A[]: pass\n", false},
    {"type X = *a\n", false},
    {"x = 1_000_\n", false},
    {"x = 0b\n", false},
    {"x = 0o\n", false},
    {"x = 1e+\n", false},
    {"x = .e1\n", false},
    {"lambda x: (yield)\n", true},
    {"assert (yield)\n", true},
    {"for x in *a, *b: pass\n", true},
    {"for x in *a: pass\n", true},
    {"return *a, *b\n", true},
    {"x = *a, *b\n", true},
    {"a[*b] = c\n", true},
    {"a[b, *c] = d\n", true},
    {"f(x)[0] = 1\n", true},
    {"f(x).y = 1\n", true},
    {"(yield x) = 1\n", false},
    {"x.y += 1\n", true},
    {"x[0] += 1\n", true},
    {"f() += 1\n", false},
    {"[a, b] += 1\n", false},
    {"x: int = 1; y: str\n", true},
    {"print(f'{a!s:}')\n", true},
    {"global x; x = 1\n", true},
    {"nonlocal x\n", true},
    {"if x:\n  pass\nelif:\n  pass\n", false},
    {"try:\n pass\nexcept* :\n pass\n", false},
    {"with a, : pass\n", false},
    {"with (a, ): pass\n", true},
    {"with (a as b): pass\n", true},
    {"with (a as b, c as d,): pass\n", true},
    {"@x\nclass A: pass\n", true},
    {"@x()\n@y\nasync def f(): pass\n", true},
    {"class A(x=1, *b): pass\n", true},
    {"class A(**b, c): pass\n", false},
    {"match x:\n case A(b=1, c=2): pass\n", true},
    {"match x:\n case A(b=1, 2): pass\n", false},
    {"match x:\n case 1 | 2 as y: pass\n", true},
    {"match x:\n case (1 as y) | 2: pass\n", true},
    {"match x:\n case _ | 1: pass\n", true},
    {"match x:\n case *a: pass\n", false},
    {"match *a:\n case 1: pass\n", false},
    {"match x, *y:\n case 1: pass\n", true},
    {"x = 'a' f'b' 'c'\n", true},
    {"x = b'a' f'b'\n", false},
    {"x = u'a' r'b'\n", true},
    {"x = 1 if 2 else 3 if 4 else 5\n", true},
    {"x = not\n", false},
    {"x = a not b\n", false},
    {"x = a is not not b\n", false},
    {"x = a not in not b\n", false},
    {"x = a < > b\n", false},
    {"x = a <> b\n", false},
    {"x = -~+a\n", true},
    {"x = a ** -b\n", true},
    {"x = (1 for x in y if a if b)\n", true},
    {"x = [1 for x in y if lambda: 1]\n", false},
    {"x = [1 for x in lambda: y]\n", false},
    {"x = [1 for x in a if b else c]\n", false},
    {"f(a, *b, c=1, *d, **e)\n", true},
    {"f(a=1, *b)\n", true},
    {"f(**a, b=1)\n", true},
    {"f(a)(b)(c)\n", true},
    {"f(a for a in b)(c)\n", true},
    {"x = a[b:c:d, e:f]\n", true},
    {"x = a[:, :]\n", true},
    {"x = a[::]\n", true},
    {"x = a[1:2:3:4]\n", false},
    {"x = ...[...]\n", true},
    {"def f(*a: *b): pass\n", true},
    {"def f(**a: *b): pass\n", false},
    {"def f(a: *b): pass\n", false},
    {"lambda *a, **b: 1\n", true},
    {"lambda a, /: 1\n", true},
    {"lambda /: 1\n", false},
    {"lambda *: 1\n", false},
    {"lambda **a, b: 1\n", false},
    {"x = lambda a=1, b: 1\n", false},
};

TEST(Parser, AcceptsAndRejectsGrammarCornersLikeCPython) {
  for (const Verdict& v : kVerdicts) {
    PythonAnalysis a = analyze(v.src, "m.py");
    bool syntax_error = false;
    for (const Diagnostic& d : a.diagnostics)
      syntax_error |= d.code == "DBTPY101";
    EXPECT_EQ(!syntax_error, v.accepted) << v.src;
  }
}

TEST(Parser, NestedCallArgumentsKeepTheirOwnRanges) {
  // A call's arguments are contiguous in ParseResult::call_args even when calls nested in them
  // were recorded while they were read; a reused result holds only the last file's calls.
  const std::string src =
      "x = dbt.config(a=dbt.ref('p', dbt.source('s', 't')), b=[dbt.ref('q')], c=2)\n";
  const std::string tok_text(src);
  TokenizeResult tr = tokenize(tok_text);
  ASSERT_FALSE(tr.error.present);
  ParseResult reused;
  for (int round = 0; round < 2; ++round) {
    parse(tok_text, tr.tokens, reused);
    ASSERT_FALSE(reused.error.present);
    ASSERT_EQ(reused.calls.size(), 4u) << round;
    EXPECT_TRUE(reused.arg_stack.empty());
    auto text = [&](const CallArgSpan& a) {
      return tok_text.substr(tr.tokens[a.begin].begin,
                             tr.tokens[a.end - 1].end - tr.tokens[a.begin].begin);
    };
    const ParseResult& pr = reused;
    EXPECT_EQ(pr.calls[0].kind, CallKind::kConfig);
    auto config = pr.args(pr.calls[0]);
    ASSERT_EQ(config.size(), 3u);
    EXPECT_EQ(text(config[0]), "dbt.ref('p', dbt.source('s', 't'))");
    EXPECT_EQ(text(config[1]), "[dbt.ref('q')]");
    EXPECT_EQ(text(config[2]), "2");
    EXPECT_EQ(config[2].kind, CallArgSpan::Kind::kKeyword);
    auto outer_ref = pr.args(pr.calls[1]);
    ASSERT_EQ(outer_ref.size(), 2u);
    EXPECT_EQ(text(outer_ref[1]), "dbt.source('s', 't')");
    auto source = pr.args(pr.calls[2]);
    ASSERT_EQ(source.size(), 2u);
    EXPECT_EQ(text(source[1]), "'t'");
    ASSERT_EQ(pr.args(pr.calls[3]).size(), 1u);
    EXPECT_EQ(text(pr.args(pr.calls[3])[0]), "'q'");
  }
  // A file without calls leaves none from the one before.
  TokenizeResult plain = tokenize("y = 1\n");
  parse("y = 1\n", plain.tokens, reused);
  EXPECT_TRUE(reused.calls.empty());
  EXPECT_TRUE(reused.call_args.empty());
}

TEST(Parser, WithParenthesizedExpressionIsNotAnItemList) {
  // From CPython 3.10's test_asyncio: `(yield from lock)` is one expression, not items.
  for (const char* src : {"def f():\n    with (yield from lock):\n        pass\n",
                          "def f():\n    with (yield):\n        pass\n",
                          "with (a, b) as c:\n    pass\n", "with (a as b, c):\n    pass\n"}) {
    PythonAnalysis a = analyze(src, "m.py");
    for (const Diagnostic& d : a.diagnostics)
      EXPECT_NE(d.code, "DBTPY101") << src << d.message;
  }
  // Calls in the items are recorded once, not once per attempt.
  PythonAnalysis a = analyze("with (dbt.ref('a') as x, dbt.ref('b')):\n    pass\n", "m.py");
  EXPECT_EQ(a.calls.size(), 2u);
}

TEST(Parser, StarredTargets) {
  // From the fuzz corpus, checked against CPython 3.12.
  for (const char* ok : {"*x = 1\n", "a, *b.c = d\n", "a, *(b, c) = d\n", "*a, *b = c\n",
                         "[*a] = b\n", "(*a,) = b\n", "*a, = b\n", "for *a, b in c: pass\n"}) {
    PythonAnalysis a = analyze(ok, "m.py");
    for (const Diagnostic& d : a.diagnostics)
      EXPECT_NE(d.code, "DBTPY101") << ok << d.message;
  }
  for (const char* bad : {"*x *x = 1\n", "del *a\n", "del (*a,)\n", "a, *f() = b\n"}) {
    PythonAnalysis a = analyze(bad, "m.py");
    ASSERT_FALSE(a.diagnostics.empty()) << bad;
    EXPECT_EQ(a.diagnostics[0].code, "DBTPY101") << bad;
  }
}

TEST(Parser, DeepNestingIsAnErrorNotACrash) {
  // Without brackets the nesting is unbounded by the tokenizer: lambda defaults.
  std::string lambdas;
  for (int i = 0; i < 5000; ++i)
    lambdas += "lambda a=";
  lambdas += "1";
  for (int i = 0; i < 5000; ++i)
    lambdas += ": a";
  PythonAnalysis a = analyze("x = " + lambdas + "\n", "m.py");
  ASSERT_FALSE(a.diagnostics.empty());
  EXPECT_EQ(a.diagnostics[0].code, "DBTPY102");
  // Long chains CPython accepts (~3000 deep) are loops for us, not recursion.
  for (const char* unit : {"-", "not ", "a if b else ", "lambda: ", "2**", "1+", "await "}) {
    std::string src = "x = ";
    for (int i = 0; i < 2900; ++i)
      src += unit;
    src += "1\n";
    if (std::string(unit) == "await ") src = "async def f():\n    return await x\n";
    a = analyze(src, "m.py");
    for (const Diagnostic& d : a.diagnostics) {
      EXPECT_NE(d.code, "DBTPY101") << unit << d.message;
      EXPECT_NE(d.code, "DBTPY102") << unit << d.message;
    }
  }
  std::string parens = "x = " + std::string(200, '(') + "1" + std::string(200, ')') + "\n";
  a = analyze(parens, "m.py");
  for (const Diagnostic& d : a.diagnostics)
    EXPECT_NE(d.code, "DBTPY101") << d.message;
  std::string fstrings = "x = ";
  for (int i = 0; i < 149; ++i)
    fstrings += "f\"{";
  fstrings += "1";
  for (int i = 0; i < 149; ++i)
    fstrings += "}\"";
  a = analyze(fstrings + "\n", "m.py");
  for (const Diagnostic& d : a.diagnostics)
    EXPECT_NE(d.code, "DBTPY101") << d.message;
}

TEST(Parser, LoneAtomFastPathsAcceptWhatTheFullDescentAccepts) {
  // Shapes the parser takes without its full descent (a lone atom before a token that ends
  // it, `()` of an unrecorded call, `[atom]`, a lone atom operand of a binary operator) next
  // to the shapes that continue the atom and must not be taken by them.
  for (const char* src : {
           "f()\nf()()\nf().g\nf()[0]\nx[0]\nx['a']\nx[a]\nx[0][1]\nx[0].y\nx[0](1)\n",
           "x = a[b](c)\nx = f(a)[0]\nx = f(a)(b)\nx = a[...]\nx = a[None]\n",
           "x = a * b.c\nx = a + b[0]\nx = a - f()\nx = a ** b\nx = -a ** b\nx = a ** -b\n",
           "x = a + 'b' 'c'\nx = 'a' 'b'.join(c)\nx = 'a' f'{b}'\nx = b'a' b'b'\n",
           "x = a if b else c\nx = not a\nx = a not in b\nx = a is not b\nx = a < b < c\n",
           "f(a, *b, k=c, **d)\nf(a=1, b='x', c=None)\nf(k=v.w, j=f())\nx[a:b]\nx[a, b]\n",
           "x = [a, b]\nx = {a: b}\nx = (a)\nx = (a,)\nfor a in b: pass\n",
           "x = dbt.ref('a')\nx = dbt.config.get('k')\nx = dbt.x()\n",
       }) {
    expect_parses(src);
  }
  // Calls recorded through the full path keep their arguments.
  PythonAnalysis a =
      analyze("def model(dbt, s):\n    x = dbt.ref('a')[0]\n    return f()\n", "m.py");
  ASSERT_EQ(a.refs.size(), 1u);
  EXPECT_EQ(a.refs[0].name, "a");
}

TEST(Parser, LoneAtomFastPathsRejectLikeCPython) {
  // Positions checked against CPython's ast.parse.
  for (const RejectCase& c : {RejectCase{"x = a[0 1]\n", 1, 7}, RejectCase{"x = a[1]]\n", 1, 9},
                              RejectCase{"x = f()(\n", 1, 8}, RejectCase{"x = f() 1\n", 1, 9},
                              RejectCase{"x = a[b] c\n", 1, 10}, RejectCase{"x = a + b c\n", 1, 11},
                              RejectCase{"x = f(k=1 2)\n", 1, 9}, RejectCase{"f() += 1\n", 1, 1},
                              RejectCase{"a, f() = 1\n", 1, 4}, RejectCase{"x = a[0][\n", 1, 9},
                              RejectCase{"x = a[:1 2]\n", 1, 8}, RejectCase{"x = 1 + 2 3\n", 1, 11},
                              RejectCase{"f() = 1\n", 1, 1}, RejectCase{"(x[0] := 1)\n", 1, 2}}) {
    PythonAnalysis a = analyze(c.src, "m.py");
    ASSERT_FALSE(a.diagnostics.empty()) << c.src;
    const Diagnostic& d = a.diagnostics.front();
    EXPECT_EQ(d.code, "DBTPY101") << c.src;
    EXPECT_EQ(d.line, c.line) << d.message << "\n" << c.src;
    EXPECT_EQ(d.column, c.col) << d.message << "\n" << c.src;
  }
}

TEST(Parser, FastPathsStopAtTheSameNestingDepthAsTheFullDescent) {
  // Each `lambda a=` default nests one level. Near the limit, the inline paths (`f()`, `x[0]`)
  // must fail exactly where their full-descent twins (`dbt.ref()` is recorded, so it takes
  // call_args(); `x[0,]` takes slices()) fail.
  auto too_deep = [](int levels, const std::string& inner) {
    std::string src = "x = ";
    for (int i = 0; i < levels; ++i)
      src += "lambda a=";
    src += inner;
    for (int i = 0; i < levels; ++i)
      src += ": a";
    PythonAnalysis a = analyze(src + "\n", "m.py");
    return !a.diagnostics.empty() && a.diagnostics[0].code == "DBTPY102";
  };
  bool saw_deep = false, saw_fine = false;
  for (int levels = 1485; levels <= 1505; ++levels) {
    bool call = too_deep(levels, "f()");
    EXPECT_EQ(call, too_deep(levels, "dbt.ref()")) << levels;
    bool subscript = too_deep(levels, "x[0]");
    EXPECT_EQ(subscript, too_deep(levels, "x[0,]")) << levels;
    EXPECT_EQ(too_deep(levels, "f(k=1)"), too_deep(levels, "dbt.ref(k=1)")) << levels;
    EXPECT_EQ(too_deep(levels, "f(1)"), too_deep(levels, "dbt.ref(1)")) << levels;
    // A dotted name whose value is unused is skipped inline; `+ 1` after it takes the full
    // descent through the same number of levels.
    EXPECT_EQ(too_deep(levels, "f(a.b)"), too_deep(levels, "f(a.b + 1)")) << levels;
    EXPECT_EQ(too_deep(levels, "f(k=a.b)"), too_deep(levels, "f(k=a.b + 1)")) << levels;
    EXPECT_EQ(too_deep(levels, "[c for c in a.b]"), too_deep(levels, "[c for c in a.b + 1]"))
        << levels;
    (call ? saw_deep : saw_fine) = true;
  }
  EXPECT_TRUE(saw_deep);
  EXPECT_TRUE(saw_fine);
}

TEST(Parser, OperatorAndSkipFastPathsKeepPrecedenceAndAcceptWhatCPythonAccepts) {
  // Operands whose value is unused (right operands, comprehension iterables and conditions,
  // the condition of `x if c else y`, call arguments) are skipped inline when they are a lone
  // atom or a dotted name before a token that ends them; their look-alikes continue the
  // operand and must take the full descent. All accepted by CPython.
  for (const char* src : {
           "x = a - b - c\nx = a ** b ** c\nx = -a ** b\nx = not a == b\n",
           "x = a if b else c if d else e\nx = lambda: a if b else c\nx = a < b > c\n",
           "x = a < b.c <= d.e\nx = a is not b.c\nx = a not in b.c\nx = (a := b.c)\n",
           "f(self.x)\nf(k=a.b.c)\nf(a.b, c.d, *e.f, **g.h)\nf(a.b for a in c.d)\n",
           "x = [m for m in df.columns if m in a.b]\nx = [a for a, b in c if d if e.f]\n",
           "x = {a.b: c.d for c in e.f}\nfor a, b in c.d: pass\ndel a, b\nfor a, in b: pass\n",
           "x = a.b if c.d else e.f\nx = a.b.c(d)\nx = a + b if c else d\n",
           "x = [a.b if c else d for d in e]\nx = f(a.b if c.d else e)\nx = a.b ** c.d\n",
           "x = a.b[0]\nx = f(a.b[c], a.b(c), a.b.c.d)\nx = f(a.b, 'c' 'd', k=a.b ** 2)\n",
           "x = dbt.config if a else b\nx = dbt.ref\ny = f(dbt.ref, dbt.config)\n",
       }) {
    expect_parses(src);
  }
  // dbt.* names skipped as values are no call sites; calls inside skipped shapes still are.
  PythonAnalysis a = analyze(
      "def model(dbt, s):\n"
      "    f(dbt.ref, k=dbt.config)\n"
      "    x = [dbt.ref('a') for c in d.e if c in dbt.source]\n"
      "    return x\n",
      "m.py");
  ASSERT_EQ(a.refs.size(), 1u);
  EXPECT_EQ(a.refs[0].name, "a");
  EXPECT_TRUE(a.sources.empty());
}

TEST(Parser, OperatorAndSkipFastPathsRejectLikeCPython) {
  // Positions checked against CPython's ast.parse (3.11 and 3.12 agree on these).
  for (const RejectCase& c : {RejectCase{"x = a + \n", 1, 9},
                              RejectCase{"x = a is not\n", 1, 13},
                              RejectCase{"(a := b) = c\n", 1, 2},
                              RejectCase{"f(a for a in b, c)\n", 1, 3},
                              RejectCase{"f(a.b.)\n", 1, 7},
                              RejectCase{"x = a.b c\n", 1, 9},
                              RejectCase{"f(a.b c)\n", 1, 3},
                              RejectCase{"for a, 1 in b: pass\n", 1, 8},
                              RejectCase{"del a, f()\n", 1, 8},
                              RejectCase{"x = a.b.c =\n", 1, 12},
                              RejectCase{"x = a < b.c d\n", 1, 13},
                              RejectCase{"x = a if b.c\n", 1, 5},
                              RejectCase{"x = a if b.c else\n", 1, 18},
                              RejectCase{"f(k=a.b c)\n", 1, 5},
                              RejectCase{"x = a.b.if\n", 1, 9},
                              RejectCase{"x = a - - \n", 1, 11},
                              RejectCase{"x = a ** \n", 1, 10},
                              RejectCase{"x = not\n", 1, 8},
                              RejectCase{"f(a.b=1)\n", 1, 3},
                              RejectCase{"f(**a, *b)\n", 1, 8}}) {
    PythonAnalysis a = analyze(c.src, "m.py");
    ASSERT_FALSE(a.diagnostics.empty()) << c.src;
    const Diagnostic& d = a.diagnostics.front();
    EXPECT_EQ(d.code, "DBTPY101") << c.src;
    EXPECT_EQ(d.line, c.line) << d.message << "\n" << c.src;
    EXPECT_EQ(d.column, c.col) << d.message << "\n" << c.src;
  }
  auto message = [](const char* src) {
    PythonAnalysis a = analyze(src, "m.py");
    return a.diagnostics.empty() ? std::string() : a.diagnostics.front().message;
  };
  EXPECT_EQ(message("f(a=1, b)\n"),
            "Failed to parse Python file: positional argument follows keyword argument");
  EXPECT_EQ(message("f(a for a in b, c)\n"),
            "Failed to parse Python file: Generator expression must be parenthesized");
  EXPECT_EQ(message("(a := b) = c\n"),
            "Failed to parse Python file: cannot assign to named expression here. Maybe you "
            "meant '==' instead of '='?");
  EXPECT_EQ(message("f(a.b=1)\n"),
            "Failed to parse Python file: expression cannot contain assignment, perhaps you "
            "meant \"==\"?");
}

}  // namespace
}  // namespace dbtpy::compiler::python
