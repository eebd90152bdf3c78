// analyze(): dbt's recognition, interpretation and structure rules, with dbt's messages; the
// cases of dbt-core 1.10's and dbt Fusion's own tests; every position a call can hide in; and
// look-alikes that are not calls.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "compiler/python/analysis.h"

namespace dbtpy::compiler::python {
namespace {

using ::testing::ElementsAre;

PythonAnalysis run(const std::string& src) {
  return analyze(src, "models/nested/py_model.py");
}

std::string model(const std::string& body) {
  return "def model(dbt, session):\n" + body + "    return df\n";
}

std::vector<std::string> ref_names(const PythonAnalysis& a) {
  std::vector<std::string> out;
  for (const RefCall& r : a.refs)
    out.push_back(r.name);
  return out;
}

std::vector<std::string> codes(const PythonAnalysis& a) {
  std::vector<std::string> out;
  for (const Diagnostic& d : a.diagnostics)
    out.push_back(d.code);
  return out;
}

std::vector<std::string> messages(const PythonAnalysis& a) {
  std::vector<std::string> out;
  for (const Diagnostic& d : a.diagnostics)
    out.push_back(d.message);
  return out;
}

// dbt-core 1.10 tests/unit/parser/test_parser.py, test_python_model_parse.
TEST(Analyzer, DbtCorePythonModelFixture) {
  const std::string src = R"py(
import textblob
import text as a
from torch import b
import textblob.text
import sklearn

def model(dbt, session):
    dbt.config(
        materialized='table',
        packages=['sklearn==0.1.0']
    )
    df0 = dbt.ref("a_model").to_pandas()
    df1 = dbt.ref("my_sql_model").task.limit(2)
    df2 = dbt.ref("my_sql_model_1")
    df3 = dbt.ref("my_sql_model_2")
    df4 = dbt.source("test", 'table1').limit(max=[max(dbt.ref('something'))])
    df5 = [dbt.ref('test1')]

    a_dict = {'test2': dbt.ref('test2')}
    df5 = {'test2': dbt.ref('test3')}
    df6 = [dbt.ref("test4")]
    f"{dbt.ref('test5')}"

    df = df0.limit(2)
    return df
)py";
  PythonAnalysis a = run(src);
  EXPECT_TRUE(a.diagnostics.empty()) << messages(a)[0];
  EXPECT_THAT(ref_names(a),
              ElementsAre("a_model", "my_sql_model", "my_sql_model_1", "my_sql_model_2",
                          "something", "test1", "test2", "test3", "test4", "test5"));
  ASSERT_EQ(a.sources.size(), 1u);
  EXPECT_EQ(a.sources[0].source_name, "test");
  EXPECT_EQ(a.sources[0].table_name, "table1");
  ASSERT_EQ(a.config_calls.size(), 1u);
  EXPECT_EQ(a.config_calls[0],
            Json::parse(R"({"materialized": "table", "packages": ["sklearn==0.1.0"]})"));
  EXPECT_THAT(a.imports, ElementsAre("textblob", "text", "torch", "sklearn"));
  EXPECT_EQ(a.model_def_line, 8);
  EXPECT_FALSE(a.empty_module);
}

TEST(Analyzer, ConfigGetKeysAndDefaults) {
  PythonAnalysis a =
      run(model("    dbt.config.get('param_1')\n"
                "    dbt.config.get(\"param_2\")\n"
                "    dbt.config.get('param_None', None)\n"
                "    dbt.config.get('param_Str', 'default')\n"
                "    dbt.config.get('param_List', [1, 2])\n"
                "    dbt.config.get('param_kw', default={'a': 1})\n"
                "    df = dbt.ref('x')\n"));
  EXPECT_TRUE(a.diagnostics.empty());
  ASSERT_EQ(a.config_keys_used.size(), 6u);
  std::vector<std::string> keys;
  for (const KeyUse& k : a.config_keys_used)
    keys.push_back(k.key);
  EXPECT_THAT(
      keys, ElementsAre("param_1", "param_2", "param_None", "param_Str", "param_List", "param_kw"));
  EXPECT_EQ(a.config_keys_used[0].default_value, nullptr);
  EXPECT_EQ(a.config_keys_used[2].default_value, nullptr);
  EXPECT_EQ(a.config_keys_used[3].default_value, "default");
  EXPECT_EQ(a.config_keys_used[4].default_value, Json::parse("[1, 2]"));
  EXPECT_EQ(a.config_keys_used[5].default_value, Json::parse(R"({"a": 1})"));
  EXPECT_EQ(a.config_keys_used[0].where.line, 2);
  EXPECT_EQ(a.config_keys_used[0].where.column, 5);
}

TEST(Analyzer, FStringConfigGetAnyNameForSessionAndAnnotations) {
  PythonAnalysis a =
      run("import pandas as pd\n"
          "def model(dbt, fal):\n"
          "    dbt.config(materialized='table')\n"
          "    print(f\"my var: {dbt.config.get('my_var')}\")\n"
          "    df: pd.DataFrame = dbt.ref('some_model')\n"
          "    return df\n");
  EXPECT_TRUE(a.diagnostics.empty());
  ASSERT_EQ(a.config_keys_used.size(), 1u);
  EXPECT_EQ(a.config_keys_used[0].key, "my_var");
  EXPECT_THAT(ref_names(a), ElementsAre("some_model"));
}

TEST(Analyzer, MetaGetWithAndWithoutDefaults) {
  PythonAnalysis a =
      run(model("    dbt.config(meta={'owner': 'a', 'priority': 1})\n"
                "    owner = dbt.config.meta_get('owner')\n"
                "    prio = dbt.config.meta_get('priority', 5)\n"
                "    mat = dbt.config.get('materialized')\n"));
  EXPECT_TRUE(a.diagnostics.empty());
  ASSERT_EQ(a.meta_keys_used.size(), 2u);
  EXPECT_EQ(a.meta_keys_used[0].key, "owner");
  EXPECT_EQ(a.meta_keys_used[0].default_value, nullptr);
  EXPECT_EQ(a.meta_keys_used[1].default_value, 5);
  ASSERT_EQ(a.config_keys_used.size(), 1u);
  EXPECT_EQ(a.config_keys_used[0].key, "materialized");
}

TEST(Analyzer, GetArityErrorsUseDbtsMessages) {
  EXPECT_THAT(messages(run(model("    dbt.config.meta_get()\n"))),
              ElementsAre("dbt.config.meta_get() requires at least one argument"));
  EXPECT_THAT(messages(run(model("    dbt.config.meta_get('a', 'b', 'c')\n"))),
              ElementsAre("dbt.config.meta_get() takes at most 2 arguments (3 given)"));
  EXPECT_THAT(messages(run(model("    dbt.config.get()\n"))),
              ElementsAre("dbt.config.get() requires at least one argument"));
  EXPECT_THAT(messages(run(model("    dbt.config.get('a', 1, default=2)\n"))),
              ElementsAre("dbt.config.get() got multiple values for argument 'default'"));
  EXPECT_THAT(messages(run(model("    dbt.config.get(1)\n"))),
              ElementsAre("The key argument to dbt.config.get() must be a string, got int"));
  EXPECT_THAT(codes(run(model("    dbt.config.get('a', other=2)\n"))), ElementsAre("DBTPY134"));
}

// The structure rules, dbt-core 1.10 and Fusion test cases.
TEST(Analyzer, StructureRules) {
  EXPECT_THAT(messages(run("def model(dbt):\n    return dbt.ref('a')\n")),
              ElementsAre("model function should have two args, `dbt` and a session to current "
                          "warehouse"));
  EXPECT_THAT(messages(run("def model():\n    return 1\n")),
              ElementsAre("model function should have two args, `dbt` and a session to current "
                          "warehouse"));
  EXPECT_THAT(messages(run("def model(dbt, session, extra):\n    return 1\n")),
              ElementsAre("model function should have two args, `dbt` and a session to current "
                          "warehouse"));
  EXPECT_THAT(messages(run("def model(tbd, session):\n    return tbd.ref('a')\n")),
              ElementsAre("'dbt' not provided for model as the first argument"));
  EXPECT_THAT(messages(run("def model(dbt, session):\n    return 1\n"
                           "def model(dbt, session):\n    return 2\n")),
              ElementsAre("dbt allows exactly one model defined per python file, found 2"));
  EXPECT_THAT(messages(run("def model1(dbt, session):\n    return 1\n")),
              ElementsAre("dbt allows exactly one model defined per python file, found 0"));
  EXPECT_THAT(messages(run("def model(dbt, session):\n    return dbt.ref('a'), dbt.ref('b')\n")),
              ElementsAre("In current version, model function should return only one dataframe "
                          "object"));
  EXPECT_THAT(messages(run("def model(dbt, session):\n    dbt.config(materialized='table')\n")),
              ElementsAre("In current version, model function should return only one dataframe "
                          "object"));
  EXPECT_THAT(messages(run("def model(dbt, session):\n    return ()\n")),
              ElementsAre("In current version, model function should return only one dataframe "
                          "object"));
  // Accepted shapes.
  EXPECT_TRUE(
      run("import pandas as pd\ndef model(dbt, session):\n    return pd.dataframe([1, 2])\n")
          .diagnostics.empty());
  EXPECT_TRUE(run("def model(dbt, session):\n    dbt.config(materialized='custom')\n    return\n")
                  .diagnostics.empty());
  EXPECT_TRUE(run("def model(dbt: 'Dbt', session: object) -> object:\n    return (df)\n")
                  .diagnostics.empty());
  EXPECT_TRUE(run("def model(dbt, session): return dbt.ref('a')\n").diagnostics.empty());
}

TEST(Analyzer, StructureErrorsAllReportedWhenOneModel) {
  PythonAnalysis a = run("def model(tbd):\n    x = 1\n");
  // In source order: the name (two args), the first parameter, the last statement (return).
  EXPECT_THAT(codes(a), ElementsAre("DBTPY112", "DBTPY111", "DBTPY113"));
  EXPECT_EQ(a.diagnostics[0].column, 5);
  EXPECT_EQ(a.diagnostics[2].line, 2);
  EXPECT_EQ(a.diagnostics[2].column, 5);
  EXPECT_EQ(a.model_def_line, 1);
}

TEST(Analyzer, ModelCountingFollowsDbtCore) {
  // Defs in class bodies and in `if` blocks count; defs nested in functions and `async def`
  // do not; a def nested in an `async def` does.
  EXPECT_THAT(messages(run("def model(dbt, session):\n    return 1\n"
                           "class A:\n    def model(self, x):\n        return 1\n")),
              ElementsAre("dbt allows exactly one model defined per python file, found 2"));
  EXPECT_TRUE(run("def model(dbt, session):\n"
                  "    def model(a):\n        return a\n"
                  "    return model(1)\n")
                  .diagnostics.empty());
  EXPECT_TRUE(run("async def model(a):\n    pass\n"
                  "if True:\n    def model(dbt, s):\n        return 1\n")
                  .diagnostics.empty());
  EXPECT_THAT(messages(run("async def helper():\n    def model(dbt, s):\n        return 1\n"
                           "def model(dbt, s):\n    return 2\n")),
              ElementsAre("dbt allows exactly one model defined per python file, found 2"));
  // Positional-only parameters are not counted by dbt.
  EXPECT_THAT(codes(run("def model(x, /, dbt, session):\n    return 1\n")), ElementsAre());
  EXPECT_THAT(codes(run("def model(dbt, session, /):\n    return 1\n")), ElementsAre("DBTPY112"));
}

TEST(Analyzer, MultipleModelsHidesOtherStructureErrors) {
  PythonAnalysis a = run("def model(a):\n    pass\ndef model():\n    pass\n");
  EXPECT_THAT(codes(a), ElementsAre("DBTPY110"));
  EXPECT_EQ(a.diagnostics[0].line, 3);  // the second definition
  EXPECT_EQ(a.model_def_line, 0);
}

TEST(Analyzer, EmptyModuleIsValidWithoutModel) {
  for (const char* src : {"", "    ", "\n\n# only a comment\n", "\xEF\xBB\xBF", "  \n\t\n"}) {
    PythonAnalysis a = run(src);
    EXPECT_TRUE(a.empty_module) << src;
    EXPECT_TRUE(a.diagnostics.empty()) << src;
  }
  EXPECT_FALSE(run("x = 1\n").empty_module);
}

TEST(Analyzer, NonLiteralRefIsAnError) {
  PythonAnalysis a =
      run(model("    model_names = ['a', 'b']\n"
                "    models = []\n"
                "    for model_name in model_names:\n"
                "        models.extend(dbt.ref(model_name))\n"));
  ASSERT_THAT(codes(a), ElementsAre("DBTPY120"));
  EXPECT_EQ(a.diagnostics[0].line, 5);
  EXPECT_EQ(a.diagnostics[0].column, 31);
  EXPECT_EQ(format_diagnostic(a.diagnostics[0]).substr(0, 49),
            "models/nested/py_model.py:5:31: error[DBTPY120]: ");
  ASSERT_EQ(a.calls.size(), 1u);
  EXPECT_FALSE(a.calls[0].args_evaluated);
  EXPECT_TRUE(a.refs.empty());
}

TEST(Analyzer, RefForms) {
  PythonAnalysis a =
      run(model("    a = dbt.ref('m')\n"
                "    b = dbt.ref('pkg', 'm')\n"
                "    c = dbt.ref('m', v=1)\n"
                "    d = dbt.ref('m', version='v1')\n"
                "    e = dbt.ref('pkg', 'm', 2)\n"
                "    f = dbt.ref('pkg', 'm', version=1.5)\n"
                "    df = dbt.ref('m', v=None)\n"));
  EXPECT_TRUE(a.diagnostics.empty()) << messages(a)[0];
  ASSERT_EQ(a.refs.size(), 7u);
  EXPECT_EQ(a.refs[0].package, std::nullopt);
  EXPECT_EQ(a.refs[1].package, "pkg");
  EXPECT_EQ(a.refs[2].version, "1");
  EXPECT_EQ(a.refs[3].version, "v1");
  EXPECT_EQ(a.refs[4].package, "pkg");
  EXPECT_EQ(a.refs[4].version, "2");
  EXPECT_EQ(a.refs[5].version, "1.5");
  EXPECT_EQ(a.refs[6].version, std::nullopt);
  EXPECT_EQ(a.refs[0].where.line, 2);
  EXPECT_EQ(a.refs[0].where.column, 9);
  EXPECT_FALSE(a.refs[0].from_docstring);
}

TEST(Analyzer, RefErrors) {
  EXPECT_THAT(messages(run(model("    dbt.ref('a', 'b', 'c', 'd')\n"))),
              ElementsAre("dbt.ref() expects 1-3 arguments, got 4"));
  EXPECT_THAT(messages(run(model("    dbt.ref()\n"))),
              ElementsAre("dbt.ref() expects 1-3 arguments, got 0"));
  EXPECT_THAT(messages(run(model("    dbt.ref(1)\n"))),
              ElementsAre("The name argument to ref() must be a string, got int"));
  EXPECT_THAT(messages(run(model("    dbt.ref(None, 'm')\n"))),
              ElementsAre("The package argument to ref() must be a string, got NoneType"));
  EXPECT_THAT(messages(run(model("    dbt.ref('m', v=[1])\n"))),
              ElementsAre("The version argument to ref() must be a string, int, float, or None "
                          "- got list"));
  EXPECT_THAT(codes(run(model("    dbt.ref('p', 'm', 1, v=2)\n"))), ElementsAre("DBTPY130"));
  EXPECT_THAT(codes(run(model("    dbt.ref('m', v=1, version=2)\n"))), ElementsAre("DBTPY130"));
  EXPECT_THAT(codes(run(model("    dbt.ref(*names)\n"))), ElementsAre("DBTPY122"));
  // Keywords dbt ignores get a warning, and the ref is kept.
  PythonAnalysis a = run(model("    dbt.ref('m', package='p')\n"));
  EXPECT_THAT(codes(a), ElementsAre("DBTPY135"));
  EXPECT_EQ(a.diagnostics[0].severity, Severity::kWarning);
  EXPECT_THAT(ref_names(a), ElementsAre("m"));
}

TEST(Analyzer, SourceRules) {
  EXPECT_THAT(messages(run(model("    dbt.source('raw')\n"))),
              ElementsAre("source() takes exactly two arguments (1 given)"));
  EXPECT_THAT(messages(run(model("    dbt.source('a', 'b', 'c')\n"))),
              ElementsAre("source() takes exactly two arguments (3 given)"));
  EXPECT_THAT(messages(run(model("    dbt.source(1, 'b')\n"))),
              ElementsAre("The source name (first) argument to source() must be a string, got "
                          "int"));
  EXPECT_THAT(messages(run(model("    dbt.source('a', ['b'])\n"))),
              ElementsAre("The table name (second) argument to source() must be a string, got "
                          "list"));
  EXPECT_THAT(codes(run(model("    dbt.source('a', table_name='b')\n"))), ElementsAre("DBTPY131"));
}

TEST(Analyzer, ConfigRules) {
  PythonAnalysis a =
      run(model("    dbt.config(materialized='incremental', unique_key='id')\n"
                "    dbt.config({'tags': ['a'], 'meta': {'k': 1}})\n"));
  EXPECT_TRUE(a.diagnostics.empty());
  ASSERT_EQ(a.config_calls.size(), 2u);
  EXPECT_EQ(a.config_calls[0],
            Json::parse(R"({"materialized": "incremental", "unique_key": "id"})"));
  EXPECT_EQ(a.config_calls[1], Json::parse(R"({"tags": ["a"], "meta": {"k": 1}})"));
  EXPECT_THAT(messages(run(model("    dbt.config()\n"))),
              ElementsAre("Invalid inline model config"));
  EXPECT_THAT(messages(run(model("    dbt.config({'a': 1}, b=2)\n"))),
              ElementsAre("Invalid inline model config"));
  EXPECT_THAT(messages(run(model("    dbt.config('table')\n"))),
              ElementsAre("Invalid inline model config"));
  EXPECT_THAT(messages(run(model("    dbt.config(**settings)\n"))),
              ElementsAre("**kwargs unpacking is not supported in dbt.config()"));
  EXPECT_THAT(messages(run(model("    dbt.config(pre_hook=['a'], **{'pre-hook': ['b']})\n"))),
              ElementsAre("**kwargs unpacking is not supported in dbt.config()"));
  EXPECT_THAT(messages(run(model("    dbt.config({'pre_hook': 'a', 'pre-hook': 'b'})\n"))),
              ElementsAre("Invalid config, has conflicting keys \"pre_hook\" and \"pre-hook\""));
  EXPECT_THAT(messages(run(model("    dbt.config({'post_hook': 'a', 'post-hook': 'b'})\n"))),
              ElementsAre("Invalid config, has conflicting keys \"post_hook\" and \"post-hook\""));
}

// Every expression position a call can hide in.
TEST(Analyzer, CallsAreFoundInEveryExpressionPosition) {
  const std::string src = R"py(import functools

@functools.lru_cache(maxsize=dbt.config.get('cache_size', 1))
def helper(x=dbt.ref('default_arg'), *, y: dbt.ref('annotation') = None) -> dbt.ref('ret_ann'):
    def inner():
        return dbt.ref('nested_function')
    return [dbt.ref('in_list'), (dbt.ref('in_tuple'),), {dbt.ref('in_set')}]

class Holder(dbt.ref('class_base')):
    attr = dbt.ref('class_body')
    def method(self):
        return {dbt.ref('dict_key'): dbt.ref('dict_value')}

f = lambda: dbt.ref('lambda_body')
g = lambda a=dbt.ref('lambda_default'): a
comp = [dbt.ref('comprehension') for _ in range(2) if dbt.ref('comprehension_if')]
gen = {k: dbt.ref('dict_comp') for k in dbt.ref('comp_iter')}
fs = f"value {dbt.ref('fstring_field')!r:>{dbt.config.get('width')}} done"
nested = print(str(dbt.ref('inside_call')), sep=dbt.ref('keyword_value'))
walrus = (w := dbt.ref('walrus'))
cond = dbt.ref('cond_a') if dbt.ref('cond_test') else dbt.ref('cond_b')
sl = data[dbt.ref('subscript'):dbt.ref('slice_end')]
star = [*dbt.ref('starred')]
par = (dbt.ref)('parenthesized_callee')
par2 = (dbt).ref('parenthesized_receiver')
chained = dbt.ref('chained').filter(x > 1).to_pandas()
unary = not dbt.ref('not_operand')
binop = dbt.ref('left') + dbt.ref('right')
assert dbt.ref('assert_test'), dbt.ref('assert_msg')
with dbt.ref('with_item') as w:
    pass
match dbt.ref('match_subject'):
    case 1 if dbt.ref('match_guard'):
        pass
async def co():
    await dbt.ref('awaited')
    async for _ in dbt.ref('async_for'):
        pass
def gen_fn():
    yield dbt.ref('yielded')
    yield from dbt.ref('yield_from')
type Alias = dbt.ref('type_alias')

def model(dbt, session):
    return dbt.ref('returned')
)py";
  PythonAnalysis a = run(src);
  EXPECT_TRUE(a.diagnostics.empty()) << messages(a)[0];
  EXPECT_THAT(
      ref_names(a),
      ElementsAre("default_arg", "annotation", "ret_ann", "nested_function", "in_list", "in_tuple",
                  "in_set", "class_base", "class_body", "dict_key", "dict_value", "lambda_body",
                  "lambda_default", "comprehension", "comprehension_if", "dict_comp", "comp_iter",
                  "fstring_field", "inside_call", "keyword_value", "walrus", "cond_a", "cond_test",
                  "cond_b", "subscript", "slice_end", "starred", "parenthesized_callee",
                  "parenthesized_receiver", "chained", "not_operand", "left", "right",
                  "assert_test", "assert_msg", "with_item", "match_subject", "match_guard",
                  "awaited", "async_for", "yielded", "yield_from", "type_alias", "returned"));
  ASSERT_EQ(a.config_keys_used.size(), 2u);
  EXPECT_EQ(a.config_keys_used[0].key, "cache_size");
  EXPECT_EQ(a.config_keys_used[1].key, "width");
  EXPECT_EQ(a.calls.size(), 46u);
}

TEST(Analyzer, NestedCallAsArgumentIsNonLiteralButStillFound) {
  PythonAnalysis a = run(model("    df = dbt.ref(dbt.config.get('name'))\n"));
  EXPECT_THAT(codes(a), ElementsAre("DBTPY120"));
  ASSERT_EQ(a.calls.size(), 2u);
  EXPECT_EQ(a.calls[0].kind, CallKind::kRef);
  EXPECT_EQ(a.calls[1].kind, CallKind::kConfigGet);
  ASSERT_EQ(a.config_keys_used.size(), 1u);
  EXPECT_EQ(a.config_keys_used[0].key, "name");
}

TEST(Analyzer, LookAlikesAreNotCalls) {
  const std::string src = R"py('''Docstring mentioning dbt.ref('doc_call') in prose.'''
# dbt.ref('comment')
s = "dbt.ref('string')"
t = 'dbt.source("a", "b")'
u = f"dbt.ref('fstring_text') {{dbt.ref('escaped_braces')}}"
v = """
dbt.config(materialized='view')
"""
w = x.dbt.ref('attribute_of_other')
d = dbt
d.ref('alias')
dbt.refs('other_method')
dbt.config.get.x('too_deep')
dbt['ref']('subscript')
dbt.ref
getattr(dbt, 'ref')('dynamic')
self.dbt.ref('self_dbt')
dbt.config.set('not_get')
def model(dbt, session):
    return session.table('t')
)py";
  PythonAnalysis a = run(src);
  EXPECT_TRUE(a.calls.empty()) << a.calls.size();
  EXPECT_TRUE(a.refs.empty());
  EXPECT_TRUE(a.diagnostics.empty()) << messages(a)[0];
}

TEST(Analyzer, DocstringDeclarations) {
  const std::string src =
      "\"\"\"Orders model.\n"
      "\n"
      "Depends on:\n"
      "  - ref('customers')\n"
      "  - ref(\"pkg\", \"orders\")\n"
      "  - source('raw', 'payments')\n"
      "  - dbt.ref('with_prefix')\n"
      "  - ref(customers)\n"
      "  not a - ref('x') line\n"
      "\"\"\"\n"
      "def model(dbt, session):\n"
      "    return dbt.ref('in_code')\n";
  PythonAnalysis a = run(src);
  EXPECT_THAT(ref_names(a), ElementsAre("customers", "orders", "with_prefix", "in_code"));
  EXPECT_TRUE(a.refs[0].from_docstring);
  EXPECT_EQ(a.refs[0].where.line, 4);
  EXPECT_EQ(a.refs[0].where.column, 5);
  EXPECT_EQ(a.refs[1].package, "pkg");
  EXPECT_FALSE(a.refs[3].from_docstring);
  ASSERT_EQ(a.sources.size(), 1u);
  EXPECT_TRUE(a.sources[0].from_docstring);
  EXPECT_EQ(a.sources[0].source_name, "raw");
  EXPECT_EQ(a.sources[0].where.line, 6);
  // `- ref(customers)` is malformed: a warning, not a dependency.
  EXPECT_THAT(codes(a), ElementsAre("DBTPY140"));
  EXPECT_EQ(a.diagnostics[0].severity, Severity::kWarning);
  EXPECT_EQ(a.diagnostics[0].line, 8);
  // Only the module docstring counts.
  PythonAnalysis b =
      run("x = 1\n\"\"\"- ref('late')\"\"\"\n"
          "def model(dbt, s):\n    \"\"\"- ref('func_doc')\"\"\"\n    return 1\n");
  EXPECT_TRUE(b.refs.empty());
}

TEST(Analyzer, ImportsAreTopLevelPackagesInFirstSeenOrder) {
  PythonAnalysis a =
      run("import a.b.c\nimport d as e, f\nfrom g.h import i\nfrom . import j\nfrom .k import l\n"
          "from a import z\n"
          "def model(dbt, session):\n    import numpy\n    return 1\n");
  EXPECT_THAT(a.imports, ElementsAre("a", "d", "f", "g", "numpy"));
}

TEST(Analyzer, AllProblemsInOnePassInSourceOrder) {
  PythonAnalysis a =
      run("x = dbt.ref(name)\n"
          "def model(dbt):\n"
          "    dbt.source('only_one')\n"
          "    dbt.config()\n"
          "    y = dbt.ref('fine')\n");
  EXPECT_THAT(codes(a), ElementsAre("DBTPY120", "DBTPY112", "DBTPY131", "DBTPY132", "DBTPY113"));
  for (size_t i = 1; i < a.diagnostics.size(); ++i) {
    EXPECT_LE(a.diagnostics[i - 1].line, a.diagnostics[i].line);
  }
  for (const Diagnostic& d : a.diagnostics) {
    EXPECT_EQ(d.file, "models/nested/py_model.py");
    EXPECT_FALSE(d.hint.empty()) << d.code;
    EXPECT_GT(d.line, 0);
    EXPECT_GT(d.column, 0);
  }
  EXPECT_THAT(ref_names(a), ElementsAre("fine"));
}

TEST(Analyzer, SyntaxErrorIsOneDiagnosticWithHint) {
  PythonAnalysis a = run("def model(dbt, session):\n    df = dbt.ref('a'\n    return df\n");
  ASSERT_EQ(a.diagnostics.size(), 1u);
  EXPECT_EQ(a.diagnostics[0].code, "DBTPY101");
  EXPECT_EQ(a.diagnostics[0].line, 2);
  EXPECT_FALSE(a.diagnostics[0].hint.empty());
  EXPECT_TRUE(a.calls.empty());  // the only call spans the error
}

TEST(Analyzer, BadDbtCallsAreStillReportedAfterASyntaxError) {
  PythonAnalysis a =
      run("def model(dbt, session):\n"
          "    a = dbt.ref(name)\n"
          "    b = = 1\n"
          "    c = dbt.source('only_one')\n"
          "    d = dbt.ref('fine', v=2)\n"
          "    e = dbt.ref('x' 'y' +)\n"
          "    return a\n");
  EXPECT_THAT(codes(a), ElementsAre("DBTPY120", "DBTPY101", "DBTPY131"));
  EXPECT_EQ(a.diagnostics[1].line, 3);
  EXPECT_THAT(ref_names(a), ElementsAre("fine"));
  // No structure diagnostics without a parse (they would be guesses), and nothing from inside
  // a bracket that is never closed.
  PythonAnalysis b = run("def model(dbt):\n    x = (\n    dbt.ref(1)\n");
  EXPECT_THAT(codes(b), ElementsAre("DBTPY101"));
  PythonAnalysis c = run("x = dbt.ref(name)\ny = 'unterminated\n");
  EXPECT_THAT(codes(c), ElementsAre("DBTPY120", "DBTPY101"));
}

TEST(Analyzer, ColumnsAreCodePointsOnTheLineOnDisk) {
  PythonAnalysis a =
      run("\xEF\xBB\xBF\xC3\xA9t\xC3\xA9 = 1; x = dbt.ref('a')\r\n"
          "\r\n"
          "y = '\xE6\x97\xA5' + dbt.ref('b')\r\n");
  ASSERT_EQ(a.refs.size(), 2u);
  EXPECT_EQ(a.refs[0].where.line, 1);
  EXPECT_EQ(a.refs[0].where.column, 14);
  EXPECT_EQ(a.refs[1].where.line, 3);
  EXPECT_EQ(a.refs[1].where.column, 11);
}

TEST(Analyzer, NfkcNormalizedNamesMatchAsInCPython) {
  // CPython normalizes identifiers with NFKC: fullwidth letters spell `dbt`.
  PythonAnalysis a = run("x = \xEF\xBD\x84\xEF\xBD\x82\xEF\xBD\x94.ref('wide')\n");
  EXPECT_THAT(ref_names(a), ElementsAre("wide"));
}

TEST(Analyzer, Pep701FStringsHideCalls) {
  PythonAnalysis a =
      run("x = f\"{dbt.ref(\"same_quotes\")}\"\n"
          "y = f'''{\n"
          "    dbt.source('s', 't')  # a comment inside the field\n"
          "}'''\n"
          "z = f\"{f\"{dbt.config.get(\"k\")}\"}\"\n");
  EXPECT_THAT(ref_names(a), ElementsAre("same_quotes"));
  ASSERT_EQ(a.sources.size(), 1u);
  EXPECT_EQ(a.sources[0].where.line, 3);
  ASSERT_EQ(a.config_keys_used.size(), 1u);
}

// Arguments evaluated without the literal parser (one plain string token, True/False/None) and
// their look-alikes, which must keep the full literal rules.
TEST(Analyzer, SimpleArgumentsAndTheirLookAlikes) {
  auto ref_of = [](const std::string& args) {
    PythonAnalysis a = run(model("    df = dbt.ref(" + args + ")\n"));
    return a.refs.size() == 1 && a.diagnostics.empty() ? a.refs[0].name : "<" + codes(a)[0] + ">";
  };
  EXPECT_EQ(ref_of("'name'"), "name");
  EXPECT_EQ(ref_of("\"name\""), "name");
  EXPECT_EQ(ref_of("'''name'''"), "name");
  EXPECT_EQ(ref_of("\"\"\"na'me\"\"\""), "na'me");
  EXPECT_EQ(ref_of("''"), "");
  EXPECT_EQ(ref_of("'a' 'b'"), "ab");             // implicit concatenation: two tokens
  EXPECT_EQ(ref_of("'a' \"b\" '''c'''"), "abc");  // three
  EXPECT_EQ(ref_of("'a\\x41'"), "aA");            // escapes are decoded
  EXPECT_EQ(ref_of("'a\\\\b'"), "a\\b");
  EXPECT_EQ(ref_of("r'a\\d'"), "a\\d");  // raw: the backslash stays
  EXPECT_EQ(ref_of("R'a'"), "a");
  EXPECT_EQ(ref_of("u'a'"), "a");
  EXPECT_EQ(ref_of("'a',"), "a");             // trailing comma
  EXPECT_EQ(ref_of("('a')"), "a");            // parenthesized
  EXPECT_EQ(ref_of("'''a\r\nb'''"), "a\nb");  // newlines normalized inside the literal
  EXPECT_EQ(ref_of("'''a\rb'''"), "a\nb");
  EXPECT_EQ(ref_of("f'a'"), "<DBTPY120>");
  EXPECT_EQ(ref_of("'a' f'b'"), "<DBTPY120>");
  EXPECT_EQ(ref_of("b'a'"), "<DBTPY130>");
  EXPECT_EQ(ref_of("'a' + 'b'"), "<DBTPY120>");
  EXPECT_EQ(ref_of("'a'.lower()"), "<DBTPY120>");
  EXPECT_EQ(ref_of("'a'[0]"), "<DBTPY120>");
  EXPECT_EQ(ref_of("True"), "<DBTPY130>");
  EXPECT_EQ(ref_of("None"), "<DBTPY130>");

  PythonAnalysis b = run(model("    dbt.ref(b'a')\n"));
  EXPECT_THAT(messages(b), ElementsAre("The name argument to ref() must be a string, got bytes"));
  PythonAnalysis t = run(model("    dbt.ref(True)\n"));
  EXPECT_THAT(messages(t), ElementsAre("The name argument to ref() must be a string, got bool"));

  PythonAnalysis s = run(model("    dbt.source('s', \"t\")\n    dbt.source('s' 'x', r't\\\\')\n"));
  ASSERT_EQ(s.sources.size(), 2u);
  EXPECT_EQ(s.sources[0].source_name, "s");
  EXPECT_EQ(s.sources[0].table_name, "t");
  EXPECT_EQ(s.sources[1].source_name, "sx");
  EXPECT_EQ(s.sources[1].table_name, "t\\\\");

  PythonAnalysis c =
      run(model("    dbt.config(m='table', on=True, off=False, none=None, e='', q=\"x'y\", "
                "t='''a\r\nb''')\n"));
  EXPECT_TRUE(c.diagnostics.empty());
  ASSERT_EQ(c.config_calls.size(), 1u);
  EXPECT_EQ(c.config_calls[0],
            Json::parse(R"({"m": "table", "on": true, "off": false, "none": null, "e": "",
                            "q": "x'y", "t": "a\nb"})"));
  ASSERT_EQ(c.calls.size(), 1u);
  ASSERT_EQ(c.calls[0].keywords.size(), 7u);
  EXPECT_EQ(c.calls[0].keywords[0].first, "m");
  EXPECT_EQ(c.calls[0].keywords[0].second, Json("table"));
  EXPECT_EQ(c.calls[0].keywords[3].second, Json(nullptr));

  PythonAnalysis x = run(model("    dbt.config(k='a' if x else 'b')\n"));
  EXPECT_THAT(codes(x), ElementsAre("DBTPY120"));
  EXPECT_TRUE(x.config_calls.empty());
  PythonAnalysis y = run(model("    dbt.config(k=True or False)\n"));
  EXPECT_THAT(codes(y), ElementsAre("DBTPY120"));
  PythonAnalysis z = run(model("    dbt.config(k=None.x)\n"));
  EXPECT_THAT(codes(z), ElementsAre("DBTPY120"));

  PythonAnalysis g =
      run(model("    a = dbt.config.get('k', 'd')\n    b = dbt.config.get('k2', default=True)\n"
                "    c = dbt.config.meta_get(\"o\", '\\x41')\n"));
  EXPECT_TRUE(g.diagnostics.empty());
  ASSERT_EQ(g.config_keys_used.size(), 2u);
  EXPECT_EQ(g.config_keys_used[0].key, "k");
  EXPECT_EQ(g.config_keys_used[0].default_value, Json("d"));
  EXPECT_EQ(g.config_keys_used[1].default_value, Json(true));
  ASSERT_EQ(g.meta_keys_used.size(), 1u);
  EXPECT_EQ(g.meta_keys_used[0].key, "o");
  EXPECT_EQ(g.meta_keys_used[0].default_value, Json("A"));

  auto default_of = [](const std::string& arg) {
    PythonAnalysis a = run(model("    v = dbt.config.get('k', " + arg + ")\n"));
    return a.config_keys_used.size() == 1 && a.diagnostics.empty()
               ? a.config_keys_used[0].default_value
               : Json(codes(a)[0]);
  };
  EXPECT_EQ(default_of("4"), Json(4));
  EXPECT_EQ(default_of("0"), Json(0));
  EXPECT_EQ(default_of("000"), Json(0));
  EXPECT_EQ(default_of("123456789012345678"), Json(123456789012345678));
  EXPECT_EQ(default_of("9223372036854775807"), Json(INT64_MAX));  // 19 digits
  EXPECT_EQ(default_of("9223372036854775808"), Json("DBTPY121"));
  EXPECT_EQ(default_of("-4"), Json(-4));
  EXPECT_EQ(default_of("1_000"), Json(1000));
  EXPECT_EQ(default_of("0x10"), Json(16));
  EXPECT_EQ(default_of("1e3"), Json(1000.0));
  EXPECT_EQ(default_of("1."), Json(1.0));
  EXPECT_EQ(default_of("4j"), Json("DBTPY121"));
  EXPECT_EQ(default_of("4 + 1"), Json("DBTPY120"));
  EXPECT_TRUE(default_of("0.5").is_number_float());
}

// Lists of plain one-token strings (tags=[...], packages=[...]) skip the literal parser: the
// same values as the literal parser gives for the shapes next to them, which it still handles.
TEST(Analyzer, PlainStringListsAndTheirLookAlikes) {
  auto tags_of = [](const std::string& arg) {
    PythonAnalysis a = run(model("    dbt.config(tags=" + arg + ")\n"));
    return a.config_calls.size() == 1 && a.diagnostics.empty() ? a.config_calls[0]["tags"]
                                                               : Json(codes(a)[0]);
  };
  EXPECT_EQ(tags_of("[]"), Json::array());
  EXPECT_EQ(tags_of("['a']"), Json::parse(R"(["a"])"));
  EXPECT_EQ(tags_of("['a',]"), Json::parse(R"(["a"])"));
  EXPECT_EQ(tags_of("[\"a\", 'b', '''c''']"), Json::parse(R"(["a", "b", "c"])"));
  EXPECT_EQ(tags_of("[\n  'a',  # first\n  'b',\n]"), Json::parse(R"(["a", "b"])"));
  EXPECT_EQ(tags_of("['a' 'b', 'c']"), Json::parse(R"(["ab", "c"])"));  // concatenated
  EXPECT_EQ(tags_of("['a\\n', r'\\d']"), Json::parse(R"(["a\n", "\\d"])"));
  EXPECT_EQ(tags_of("['a', 1, None]"), Json::parse(R"(["a", 1, null])"));
  EXPECT_EQ(tags_of("[['a'], 'b']"), Json::parse(R"([["a"], "b"])"));
  EXPECT_EQ(tags_of("('a', 'b')"), Json::parse(R"(["a", "b"])"));
  EXPECT_EQ(tags_of("['a'] + ['b']"), Json("DBTPY120"));
  EXPECT_EQ(tags_of("['a', 'b'][0]"), Json("DBTPY120"));
  EXPECT_EQ(tags_of("['a', f'b']"), Json("DBTPY120"));
  EXPECT_EQ(tags_of("[x, 'b']"), Json("DBTPY120"));
  PythonAnalysis r = run(model("    dbt.ref(['a'])\n"));
  EXPECT_THAT(messages(r), ElementsAre("The name argument to ref() must be a string, got list"));
  PythonAnalysis c = run(model("    dbt.config(packages=['pandas', 'numpy==1.26.*'])\n"));
  ASSERT_EQ(c.calls.size(), 1u);
  ASSERT_EQ(c.calls[0].keywords.size(), 1u);
  EXPECT_EQ(c.calls[0].keywords[0].second, Json::parse(R"(["pandas", "numpy==1.26.*"])"));
}

TEST(Analyzer, ColumnsCountTabsAndNonAsciiTextBeforeTheCall) {
  PythonAnalysis a = run(
      "\t\xC3\xA9 = '\xE6\x97\xA5\xF0\x9F\x98\x80'; x = dbt.ref('a')\r"  // CR-only line end
      "y = 1\r\n"
      "z = '\xEF\xBB\xBF'; v = dbt.ref('b')\n"  // a BOM not at the start of the file is a character
      "w = dbt.ref('c')\n");
  ASSERT_EQ(a.refs.size(), 3u) << ::testing::PrintToString(messages(a));
  EXPECT_EQ(a.refs[0].where.line, 1);
  EXPECT_EQ(a.refs[0].where.column, 16);
  EXPECT_EQ(a.refs[1].where.line, 3);
  EXPECT_EQ(a.refs[1].where.column, 14);
  EXPECT_EQ(a.refs[2].where.line, 4);
  EXPECT_EQ(a.refs[2].where.column, 5);
  // BOM at the start of the file, call on the first line.
  PythonAnalysis b =
      run("\xEF\xBB\xBF"
          "dbt.ref('a')\n");
  ASSERT_EQ(b.refs.size(), 1u);
  EXPECT_EQ(b.refs[0].where.column, 1);
  PythonAnalysis c = run("\xEF\xBB\xBFx = dbt.ref('a')\n");
  ASSERT_EQ(c.refs.size(), 1u);
  EXPECT_EQ(c.refs[0].where.column, 5);
}

// analyze() keeps its token vector and scratch per thread: a file must not see anything of the
// one analyzed before it, whatever its size or outcome.
TEST(Analyzer, EachFileIsAnalyzedAfreshAfterLargeAndBrokenFiles) {
  const std::string small = model("    df = dbt.ref('small')\n");
  PythonAnalysis first = run(small);
  std::string big = "x = [\n";
  for (int i = 0; i < 100000; ++i)
    big += "    " + std::to_string(i) + ",\n";
  big += "]\n" + model("    df = dbt.ref('big')\n");
  PythonAnalysis large = run(big);
  EXPECT_TRUE(large.diagnostics.empty());
  EXPECT_THAT(ref_names(large), ElementsAre("big"));
  PythonAnalysis broken = run("x = (\n" + small);
  EXPECT_THAT(codes(broken), ElementsAre("DBTPY101"));
  PythonAnalysis nul = run(std::string("x = 1\0\n", 7));
  EXPECT_THAT(codes(nul), ElementsAre("DBTPY101"));
  PythonAnalysis again = run(small);
  EXPECT_TRUE(again.diagnostics.empty());
  EXPECT_THAT(ref_names(again), ElementsAre("small"));
  EXPECT_EQ(again.refs[0].where.line, first.refs[0].where.line);
  EXPECT_EQ(again.refs[0].where.column, first.refs[0].where.column);
  EXPECT_EQ(again.calls.size(), first.calls.size());
  EXPECT_EQ(again.model_def_line, first.model_def_line);
}

// The loader's analysis leaves out `calls` only: everything interpreted from the calls is the
// same as analyze()'s, for configs (interpreted from the JSON arguments), refs, sources, keys
// and their diagnostics.
TEST(Analyzer, WithoutCallsInterpretsTheSameCalls) {
  auto describe_analysis = [](const PythonAnalysis& a) {
    std::string s;
    for (const auto& r : a.refs) {
      s += "ref " + r.name + "|" + r.package.value_or("-") + "|" + r.version.value_or("-") + "|" +
           std::to_string(r.where.line) + ":" + std::to_string(r.where.column) +
           (r.from_docstring ? " doc\n" : "\n");
    }
    for (const auto& src : a.sources) {
      s += "source " + src.source_name + "." + src.table_name + " " +
           std::to_string(src.where.line) + "\n";
    }
    for (const auto& c : a.config_calls)
      s += "config " + c.dump() + "\n";
    for (const auto& k : a.config_keys_used)
      s +=
          "get " + k.key + "=" + k.default_value.dump() + " " + std::to_string(k.where.line) + "\n";
    for (const auto& k : a.meta_keys_used)
      s += "meta " + k.key + "=" + k.default_value.dump() + "\n";
    for (const auto& i : a.imports)
      s += "import " + i + "\n";
    for (const auto& d : a.diagnostics) {
      s += d.code + " " + std::to_string(d.line) + ":" + std::to_string(d.column) + " " +
           d.message + "\n";
    }
    return s + "def " + std::to_string(a.model_def_line) + (a.empty_module ? " empty" : "");
  };
  for (const char* src : {
           "'''\n- ref('doc_model')\n- source('s', 't')\n'''\nimport pandas as pd\n"
           "def model(dbt, session):\n"
           "    dbt.config(materialized='incremental', tags=['a', 'b'], meta={'x': [1, 2.5]},\n"
           "               packages=['numpy==1.26.*'], grants={'select': ['r']}, n=None)\n"
           "    dbt.config({'alias': 'al', 'unique_key': ['id', 'ts']})\n"
           "    a = dbt.ref('a')\n    b = dbt.ref('pkg', 'b', v=2)\n"
           "    c = dbt.source('raw', 'events')\n"
           "    days = dbt.config.get('lookback', 3)\n"
           "    owner = dbt.config.meta_get('owner', {'team': 'x'})\n"
           "    return a\n",
           "def model(dbt, session):\n    dbt.config(materialized=name)\n"
           "    x = dbt.ref(f'{name}')\n    y = dbt.source('only_one')\n"
           "    dbt.config(**opts)\n    return x\n",
           "x = dbt.ref('a', v=1)\ndbt.config(materialized='view')\ny = 1 +\n",
       }) {
    PythonAnalysis full = analyze(src, "models/m.py");
    PythonAnalysis lean = analyze_without_calls(src, "models/m.py");
    EXPECT_FALSE(full.calls.empty()) << src;
    EXPECT_TRUE(lean.calls.empty()) << src;
    EXPECT_EQ(describe_analysis(lean), describe_analysis(full)) << src;
  }
}

}  // namespace
}  // namespace dbtpy::compiler::python
