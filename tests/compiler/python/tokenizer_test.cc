// Tokenizer: every lexical feature of CPython 3.12 the analyzer must follow, and the lexical
// errors with CPython's line:col.
#include "compiler/python/tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <string>
#include <vector>

#include "compiler/python/source_position.h"

namespace dbtpy::compiler::python {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<Tok> kinds(std::string_view src) {
  TokenizeResult r = tokenize(src);
  EXPECT_FALSE(r.error.present) << r.error.message;
  std::vector<Tok> out;
  for (const Token& t : r.tokens)
    out.push_back(t.kind);
  return out;
}

std::vector<std::string> texts(std::string_view src) {
  TokenizeResult r = tokenize(src);
  EXPECT_FALSE(r.error.present) << r.error.message;
  std::vector<std::string> out;
  for (const Token& t : r.tokens) {
    if (t.kind == Tok::kNewline || t.kind == Tok::kEndMarker || t.kind == Tok::kIndent ||
        t.kind == Tok::kDedent) {
      continue;
    }
    out.emplace_back(t.text(src));
  }
  return out;
}

struct Err {
  int line;
  int col;
  std::string message;
};
Err error_of(std::string_view src) {
  TokenizeResult r = tokenize(src);
  EXPECT_TRUE(r.error.present) << "no error for: " << src;
  return Err{static_cast<int>(r.error.line), column_of(src, r.error.offset), r.error.message};
}

TEST(Tokenizer, SimpleStatement) {
  EXPECT_THAT(kinds("x = 1\n"),
              ElementsAre(Tok::kName, Tok::kEqual, Tok::kNumber, Tok::kNewline, Tok::kEndMarker));
}

TEST(Tokenizer, MissingFinalNewlineStillEndsTheLine) {
  EXPECT_THAT(kinds("x"), ElementsAre(Tok::kName, Tok::kNewline, Tok::kEndMarker));
  EXPECT_THAT(kinds(""), ElementsAre(Tok::kEndMarker));
  EXPECT_THAT(kinds("# only a comment"), ElementsAre(Tok::kEndMarker));
}

TEST(Tokenizer, EveryStringPrefixInAnyCase) {
  for (const char* prefix :
       {"r", "u", "R", "U", "b", "B", "br", "Br", "bR", "BR", "rb", "rB", "Rb", "RB"}) {
    std::string src = std::string("x = ") + prefix + "'a'\n";
    EXPECT_THAT(kinds(src),
                ElementsAre(Tok::kName, Tok::kEqual, Tok::kString, Tok::kNewline, Tok::kEndMarker))
        << prefix;
  }
  for (const char* prefix : {"f", "F", "fr", "Fr", "fR", "FR", "rf", "rF", "Rf", "RF"}) {
    std::string src = std::string("x = ") + prefix + "'a'\n";
    EXPECT_THAT(kinds(src), ElementsAre(Tok::kName, Tok::kEqual, Tok::kFStringStart,
                                        Tok::kFStringEnd, Tok::kNewline, Tok::kEndMarker))
        << prefix;
  }
  // Not prefixes: a name followed by a string (a syntax error for the parser).
  EXPECT_THAT(texts("ub'a'\n"), ElementsAre("ub", "'a'"));
  EXPECT_THAT(texts("bf'a'\n"), ElementsAre("bf", "'a'"));
  EXPECT_THAT(texts("rr'a'\n"), ElementsAre("rr", "'a'"));
}

TEST(Tokenizer, QuotesEscapesAndTripleQuotes) {
  EXPECT_THAT(texts(R"(a = 'it\'s' "say \"hi\"" '\\')"),
              ElementsAre("a", "=", R"('it\'s')", R"("say \"hi\"")", R"('\\')"));
  std::string triple = "x = '''a\n'' ' \\''' b\n'''\ny\n";
  TokenizeResult r = tokenize(triple);
  ASSERT_FALSE(r.error.present);
  EXPECT_EQ(r.tokens[2].kind, Tok::kString);
  EXPECT_EQ(r.tokens[2].text(triple), "'''a\n'' ' \\''' b\n'''");
  EXPECT_EQ(r.tokens[4].text(triple), "y");
  EXPECT_EQ(r.tokens[4].line, 4u);  // lines inside the string are counted
  // A raw string still cannot end with an odd backslash before the quote.
  EXPECT_THAT(texts(R"(r'\'' + r"\\")"), ElementsAre(R"(r'\'')", "+", R"(r"\\")"));
}

TEST(Tokenizer, FStringsNestSameQuotesPep701) {
  std::string src = "x = f\"{f\"{y}\"}\"\n";
  EXPECT_THAT(kinds(src), ElementsAre(Tok::kName, Tok::kEqual, Tok::kFStringStart, Tok::kLBrace,
                                      Tok::kFStringStart, Tok::kLBrace, Tok::kName, Tok::kRBrace,
                                      Tok::kFStringEnd, Tok::kRBrace, Tok::kFStringEnd,
                                      Tok::kNewline, Tok::kEndMarker));
}

TEST(Tokenizer, FStringDoubledBracesAreText) {
  EXPECT_THAT(kinds("f'{{x}} }} {{'\n"),
              ElementsAre(Tok::kFStringStart, Tok::kFStringEnd, Tok::kNewline, Tok::kEndMarker));
}

TEST(Tokenizer, FStringFormatSpecWithNestedFieldsConversionAndDebug) {
  EXPECT_THAT(texts("f'{x=!r:>{width}.{p}f} {y:=10} {a!=b}'\n"),
              ElementsAre("f'", "{", "x", "=", "!", "r", ":", "{", "width", "}", "{", "p", "}", "}",
                          "{", "y", ":", "}", "{", "a", "!=", "b", "}", "'"));
  // A dict or lambda inside brackets keeps its colon.
  EXPECT_THAT(texts("f'{(lambda: 1)()}{ {1: 2}[1] }'\n"),
              ElementsAre("f'", "{", "(", "lambda", ":", "1", ")", "(", ")", "}", "{", "{", "1",
                          ":", "2", "}", "[", "1", "]", "}", "'"));
}

TEST(Tokenizer, FStringNamedEscapeBracesAreNotAField) {
  EXPECT_THAT(texts("f'\\N{BULLET} {x}'\n"), ElementsAre("f'", "{", "x", "}", "'"));
  // In a raw f-string \N is not an escape: the brace opens a field.
  EXPECT_THAT(texts("rf'\\N{x}'\n"), ElementsAre("rf'", "{", "x", "}", "'"));
}

TEST(Tokenizer, MultiLineFStringWithCommentsInFields) {
  std::string src = "x = f'''\n{\n  a # comment }\n  + 1\n}\n'''\ny\n";
  TokenizeResult r = tokenize(src);
  ASSERT_FALSE(r.error.present) << r.error.message;
  EXPECT_EQ(r.tokens[r.tokens.size() - 3].text(src), "y");
  EXPECT_EQ(r.tokens[r.tokens.size() - 3].line, 7u);
}

TEST(Tokenizer, ExplicitAndImplicitLineJoining) {
  EXPECT_THAT(kinds("x = 1 + \\\n  2\n"),
              ElementsAre(Tok::kName, Tok::kEqual, Tok::kNumber, Tok::kPlus, Tok::kNumber,
                          Tok::kNewline, Tok::kEndMarker));
  EXPECT_THAT(kinds("x = (1,\n\n  # c\n      2)\n"),
              ElementsAre(Tok::kName, Tok::kEqual, Tok::kLPar, Tok::kNumber, Tok::kComma,
                          Tok::kNumber, Tok::kRPar, Tok::kNewline, Tok::kEndMarker));
}

TEST(Tokenizer, IndentDedentAndBlankLines) {
  EXPECT_THAT(kinds("if x:\n    y\n\n  # c\n    z\nw\n"),
              ElementsAre(Tok::kIf, Tok::kName, Tok::kColon, Tok::kNewline, Tok::kIndent,
                          Tok::kName, Tok::kNewline, Tok::kName, Tok::kNewline, Tok::kDedent,
                          Tok::kName, Tok::kNewline, Tok::kEndMarker));
  // Dedents at the end of the file.
  EXPECT_THAT(kinds("if x:\n  if y:\n    z"),
              ElementsAre(Tok::kIf, Tok::kName, Tok::kColon, Tok::kNewline, Tok::kIndent, Tok::kIf,
                          Tok::kName, Tok::kColon, Tok::kNewline, Tok::kIndent, Tok::kName,
                          Tok::kNewline, Tok::kDedent, Tok::kDedent, Tok::kEndMarker));
}

TEST(Tokenizer, TabsCountToMultiplesOfEight) {
  // A tab then the same tab: consistent.
  EXPECT_FALSE(tokenize("if x:\n\ty\n\tz\n").error.present);
  // Tab vs 8 spaces: same column with tab size 8 but not with tab size 1 -> TabError.
  Err e = error_of("if x:\n\ty\n        z\n");
  EXPECT_EQ(e.message, "inconsistent use of tabs and spaces in indentation");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.col, 1);
  // Spaces then a tab that lands deeper in both measures is fine.
  EXPECT_FALSE(tokenize("if x:\n  y\n  if z:\n  \tw\n").error.present);
}

TEST(Tokenizer, FormFeedResetsIndentation) {
  EXPECT_FALSE(tokenize("\fx = 1\n  \fy = 2\n").error.present);
  // CPython 3.12 also accepts a line break in a single-quoted f-string's format spec.
  EXPECT_FALSE(tokenize("f'{x:\n}'\n").error.present);
}

TEST(Tokenizer, CrLfAndCrLineEndings) {
  std::string crlf = "a = 1\r\nif a:\r\n    b = '''x\r\ny'''\r\nc\r\n";
  TokenizeResult r = tokenize(crlf);
  ASSERT_FALSE(r.error.present);
  EXPECT_EQ(r.tokens[r.tokens.size() - 3].text(crlf), "c");
  EXPECT_EQ(r.tokens[r.tokens.size() - 3].line, 5u);
  std::string cr = "a = 1\rb = (2,\r3)\rc\r";
  r = tokenize(cr);
  ASSERT_FALSE(r.error.present);
  EXPECT_EQ(r.tokens[r.tokens.size() - 3].line, 4u);
}

TEST(Tokenizer, BomIsSkippedAndNotAColumn) {
  std::string src = "\xEF\xBB\xBFx = (\n";
  Err e = error_of(src);
  EXPECT_EQ(e.line, 1);
  EXPECT_EQ(e.col, 5);
  EXPECT_THAT(kinds("\xEF\xBB\xBFx\n"), ElementsAre(Tok::kName, Tok::kNewline, Tok::kEndMarker));
}

TEST(Tokenizer, Numbers) {
  for (const char* n :
       {"0",      "00",   "0_0",  "7",    "1_000_000", "0x_FF", "0XaB", "0o17",         "0O_7",
        "0b1010", "0B_1", "1.5",  "1.",   ".5",        "1e10",  "1E-5", "1_0.0_1e+1_0", "1j",
        "1.5J",   "0j",   "00.5", "09.5", "0777e1",    "0777j", "1e1j"}) {
    std::string src = std::string("x = ") + n + "\n";
    TokenizeResult r = tokenize(src);
    ASSERT_FALSE(r.error.present) << n << ": " << r.error.message;
    EXPECT_EQ(r.tokens[2].kind, Tok::kNumber) << n;
    EXPECT_EQ(r.tokens[2].text(src), n);
  }
  // Keywords glued to a number are allowed (CPython warns).
  EXPECT_THAT(texts("x = 1if y else 2\n"), ElementsAre("x", "=", "1", "if", "y", "else", "2"));
  EXPECT_THAT(texts("x = [0x1for x in y]\n"),
              ElementsAre("x", "=", "[", "0x1f", "or", "x", "in", "y", "]"));
}

struct LexErrorCase {
  const char* src;
  int line;
  int col;
  const char* message;
};

// Names the case in test listings by its message (letters and digits only).
void PrintTo(const LexErrorCase& c, std::ostream* os) {
  for (const char* p = c.message; *p; ++p)
    *os << (std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_');
}

class LexErrors : public ::testing::TestWithParam<LexErrorCase> {};

TEST_P(LexErrors, ReportedWithCPythonsLineAndColumn) {
  const LexErrorCase& c = GetParam();
  Err e = error_of(c.src);
  EXPECT_EQ(e.line, c.line) << c.src;
  EXPECT_EQ(e.col, c.col) << c.src;
  EXPECT_THAT(e.message, HasSubstr(c.message)) << c.src;
}

INSTANTIATE_TEST_SUITE_P(
    All, LexErrors,
    ::testing::Values(
        LexErrorCase{"x = \"abc\n", 1, 5, "unterminated string literal (detected at line 1)"},
        LexErrorCase{"x = '''abc\n", 1, 5, "unterminated triple-quoted string literal"},
        LexErrorCase{"x = f\"abc\n", 1, 5, "unterminated f-string literal"},
        LexErrorCase{"x = f'''ab{c}\n", 1, 5, "unterminated triple-quoted f-string literal"},
        LexErrorCase{"x = (1,\n", 1, 5, "'(' was never closed"},
        LexErrorCase{"x = (1]", 1, 7,
                     "closing parenthesis ']' does not match opening "
                     "parenthesis '('"},
        LexErrorCase{"x = (\n1]", 2, 2, "does not match opening parenthesis '(' on line 1"},
        LexErrorCase{"x = 1)", 1, 6, "unmatched ')'"},
        LexErrorCase{"if x:\n  a\n b\n", 3, 3, "unindent does not match any outer"},
        LexErrorCase{"x = 0x", 1, 6, "invalid hexadecimal literal"},
        LexErrorCase{"x = 07", 1, 5, "leading zeros in decimal integer literals"},
        LexErrorCase{"x = 1_", 1, 6, "invalid decimal literal"},
        LexErrorCase{"x = 1__0", 1, 6, "invalid decimal literal"},
        LexErrorCase{"x = 1e", 1, 5, "invalid decimal literal"},
        LexErrorCase{"x = 0o8", 1, 7, "invalid digit '8' in octal literal"},
        LexErrorCase{"x = 0b12", 1, 8, "invalid digit '2' in binary literal"},
        LexErrorCase{"x=1abc", 1, 3, "invalid decimal literal"},
        LexErrorCase{"x = 1Jcc", 1, 6, "invalid imaginary literal"},
        LexErrorCase{"x = 2.h", 1, 6, "invalid decimal literal"},
        LexErrorCase{"x = 1ort", 1, 5, "invalid decimal literal"},
        LexErrorCase{"x = \\ y", 1, 6, "unexpected character after line continuation"},
        LexErrorCase{"x = \xE2\x82\xAC", 1, 5, "invalid character '\xE2\x82\xAC' (U+20AC)"},
        LexErrorCase{"a\x01", 1, 2, "invalid non-printable character U+0001"},
        LexErrorCase{"x = 'caf\xE9'", 1, 5, "utf-8"},
        LexErrorCase{"x = b'\xC3\xA9'\n", 1, 5, "bytes can only contain ASCII literal characters"},
        LexErrorCase{"f'a}'", 1, 4, "f-string: single '}' is not allowed"}));

TEST(Tokenizer, InvalidEscapesAreErrorsAtTheLiteral) {
  for (const char* src : {"x = 'a\\x4'\n", "x = 'a\\u12'\n", "x = '\\U00110000'\n", "x = '\\N{'\n",
                          "x = '\\N{}'\n", "x = '\\Nx'\n", "x = b'\\xg0'\n"}) {
    Err e = error_of(src);
    EXPECT_EQ(e.line, 1) << src;
    EXPECT_EQ(e.col, 5) << src;
    EXPECT_THAT(e.message, HasSubstr("escape")) << src;
  }
  EXPECT_THAT(error_of("x = f'{a}\\x4'\n").message, HasSubstr("truncated \\xXX escape"));
  // Not escapes there: raw strings, \u and \N in bytes; unknown escapes are kept.
  for (const char* src :
       {"x = r'\\x'\n", "x = b'\\u12\\N'\n", "x = rf'\\x{a}'\n", "x = '\\q\\d'\n"}) {
    EXPECT_FALSE(tokenize(src).error.present) << src;
  }
}

TEST(Tokenizer, NullBytesAreErrors) {
  for (std::string src :
       {std::string("x = 'a\0'\n", 9), std::string("x = 1 \0\n", 9), std::string("# c\0\n", 6)}) {
    TokenizeResult r = tokenize(src);
    ASSERT_TRUE(r.error.present);
    EXPECT_EQ(r.error.message, "source code cannot contain null bytes");
  }
  // Checked before anything else, as CPython does: an earlier syntax error does not hide it.
  TokenizeResult r = tokenize(std::string("x = (\n$\ny = 1\0\n", 14));
  ASSERT_TRUE(r.error.present);
  EXPECT_EQ(r.error.message, "source code cannot contain null bytes");
  EXPECT_EQ(r.error.line, 3u);
}

TEST(Tokenizer, NonAsciiIdentifiersPep3131) {
  EXPECT_THAT(texts("caf\xC3\xA9 = \xE5\x8F\x98\xE9\x87\x8F + \xE2\x84\x8C_1\n"),
              ElementsAre("caf\xC3\xA9", "=", "\xE5\x8F\x98\xE9\x87\x8F", "+", "\xE2\x84\x8C_1"));
  // A combining mark may continue but not start an identifier.
  EXPECT_THAT(texts("e\xCC\x81 = 1\n"), ElementsAre("e\xCC\x81", "=", "1"));
  Err e = error_of("\xCC\x81x = 1\n");
  EXPECT_THAT(e.message, HasSubstr("invalid character"));
  EXPECT_EQ(e.col, 1);
}

TEST(Tokenizer, NestingLimitsAsCPython) {
  std::string ok = std::string(200, '(') + std::string(200, ')') + "\n";
  EXPECT_FALSE(tokenize(ok).error.present);
  std::string deep = std::string(201, '(') + std::string(201, ')') + "\n";
  TokenizeResult r = tokenize(deep);
  ASSERT_TRUE(r.error.present);
  EXPECT_TRUE(r.error.too_deep);
  EXPECT_EQ(r.error.message, "too many nested parentheses");
  std::string indents;
  for (int i = 0; i < 100; ++i)
    indents += std::string(static_cast<size_t>(i), ' ') + "if x:\n";
  indents += std::string(100, ' ') + "pass\n";
  r = tokenize(indents);
  ASSERT_TRUE(r.error.present);
  EXPECT_EQ(r.error.message, "too many levels of indentation");
}

TEST(Tokenizer, HugeStringIsOneToken) {
  std::string src = "x = '" + std::string(1 << 20, 'a') + "'\n";
  TokenizeResult r = tokenize(src);
  ASSERT_FALSE(r.error.present);
  EXPECT_EQ(r.tokens.size(), 5u);
}

// The hot loop's fast paths end exactly where CPython's rules say, also at the buffer's end.

TEST(Tokenizer, NamesBeforeQuotesAreStringPrefixesOnlyWhenShortAndValid) {
  EXPECT_THAT(texts("x = rb'a' + Rb\"b\" + f'c' + u'd'\n"),
              ElementsAre("x", "=", "rb'a'", "+", "Rb\"b\"", "+", "f'", "'", "+", "u'd'"));
  // Not a prefix: a name (or keyword), then the string.
  EXPECT_THAT(
      texts("x = ab'a', abc\"b\", ur'c', fu'd'\n"),
      ElementsAre("x", "=", "ab", "'a'", ",", "abc", "\"b\"", ",", "ur", "'c'", ",", "fu", "'d'"));
  EXPECT_THAT(kinds("if'a':\n  pass\n"),
              ElementsAre(Tok::kIf, Tok::kString, Tok::kColon, Tok::kNewline, Tok::kIndent,
                          Tok::kPass, Tok::kNewline, Tok::kDedent, Tok::kEndMarker));
  EXPECT_THAT(texts("x = abcdefghijklmnopq'a'\n"),
              ElementsAre("x", "=", "abcdefghijklmnopq", "'a'"));
}

TEST(Tokenizer, NonAsciiRightAfterAsciiContinuesTheName) {
  const std::string src = "ab\xC3\xA9 = if\xC3\xA9 + abcdefghijklmnopq\xC3\xA9 + x\xCC\x81\n";
  TokenizeResult r = tokenize(src);
  ASSERT_FALSE(r.error.present) << r.error.message;
  EXPECT_THAT(texts(src), ElementsAre("ab\xC3\xA9", "=", "if\xC3\xA9", "+",
                                      "abcdefghijklmnopq\xC3\xA9", "+", "x\xCC\x81"));
  EXPECT_EQ(r.tokens[0].kind, Tok::kName);
  EXPECT_EQ(r.tokens[0].flags, kNonAscii);
  EXPECT_EQ(r.tokens[2].kind, Tok::kName);  // not the keyword `if`
  EXPECT_EQ(r.tokens[2].flags, kNonAscii);
  EXPECT_EQ(r.tokens[1].flags, 0);
  // A character that cannot continue a name is an error at that character.
  Err e = error_of("x = ab\xE2\x82\xAC\n");
  EXPECT_THAT(e.message, HasSubstr("invalid character"));
  EXPECT_EQ(e.col, 7);
}

TEST(Tokenizer, RunsEndingExactlyAtTheEndOfTheSource) {
  for (std::string name : {"a", "if", "ab", "continue", "nonlocal", "abcdefghijklmno",
                           "abcdefghijklmnop", "abcdefghijklmnopqrstuvwxyz0123456789"}) {
    const std::string src = "x = " + name;
    TokenizeResult r = tokenize(src);
    ASSERT_FALSE(r.error.present) << name << ": " << r.error.message;
    ASSERT_EQ(r.tokens.size(), 5u) << name;
    EXPECT_EQ(r.tokens[2].text(src), name);
    EXPECT_EQ(r.tokens[3].kind, Tok::kNewline);
    EXPECT_EQ(r.tokens[3].begin, src.size());
  }
  EXPECT_THAT(kinds("x = y   "),
              ElementsAre(Tok::kName, Tok::kEqual, Tok::kName, Tok::kNewline, Tok::kEndMarker));
  EXPECT_THAT(kinds("x = y" + std::string(40, ' ')),
              ElementsAre(Tok::kName, Tok::kEqual, Tok::kName, Tok::kNewline, Tok::kEndMarker));
  EXPECT_THAT(texts("x = 'abc'"), ElementsAre("x", "=", "'abc'"));
  EXPECT_THAT(texts("x = 12.5"), ElementsAre("x", "=", "12.5"));
  EXPECT_THAT(texts("x = (1)"), ElementsAre("x", "=", "(", "1", ")"));
  // A comment at the end without a line break; the last line break and its indentation.
  EXPECT_THAT(kinds("x = 1  # note"),
              ElementsAre(Tok::kName, Tok::kEqual, Tok::kNumber, Tok::kNewline, Tok::kEndMarker));
  EXPECT_THAT(kinds("if x:\n    y\n# c"),
              ElementsAre(Tok::kIf, Tok::kName, Tok::kColon, Tok::kNewline, Tok::kIndent,
                          Tok::kName, Tok::kNewline, Tok::kDedent, Tok::kEndMarker));
  EXPECT_THAT(kinds("if x:\n    y\n    "),
              ElementsAre(Tok::kIf, Tok::kName, Tok::kColon, Tok::kNewline, Tok::kIndent,
                          Tok::kName, Tok::kNewline, Tok::kDedent, Tok::kEndMarker));
  // Keywords are whole names only.
  EXPECT_THAT(
      kinds("continues None_ Trues nonlocals"),
      ElementsAre(Tok::kName, Tok::kName, Tok::kName, Tok::kName, Tok::kNewline, Tok::kEndMarker));
}

TEST(Tokenizer, IndentationAfterLineBreaksWithTabsFormFeedsAndBlankLines) {
  // Spaces only (the inline path), blank and comment lines in between.
  EXPECT_THAT(kinds("if a:\n    b\n\n      \n    # c\n    c\nd\n"),
              ElementsAre(Tok::kIf, Tok::kName, Tok::kColon, Tok::kNewline, Tok::kIndent,
                          Tok::kName, Tok::kNewline, Tok::kName, Tok::kNewline, Tok::kDedent,
                          Tok::kName, Tok::kNewline, Tok::kEndMarker));
  // A tab: column 8 for the indentation, 1 for the tab-size-1 check; the same column reached
  // with spaces only is inconsistent, as in CPython.
  EXPECT_THAT(kinds("if a:\n\tb\n\tc\nd\n"),
              ElementsAre(Tok::kIf, Tok::kName, Tok::kColon, Tok::kNewline, Tok::kIndent,
                          Tok::kName, Tok::kNewline, Tok::kName, Tok::kNewline, Tok::kDedent,
                          Tok::kName, Tok::kNewline, Tok::kEndMarker));
  for (const char* src : {"if a:\n\tb\n        c\n", "if a:\n\tb\n    \tc\n"}) {
    Err tab = error_of(src);
    EXPECT_EQ(tab.message, "inconsistent use of tabs and spaces in indentation") << src;
    EXPECT_EQ(tab.line, 3) << src;
  }
  // A form feed resets the column.
  EXPECT_THAT(
      kinds("if a:\n    b\n  \f    c\n"),
      ElementsAre(Tok::kIf, Tok::kName, Tok::kColon, Tok::kNewline, Tok::kIndent, Tok::kName,
                  Tok::kNewline, Tok::kName, Tok::kNewline, Tok::kDedent, Tok::kEndMarker));
  // Dedents to an outer level, several at once, and to a level that does not exist.
  EXPECT_THAT(
      kinds("if a:\n  if b:\n    c\nd\n"),
      ElementsAre(Tok::kIf, Tok::kName, Tok::kColon, Tok::kNewline, Tok::kIndent, Tok::kIf,
                  Tok::kName, Tok::kColon, Tok::kNewline, Tok::kIndent, Tok::kName, Tok::kNewline,
                  Tok::kDedent, Tok::kDedent, Tok::kName, Tok::kNewline, Tok::kEndMarker));
  Err e = error_of("if a:\n    b\n  c\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_THAT(e.message, HasSubstr("unindent does not match"));
  // CR and CRLF line ends take the general path with the same result.
  EXPECT_EQ(kinds("if a:\r\n    b\r\n\r\n    c\r\nd\r\n"), kinds("if a:\n    b\n\n    c\nd\n"));
  EXPECT_EQ(kinds("if a:\r    b\r\r    c\rd\r"), kinds("if a:\n    b\n\n    c\nd\n"));
}

TEST(Tokenizer, FStringFieldsEndAtTheirOwnBraceOnly) {
  EXPECT_THAT(texts("x = f\"{ {'a': 1}['a'] }\" + f'{x:{y}}'\n"),
              ElementsAre("x", "=", "f\"", "{", "{", "'a'", ":", "1", "}", "[", "'a'", "]", "}",
                          "\"", "+", "f'", "{", "x", ":", "{", "y", "}", "}", "'"));
  EXPECT_THAT(texts("x = f'{x}'"), ElementsAre("x", "=", "f'", "{", "x", "}", "'"));
  EXPECT_THAT(
      kinds("f'{a}{b}'\n"),
      ElementsAre(Tok::kFStringStart, Tok::kLBrace, Tok::kName, Tok::kRBrace, Tok::kLBrace,
                  Tok::kName, Tok::kRBrace, Tok::kFStringEnd, Tok::kNewline, Tok::kEndMarker));
  EXPECT_EQ(error_of("x = f'{x}}'\n").message, "f-string: single '}' is not allowed");
  EXPECT_EQ(error_of("x = f'{x}' }\n").message, "unmatched '}'");
}

}  // namespace
}  // namespace dbtpy::compiler::python
