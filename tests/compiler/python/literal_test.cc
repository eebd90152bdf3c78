// Literal evaluation of dbt.* call arguments: Python's exact string decoding, numbers, containers
// and the JSON mapping; and what is rejected (with dbt Fusion's messages).
#include "compiler/python/literal.h"

#include <gtest/gtest.h>

#include <string>

#include "compiler/python/analysis.h"

namespace dbtpy::compiler::python {
namespace {

std::string decode(std::string_view token) {
  std::string out, error;
  bool bytes = false;
  EXPECT_TRUE(decode_string_token(token, out, bytes, error)) << token << ": " << error;
  return out;
}

// The value of `x` in `dbt.config(x=<literal>)`.
Json value_of(const std::string& literal) {
  PythonAnalysis a = analyze("dbt.config(x=" + literal + ")\n", "m.py");
  EXPECT_EQ(a.calls.size(), 1u) << literal;
  if (a.calls.empty()) return nullptr;
  EXPECT_TRUE(a.calls[0].args_evaluated) << literal;
  return a.calls[0].keywords.at(0).second;
}

// The first diagnostic for `dbt.ref(<expr>)`.
Diagnostic error_of(const std::string& expr) {
  PythonAnalysis a = analyze("dbt.ref(" + expr + ")\n", "m.py");
  for (const Diagnostic& d : a.diagnostics) {
    if (d.code != "DBTPY110") return d;
  }
  ADD_FAILURE() << "no error for " << expr;
  return {};
}

TEST(Literal, StringEscapesDecodeExactlyAsPython) {
  EXPECT_EQ(decode(R"('a\nb\tc\\d\'e\"f')"), "a\nb\tc\\d'e\"f");
  EXPECT_EQ(decode(R"('\a\b\f\v\r\0')"), std::string("\a\b\f\v\r\0", 6));
  EXPECT_EQ(decode(R"('\x41\101\7\u00e9\U0001F600')"), "AA\x07\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(decode(R"('\777')"), "\xC7\xBF");       // octal up to 0o777 is a code point
  EXPECT_EQ(decode(R"('\d\q')"), R"(\d\q)");        // unknown escapes keep the backslash
  EXPECT_EQ(decode("'a\\\nb'"), "ab");              // escaped newline joins
  EXPECT_EQ(decode("'''a\r\nb\rc'''"), "a\nb\nc");  // newlines normalized as CPython reads
  EXPECT_EQ(decode(R"(r'\n\x')"), R"(\n\x)");
  EXPECT_EQ(decode(R"(R"\"")"), R"(\")");
  EXPECT_EQ(decode(R"(u'caf\xe9')"), "caf\xC3\xA9");
  EXPECT_EQ(decode("\"\"\"triple \"quoted\" \"\"\""), "triple \"quoted\" ");
  EXPECT_EQ(decode("''"), "");
  EXPECT_EQ(decode("''''''"), "");
}

TEST(Literal, BytesDecodeToTheirBytes) {
  std::string out, error;
  bool bytes = false;
  ASSERT_TRUE(decode_string_token(R"(b'\xff\x00A\u00e9')", out, bytes, error));
  EXPECT_TRUE(bytes);
  EXPECT_EQ(out, std::string("\xFF\0A\\u00e9", 9));
  // JSON: valid UTF-8 stays as is, anything else maps each byte to the same code point.
  EXPECT_EQ(value_of("b'abc'"), "abc");
  EXPECT_EQ(value_of("b'\\xc3\\xa9'"), "\xC3\xA9");
  EXPECT_EQ(value_of("b'\\xff'"), "\xC3\xBF");
}

TEST(Literal, BadEscapesAreErrors) {
  for (const char* token :
       {R"('\x4')", R"('\u12')", R"('\U0011ffff')", R"('\N{BULLET}')", R"('\ud800')"}) {
    std::string out, error;
    bool bytes = false;
    EXPECT_FALSE(decode_string_token(token, out, bytes, error)) << token;
    EXPECT_FALSE(error.empty());
  }
}

TEST(Literal, ImplicitConcatenationIsJoined) {
  EXPECT_EQ(value_of("'a' \"b\" '''c''' r'\\d'"), "abc\\d");
  EXPECT_EQ(value_of("('multi'\n 'line')"), "multiline");
}

TEST(Literal, Numbers) {
  EXPECT_EQ(value_of("0"), 0);
  EXPECT_EQ(value_of("1_000"), 1000);
  EXPECT_EQ(value_of("0x_FF"), 255);
  EXPECT_EQ(value_of("0o17"), 15);
  EXPECT_EQ(value_of("0b101"), 5);
  EXPECT_EQ(value_of("-5"), -5);
  EXPECT_EQ(value_of("+5"), 5);
  EXPECT_EQ(value_of("-(5)"), -5);
  EXPECT_EQ(value_of("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(value_of("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(value_of("1.5"), 1.5);
  EXPECT_EQ(value_of("-2.5e-3"), -2.5e-3);
  EXPECT_EQ(value_of("1_0.0_1"), 10.01);
  EXPECT_EQ(value_of(".5"), 0.5);
  EXPECT_EQ(value_of("3."), 3.0);
  EXPECT_EQ(value_of("1e-400"), 0.0);
}

TEST(Literal, Containers) {
  EXPECT_EQ(value_of("[1, 'a', None, True, False]"), Json::parse(R"([1, "a", null, true, false])"));
  EXPECT_EQ(value_of("(1,)"), Json::parse("[1]"));
  EXPECT_EQ(value_of("()"), Json::array());
  EXPECT_EQ(value_of("{3, 1, 2}"), Json::parse("[3, 1, 2]"));  // source order
  EXPECT_EQ(value_of("{}"), Json::object());
  EXPECT_EQ(value_of("{'a': [1, {'b': (2, 3)}], 'c': {}}"),
            Json::parse(R"({"a": [1, {"b": [2, 3]}], "c": {}})"));
  // Non-str keys become Python's str() of the key.
  EXPECT_EQ(value_of("{1: 'a', 1.5: 'b', True: 'c', None: 'd', (1, 'x'): 'e', b'k': 'f'}"),
            Json::parse(R"json({"1": "a", "1.5": "b", "True": "c", "None": "d",
                                "(1, 'x')": "e", "b'k'": "f"})json"));
  EXPECT_EQ(value_of("[1, 2,]"), Json::parse("[1, 2]"));
  EXPECT_EQ(value_of("((('deep',),),)"), Json::parse(R"([[["deep"]]])"));
}

TEST(Literal, NonLiteralsUseDbtsMessage) {
  for (const char* expr :
       {"name", "f(1)", "'a' + 'b'", "'a'.upper()", "[x for x in y]", "a if b else c", "lambda: 1",
        "[*a]", "(1, x)", "x[0]", "1 < 2", "(yield)", "...", "{'a': b}", "'a' * 2"}) {
    Diagnostic d = error_of(expr);
    EXPECT_EQ(d.code, "DBTPY120") << expr;
    EXPECT_NE(d.message.find("Non-literal expression found. In dbt python model, `dbt.ref`, "
                             "`dbt.source`, `dbt.config`, `dbt.config.get` function args only "
                             "support Python literal structures"),
              std::string::npos)
        << expr << ": " << d.message;
  }
  EXPECT_NE(error_of("f'{x}'").message.find("F-strings are not supported"), std::string::npos);
  EXPECT_NE(error_of("{**d}").message.find("Dictionary unpacking (**dict) is not supported"),
            std::string::npos);
  EXPECT_NE(error_of("-x").message.find("Unary minus only works on numbers"), std::string::npos);
  EXPECT_NE(error_of("not 1").message.find("Only unary + and - are supported"), std::string::npos);
  EXPECT_NE(error_of("{[1]: 2}").message.find("unhashable type: 'list'"), std::string::npos);
}

TEST(Literal, UnrepresentableLiteralsAreClearErrors) {
  Diagnostic big = error_of("9223372036854775808");
  EXPECT_EQ(big.code, "DBTPY121");
  EXPECT_NE(big.message.find("Integer too large"), std::string::npos);
  EXPECT_EQ(error_of("1j").code, "DBTPY121");
  EXPECT_NE(error_of("1j").message.find("Complex numbers are not supported"), std::string::npos);
  EXPECT_EQ(error_of("1e999").code, "DBTPY121");
  EXPECT_EQ(error_of("'\\N{BULLET}'").code, "DBTPY121");
}

TEST(Literal, ErrorPointsAtTheOffendingExpression) {
  PythonAnalysis a =
      analyze("def model(dbt, s):\n    return dbt.ref('a',\n        [1, name])\n", "m.py");
  ASSERT_EQ(a.diagnostics.size(), 1u);
  EXPECT_EQ(a.diagnostics[0].line, 3);
  EXPECT_EQ(a.diagnostics[0].column, 13);
}

TEST(Literal, PythonStrAndRepr) {
  auto str_of = [](const std::string& literal) {
    PythonAnalysis a = analyze("dbt.ref('m', v=" + literal + ")\n", "m.py");
    EXPECT_EQ(a.refs.size(), 1u) << literal;
    return a.refs.empty() || !a.refs[0].version ? std::string() : *a.refs[0].version;
  };
  EXPECT_EQ(str_of("1"), "1");
  EXPECT_EQ(str_of("'v1'"), "v1");
  EXPECT_EQ(str_of("1.0"), "1.0");
  EXPECT_EQ(str_of("2.5"), "2.5");
  EXPECT_EQ(str_of("0.1"), "0.1");
  EXPECT_EQ(str_of("1e16"), "1e+16");
  EXPECT_EQ(str_of("1e15"), "1000000000000000.0");
  EXPECT_EQ(str_of("1.5e-5"), "1.5e-05");
  EXPECT_EQ(str_of("0.0001"), "0.0001");
  EXPECT_EQ(str_of("-0.0"), "-0.0");
  EXPECT_EQ(str_of("123456789.125"), "123456789.125");
  EXPECT_EQ(str_of("0x10"), "16");
  PyValue s;
  s.type = PyValue::Type::kStr;
  s.text = "it's";
  EXPECT_EQ(python_repr(s), "\"it's\"");
  s.text = "a'b\"c\n\x01";
  EXPECT_EQ(python_repr(s), "'a\\'b\"c\\n\\x01'");
}

}  // namespace
}  // namespace dbtpy::compiler::python
