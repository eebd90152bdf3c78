#pragma once
// Internal to the parser (parser.cc, parser_expressions.cc, parser_patterns.cc): the Parser
// class and the small value it returns for expressions. Not a contract: include parser.h.
// A Parser is used by one thread for one parse.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/python/parser.h"

namespace dbtpy::compiler::python::detail {

// What an expression turned out to be: enough to check assignment targets, recognize the
// `dbt.*` callee chain and find docstrings, without an AST.
enum class EK : uint8_t {
  kName,
  kAttribute,
  kSubscript,
  kCall,
  kStarred,
  kTuple,
  kList,
  kStr,      // str literal(s), no f-string
  kLiteral,  // number, bytes, True/False/None, ...
  kFString,  // a string concatenation holding an f-string
  kYield,
  kLambda,
  kNamedExpr,
  kCompare,
  kOther,  // operators, comprehensions, dict/set displays, conditional expressions...
};

enum Chain : uint8_t {
  kNoChain,
  kDbt,
  kDbtRef,
  kDbtSource,
  kDbtConfig,
  kDbtConfigGet,
  kDbtConfigMetaGet
};

enum : uint8_t { kParenthesized = 1, kBadElement = 2, kHasStarred = 4 };

struct Expr {
  EK kind = EK::kOther;
  Chain chain = kNoChain;
  uint8_t flags = 0;
  EK bad_kind = EK::kOther;  // kind of the first element that is no valid target
  uint32_t first = 0;        // first token
  uint32_t bad = 0;          // first token of that element
  uint32_t chain_tok = 0;    // the `dbt` token of a chain
};

struct StmtInfo {
  bool is_return = false;
  bool returns_tuple = false;
  uint32_t first_tok = 0;  // where the statement starts
};

struct Ctx {
  bool in_function = false;  // inside a plain `def` (dbt-core does not count nested defs)
};

// Deepest nesting of recursive constructs we follow. The tokenizer already bounds brackets,
// f-strings and indentation as CPython does; this also bounds what has no brackets (lambda
// defaults inside lambda defaults) so that no input can exhaust the stack.
inline constexpr int kMaxDepth = 1500;

inline bool is_target_kind(EK k) {
  return k == EK::kName || k == EK::kAttribute || k == EK::kSubscript || k == EK::kStarred ||
         k == EK::kTuple || k == EK::kList;
}

inline const char* describe(EK k) {
  switch (k) {
    case EK::kCall:
      return "function call";
    case EK::kStr:
    case EK::kLiteral:
      return "literal";
    case EK::kFString:
      return "f-string expression";
    case EK::kYield:
      return "yield expression";
    case EK::kLambda:
      return "lambda";
    case EK::kNamedExpr:
      return "named expression";
    case EK::kCompare:
      return "comparison";
    case EK::kStarred:
      return "starred";
    case EK::kName:
      return "name";
    case EK::kAttribute:
      return "attribute";
    case EK::kSubscript:
      return "subscript";
    case EK::kTuple:
      return "tuple";
    case EK::kList:
      return "list";
    default:
      return "expression";
  }
}

// Binary operators by precedence: 1 or, 2 and, 3 not (prefix), 4 comparisons, 5 |, 6 ^, 7 &,
// 8 shifts, 9 + -, 10 * / // % @. Left-associative chains loop instead of recursing.
constexpr int binary_prec(Tok k) {
  switch (k) {
    case Tok::kOr:
      return 1;
    case Tok::kAnd:
      return 2;
    case Tok::kEqEqual:
    case Tok::kNotEqual:
    case Tok::kLess:
    case Tok::kLessEqual:
    case Tok::kGreater:
    case Tok::kGreaterEqual:
    case Tok::kIn:
    case Tok::kIs:
    case Tok::kNot:  // `not in`
      return 4;
    case Tok::kVBar:
      return 5;
    case Tok::kCircumflex:
      return 6;
    case Tok::kAmper:
      return 7;
    case Tok::kLeftShift:
    case Tok::kRightShift:
      return 8;
    case Tok::kPlus:
    case Tok::kMinus:
      return 9;
    case Tok::kStar:
    case Tok::kSlash:
    case Tok::kDoubleSlash:
    case Tok::kPercent:
    case Tok::kAt:
      return 10;
    default:
      return 0;
  }
}

// Tokens after which an operand is complete: no trailer (`.` `(` `[`), no `**`, no binary
// operator, no `if` of a conditional expression and no string (adjacent literals concatenate)
// follows. A lone atom before one of them is the whole expression.
constexpr std::array<bool, 256> make_ends_operand() {
  std::array<bool, 256> t{};
  for (int i = 0; i <= static_cast<int>(Tok::kYield); ++i) {
    Tok k = static_cast<Tok>(i);
    t[static_cast<size_t>(i)] = binary_prec(k) == 0 && k != Tok::kDot && k != Tok::kLPar &&
                                k != Tok::kLSqb && k != Tok::kDoubleStar && k != Tok::kIf &&
                                k != Tok::kString && k != Tok::kFStringStart;
  }
  return t;
}
inline constexpr std::array<bool, 256> kEndsOperand = make_ends_operand();

// Tokens that are a whole atom on their own: a name, number, one string, a constant.
constexpr std::array<bool, 256> make_lone_atoms() {
  std::array<bool, 256> t{};
  for (Tok k : {Tok::kName, Tok::kNumber, Tok::kString, Tok::kTrue, Tok::kFalse, Tok::kNone,
                Tok::kEllipsis}) {
    t[static_cast<size_t>(k)] = true;
  }
  return t;
}
inline constexpr std::array<bool, 256> kLoneAtoms = make_lone_atoms();
inline bool is_lone_atom(Tok k) {
  return kLoneAtoms[static_cast<uint8_t>(k)];
}

class Parser {
 public:
  Parser(std::string_view src, const TokenVector& toks, ParseResult& out)
      : src_(src), t_(toks), tok_(toks.data()), ntok_(toks.size()), out_(out), cur_(tok_) {}

  void parse_file();
  // Whether an expression from token `tok` fails only at the end marker.
  bool expression_runs_to_end(size_t tok);
  size_t expression_reach(size_t tok);

 private:
  // ---- token helpers ----
  Tok tk() const { return cur_->kind; }
  Tok tk_at(size_t i) const { return i < ntok_ ? tok_[i].kind : Tok::kEndMarker; }
  Tok peek(int n = 1) const { return tk_at(pos() + static_cast<size_t>(n)); }
  bool is_name(std::string_view w) const {
    return tk() == Tok::kName && name_equals(src_, (*cur_), w);
  }
  bool raw_name_is(size_t i, std::string_view w) const {
    if (tk_at(i) != Tok::kName) return false;
    const Token& t = tok_[i];
    return t.end - t.begin == w.size() &&
           std::char_traits<char>::compare(src_.data() + t.begin, w.data(), w.size()) == 0;
  }
  void next() {
    if (cur_->kind != Tok::kEndMarker) ++cur_;
  }
  // next() where the current token is known not to be the end marker.
  void advance() { ++cur_; }
  // Index of the current token.
  size_t pos() const { return static_cast<size_t>(cur_ - tok_); }
  bool ok() const { return !failed_; }

  // Failure paths are out of line and cold: the hot parsing functions then carry no string
  // construction, smaller stack frames and fewer saved registers. The message is copied only
  // for the first, non-speculative failure.
  [[gnu::cold, gnu::noinline]] bool fail(size_t tok, std::string_view message);
  [[gnu::cold, gnu::noinline]] bool fail_here(std::string_view message = "invalid syntax") {
    return fail(pos(), message);
  }
  // expect() failing: "expected 'what'" (or "invalid syntax" without `what`).
  [[gnu::cold, gnu::noinline]] bool fail_expected(const char* what);
  // The file's last line (a final line break ends it, it does not start another): its 1-based
  // number and the offsets of its start and end.
  struct LastLine {
    uint32_t line;
    uint32_t begin;
    uint32_t end;
  };
  LastLine last_line() const;
  bool expect(Tok k, const char* what) {
    if (tk() == k) {
      next();
      return true;
    }
    return fail_expected(what);
  }
  // A compound statement's header colon (if, elif, while, for, with, class, except, case).
  // CPython says "expected ':'" there only when the line ends where the colon belongs (its
  // invalid_*_stmt rules); another token is a plain "invalid syntax". def, try, else, finally
  // and lambda use expect(Tok::kColon, ":"), which CPython forces at any token.
  bool expect_header_colon() {
    if (tk() == Tok::kColon) {
      next();
      return true;
    }
    return fail_header_colon();
  }
  [[gnu::cold, gnu::noinline]] bool fail_header_colon();
  // CPython reports a plain "invalid syntax" at the last token it has read. After an operand,
  // `not` makes it read the next token to look for `not in`: note that token.
  [[gnu::cold, gnu::noinline]] void looked_past_not() { looked_at(pos() + 1); }
  void looked_at(size_t tok) { lookahead_ = std::max(lookahead_, static_cast<uint32_t>(tok)); }
  bool enter() {
    if (++depth_ > kMaxDepth) return too_deep();
    return true;
  }
  [[gnu::cold, gnu::noinline]] bool too_deep();
  void leave() { --depth_; }

  bool at_expr_end() const {
    switch (tk()) {
      case Tok::kNewline:
      case Tok::kSemi:
      case Tok::kEndMarker:
      case Tok::kRPar:
      case Tok::kRSqb:
      case Tok::kRBrace:
      case Tok::kColon:
      case Tok::kEqual:
      case Tok::kAugAssign:
      case Tok::kFor:
      case Tok::kAsync:
      case Tok::kIn:
      case Tok::kFrom:
      case Tok::kAs:
      case Tok::kExclamation:
      case Tok::kElse:
      case Tok::kIf:
      case Tok::kComma:
        return true;
      default:
        return false;
    }
  }

  // ---- statements ----
  StmtInfo statement(Ctx ctx);
  StmtInfo simple_stmts(Ctx ctx);
  // Inlined into simple_stmts(), their one caller: one frame per simple statement, not three.
  [[gnu::always_inline]] inline StmtInfo simple_stmt(Ctx ctx);
  StmtInfo block(Ctx ctx, const char* what, uint32_t line);
  void decorated(Ctx ctx);
  void function_def(Ctx ctx, bool is_async);
  void class_def(Ctx ctx);
  void if_stmt(Ctx ctx);
  void while_stmt(Ctx ctx);
  void for_stmt(Ctx ctx, bool is_async);
  void with_stmt(Ctx ctx, bool is_async);
  void try_stmt(Ctx ctx);
  bool try_match_stmt(Ctx ctx);
  void import_stmt();
  void from_import_stmt();
  void type_params();      // Python 3.12's: no defaults (PEP 696 is 3.13's)
  void def_type_params();  // a def's, whose failures CPython reports at the `[`
  // After an optional part starting at token `first` failed to parse: CPython skips it and
  // fails at the forced token after it, reporting `message` at `first`.
  void skipped_optional(size_t first, const char* message);
  void parameters(bool annotations, Tok closer, ModelDefSite* def);
  [[gnu::always_inline]] inline void assignment_or_expr(StmtInfo& info);
  // mode 0 assign, 1 del, 2 for/with/comprehension. Names, attributes and subscripts, the
  // common targets, are accepted inline.
  void check_target(const Expr& e, int mode) {
    if (e.kind == EK::kName || e.kind == EK::kAttribute || e.kind == EK::kSubscript) return;
    check_other_target(e, mode);
  }
  void check_other_target(const Expr& e, int mode);
  void target_list(int mode);

  // ---- patterns ----
  void patterns();
  void pattern();
  void or_pattern();
  void closed_pattern();
  void signed_number_pattern();

  // ---- expressions ----
  // Most statements hold one expression, not a tuple: only a comma after it takes the tuple
  // path, out of line so that the common path keeps a small frame.
  Expr star_expressions();
  [[gnu::noinline]] Expr star_expressions_tuple(const Expr& first);
  Expr star_expression() { return tk() == Tok::kStar ? starred() : expression(); }
  Expr starred();  // `*` operand
  Expr star_named_expression() { return tk() == Tok::kStar ? starred() : named_expression(); }
  Expr named_expression() {
    if (tk() == Tok::kName && peek() == Tok::kColonEqual) return walrus();
    Expr e = expression();
    if (tk() == Tok::kColonEqual && ok()) bad_walrus(e);
    return e;
  }
  Expr walrus();  // `name := expression`
  [[gnu::cold, gnu::noinline]] void bad_walrus(const Expr& target);
  // Inline: a lone name, number, constant or string literal right before a token that ends
  // the operand is what binary(1) would return, taken without a call (no failure is possible).
  // A lone atom is never the last token (the end marker is), so its successor can be read.
  Expr expression() {
    if (is_lone_atom(tk()) && !failed_ && depth_ < kMaxDepth &&
        kEndsOperand[static_cast<uint8_t>(cur_[1].kind)]) {
      last_disjunction_ = static_cast<uint32_t>(pos());
      return lone_atom();
    }
    return expression_rest();
  }
  // atom() for a token that is_lone_atom(), followed by no other string.
  Expr lone_atom() {
    Expr e;
    e.first = static_cast<uint32_t>(pos());
    if (tk() == Tok::kString) {
      // One string (no other follows): without a prefix it is a str, else strings() decides.
      const char c = src_[cur_->begin];
      if (c != '"' && c != '\'') return strings();
      e.kind = EK::kStr;
      advance();
      return e;
    }
    if (tk() == Tok::kName) {
      e.kind = EK::kName;
      if (name_equals(src_, *cur_, "dbt")) {
        e.chain = kDbt;
        e.chain_tok = e.first;
      }
    } else {
      e.kind = EK::kLiteral;
    }
    advance();
    return e;
  }
  // expression() whose value is not needed. A lone atom before a token that ends the operand
  // is what expression()'s fast path takes: consumed here without the call.
  // A dotted name (`a.b.c`, `self.x`) before such a token is consumed the same way: its
  // attribute trailers cannot fail.
  void skip_expression() {
    if (!failed_ && depth_ < kMaxDepth && is_lone_atom(tk())) {
      const Token* end = after_atom();
      if (kEndsOperand[static_cast<uint8_t>(end->kind)]) {
        last_disjunction_ = static_cast<uint32_t>(pos());
        cur_ = end;
        return;
      }
    }
    expression();
  }
  // For a lone atom at the current token: the token after it, or after the dotted name
  // (`name(.name)*`) it starts. The end marker follows every token read here.
  [[gnu::always_inline]] const Token* after_atom() const {
    const Token* p = cur_;
    if (p->kind == Tok::kName) {
      while (p[1].kind == Tok::kDot && p[2].kind == Tok::kName)
        p += 2;
    }
    return p + 1;
  }
  // named_expression() whose value is not needed (see skip_expression).
  [[gnu::always_inline]] void skip_named_expression() {
    if (!failed_ && depth_ < kMaxDepth && is_lone_atom(tk())) {
      const Token* end = after_atom();
      if (kEndsOperand[static_cast<uint8_t>(end->kind)] && end->kind != Tok::kColonEqual) {
        last_disjunction_ = static_cast<uint32_t>(pos());
        cur_ = end;
        return;
      }
    }
    named_expression();
  }
  // expression() past its lone-atom fast path: out of line, so that the fast path does not pay
  // for this part's stack frame and saved registers.
  [[gnu::noinline]] Expr expression_rest();
  Expr yield_expr();
  Expr yield_or_star_expressions() {
    return tk() == Tok::kYield ? yield_expr() : star_expressions();
  }
  Expr binary(int min_prec);
  // binary(min_prec) whose value is not needed. A lone atom before a token that neither
  // continues it nor is a binary operator is all binary() would consume: taken without the
  // call (no failure is possible).
  void skip_binary(int min_prec) {
    if (is_lone_atom(tk())) {
      const Token* end = after_atom();
      if (kEndsOperand[static_cast<uint8_t>(end->kind)] || end->kind == Tok::kIf) {
        cur_ = end;
        return;
      }
    }
    binary(min_prec);
  }
  // The operator loop of binary() after its first operand, and the `**` loop of power().
  [[gnu::always_inline]] inline Expr binary_rest(Expr left, int min_prec);
  [[gnu::always_inline]] inline Expr power_rest(Expr e);
  [[gnu::always_inline]] inline Expr factor();
  [[gnu::always_inline]] inline Expr power();
  [[gnu::always_inline]] inline Expr primary();
  [[gnu::always_inline]] inline Expr atom();
  Expr strings();
  void fstring();
  void fstring_field();
  // After the expression of the replacement field starting at token `field` failed with a
  // plain "invalid syntax": CPython's second pass takes the longest expression its grammar
  // accepts there and names what may follow it (or, when none, asks for an expression).
  [[gnu::cold, gnu::noinline]] void field_expression_failed(size_t field);
  void lambda_head();
  // Arguments of a call; those of a recognized dbt.* callee are recorded. The unrecorded
  // variant, nearly every call, carries no span bookkeeping.
  void call_args(const Expr& callee, bool allow_genexp) {
    if (callee.chain >= kDbtRef) {
      call_args_impl<true>(callee, allow_genexp);
    } else {
      call_args_impl<false>(callee, allow_genexp);
    }
  }
  template <bool kRecord>
  void call_args_impl(const Expr& callee, bool allow_genexp);
  void slices();
  void comprehension_clauses();
  Expr paren_atom();
  Expr list_atom();
  Expr brace_atom();

  void record_call(const Expr& callee, size_t args_from);
  // Inside brackets, an expression right after another one: CPython's "Perhaps you forgot a
  // comma?" at the start of the last disjunction. Returns true when it failed.
  bool forgot_comma();
  // forgot_comma() at the token after a lone name that CPython's rule skips (a soft keyword,
  // or a name before a string): the expressions after the name.
  [[gnu::cold, gnu::noinline]] bool forgot_comma_after_name();
  // CPython's forgotten-comma error: the expression [first, gap) before the gap, reported where
  // it starts in CPython's tree.
  [[gnu::cold, gnu::noinline]] void fail_forgot_comma(size_t first, size_t gap);

  bool starts_comprehension() const {
    return tk() == Tok::kFor || (tk() == Tok::kAsync && peek() == Tok::kFor);
  }
  // `[a, b for a, b in c]`: the elements before `for` needed parentheses.
  [[gnu::cold, gnu::noinline]] void comprehension_target(size_t first_element) {
    fail(first_element, "did you forget parentheses around the comprehension target?");
  }
  // A bracket's contents do not change which disjunction the bracket belongs to.
  struct KeepDisjunction {
    explicit KeepDisjunction(uint32_t& d) : ref(d), saved(d) {}
    ~KeepDisjunction() { ref = saved; }
    KeepDisjunction(const KeepDisjunction&) = delete;
    KeepDisjunction& operator=(const KeepDisjunction&) = delete;
    uint32_t& ref;
    uint32_t saved;
  };

  // ---- CPython's specific messages for a plain "invalid syntax" (parser_diagnostics.cc) ----
  class Rewind;
  enum class Holder : uint8_t { kNone, kDisplay, kCall, kHeader };
  static constexpr size_t kNoElement = static_cast<size_t>(-1);
  // The comma-separated element that ends before token `tok`, and what holds it: a display,
  // subscript or group; call arguments; an if/elif/while header or a decorator; nothing.
  struct Element {
    size_t start = kNoElement;  // first token of the element
    Holder holder = Holder::kNone;
    bool first_in_brackets = false;  // no comma between the bracket and the element
    bool element_cut = false;        // `:`, `=`, `for`, `lambda`... inside the element
  };
  Element element_before(size_t tok) const;
  // Each sets `where` and `message` and returns true when its rule applies at token `tok`.
  bool refine_invalid_syntax(size_t tok, size_t& where, std::string& message);
  bool assignment_in_named_expression(size_t eq, size_t& where, std::string& message);
  bool legacy_print(size_t tok, size_t& where, std::string& message);
  // After a failure: a plain "invalid syntax" (not a more specific message) becomes `message`
  // reported at token `tok`.
  void replace_plain_error(size_t tok, std::string_view message);
  // Whether CPython's "Maybe you meant '=='" hint goes with the invalid target that starts at
  // token `target`, before the `=` at `eq`.
  bool equal_sign_hint(size_t target, size_t eq);
  // The `(` at `open` and its `)` (`close`; `end` when not closed before `end`): true when they
  // make a group, not a tuple (a comma, or `()`) nor a generator expression.
  bool paren_group(size_t open, size_t end, size_t& close) const;
  // Where tokens [first, end) begin in CPython's tree when they are one parenthesized group.
  size_t inside_groups(size_t first, size_t end) const;
  // CPython's invalid_named_expression target before the `=` at `eq`: [start, eq) is one
  // bitwise_or that starts with no list, tuple, generator expression, True, None or False, and
  // a bitwise_or that no `=` or `:=` follows comes after the `=`. `target` is the parsed target.
  bool named_assignment(size_t start, size_t eq, Expr& target);
  // Whether a whole expression parses at token `tok` (the parser's state is left unchanged).
  bool expression_at(size_t tok);
  // Where CPython's backtracking parser finds a rule where ours fails: the grammar rules the
  // error rules look for.
  enum class Rule : uint8_t { kExpression, kStarExpressions, kFieldExpression };
  void parse_rule(Rule rule);
  // Whether `rule` parses at token `tok` as CPython's parser does: whole, or on a prefix
  // where ours fails further on (`b` of `b +`).
  bool rule_at(size_t tok, Rule rule);
  // Token ending the longest prefix of tokens [from, stop) that `rule` parses whole, or
  // kNoElement.
  size_t longest_prefix(size_t from, size_t stop, Rule rule);

  std::string_view src_;
  const TokenVector& t_;
  const Token* tok_;  // t_.data(): the hot paths index it directly
  size_t ntok_;
  ParseResult& out_;
  const Token* cur_;  // the current token: tok_ + its index
  bool failed_ = false;
  bool speculating_ = false;
  int depth_ = 0;
  uint32_t last_disjunction_ = 0;  // first token of the last disjunction parsed
  uint32_t lookahead_ = 0;         // furthest token read past a failing `not` (looked_past_not)
};

}  // namespace dbtpy::compiler::python::detail
