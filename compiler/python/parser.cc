#include "compiler/python/parser.h"

#include <fmt/format.h>

#include "compiler/python/tokenizer.h"
#include "compiler/python/unicode_tables.h"

namespace dbtpy::compiler::python {
namespace {

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
constexpr int kMaxDepth = 1500;

bool is_target_kind(EK k) {
  return k == EK::kName || k == EK::kAttribute || k == EK::kSubscript || k == EK::kStarred ||
         k == EK::kTuple || k == EK::kList;
}

const char* describe(EK k) {
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
    default:
      return "expression";
  }
}

class Parser {
 public:
  Parser(std::string_view src, const std::vector<Token>& toks, ParseResult& out)
      : src_(src), t_(toks), tok_(toks.data()), ntok_(toks.size()), out_(out) {}

  void parse_file();

 private:
  // ---- token helpers ----
  Tok tk() const { return tok_[p_].kind; }
  Tok tk_at(size_t i) const { return i < ntok_ ? tok_[i].kind : Tok::kEndMarker; }
  Tok peek(int n = 1) const { return tk_at(p_ + static_cast<size_t>(n)); }
  bool is_name(std::string_view w) const {
    return tk() == Tok::kName && name_equals(src_, tok_[p_], w);
  }
  bool raw_name_is(size_t i, std::string_view w) const {
    return tk_at(i) == Tok::kName && t_[i].text(src_) == w;
  }
  void next() {
    if (tok_[p_].kind != Tok::kEndMarker) ++p_;
  }
  bool ok() const { return !failed_; }

  bool fail(size_t tok, std::string message) {
    if (!failed_) {
      failed_ = true;
      if (!speculating_) {
        if (tok >= t_.size()) tok = t_.size() - 1;
        // Where the parser stood, which may be after the reported position.
        out_.error.token = static_cast<uint32_t>(tok > p_ ? tok : p_);
        // Like CPython, a statement missing at a dedent or the end of the file is reported at
        // the end of the last line.
        while (tok > 0 && (t_[tok].kind == Tok::kDedent || t_[tok].kind == Tok::kEndMarker) &&
               (t_[tok - 1].kind == Tok::kNewline || t_[tok - 1].kind == Tok::kDedent)) {
          --tok;
        }
        const Token& t = t_[tok];
        out_.error.present = true;
        out_.error.message = std::move(message);
        out_.error.offset = t.begin;
        out_.error.line = t.line;
      }
    }
    return false;
  }
  bool fail_here(std::string message = "invalid syntax") { return fail(p_, std::move(message)); }
  bool expect(Tok k, const char* what) {
    if (tk() == k) {
      next();
      return true;
    }
    if (!failed_) {
      if (what) return fail_here(fmt::format("expected '{}'", what));
      return fail_here();
    }
    return false;
  }
  bool enter() {
    if (++depth_ > kMaxDepth) {
      if (!failed_ && !speculating_) out_.error.too_deep = true;
      return fail_here("too many nested parentheses or expressions");
    }
    return true;
  }
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
  StmtInfo simple_stmt(Ctx ctx);
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
  void type_params();
  void parameters(bool annotations, Tok closer, ModelDefSite* def);
  void assignment_or_expr(StmtInfo& info);
  void check_target(const Expr& e, int mode);  // mode 0 assign, 1 del, 2 for/with/comprehension
  void target_list(int mode);

  // ---- patterns ----
  void patterns();
  void pattern();
  void or_pattern();
  void closed_pattern();
  void signed_number_pattern();

  // ---- expressions ----
  Expr star_expressions();
  Expr star_expression();
  Expr star_named_expression();
  Expr named_expression();
  Expr expression();
  Expr yield_expr();
  Expr yield_or_star_expressions() {
    return tk() == Tok::kYield ? yield_expr() : star_expressions();
  }
  Expr binary(int min_prec);
  [[gnu::always_inline]] inline Expr factor();
  [[gnu::always_inline]] inline Expr power();
  [[gnu::always_inline]] inline Expr primary();
  [[gnu::always_inline]] inline Expr atom();
  Expr strings();
  void fstring();
  void fstring_field();
  void lambda_head();
  void call_args(Expr& callee, bool allow_genexp);
  void slices();
  void comprehension_clauses();
  Expr paren_atom();
  Expr list_atom();
  Expr brace_atom();

  void record_call(const Expr& callee, std::vector<CallArgSpan>& args);
  // Inside brackets, an expression right after another one: CPython's "Perhaps you forgot a
  // comma?" at the start of the last disjunction. Returns true when it failed.
  bool forgot_comma();

  std::string_view src_;
  const std::vector<Token>& t_;
  const Token* tok_;  // t_.data(): the hot paths index it directly
  size_t ntok_;
  ParseResult& out_;
  size_t p_ = 0;
  bool failed_ = false;
  bool speculating_ = false;
  int depth_ = 0;
  uint32_t last_disjunction_ = 0;  // first token of the last disjunction parsed
};

// ------------------------------------------------------------------------------------------
// Statements

void Parser::parse_file() {
  // Skip leading NEWLINE tokens (only possible after a line continuation).
  while (tk() == Tok::kNewline)
    next();
  if (tk() == Tok::kEndMarker) {
    out_.empty_module = true;
    return;
  }
  // Module docstring: the first statement is an expression statement of str literal(s).
  {
    size_t q = p_;
    while (tk_at(q) == Tok::kString)
      ++q;
    if (q > p_ &&
        (tk_at(q) == Tok::kNewline || tk_at(q) == Tok::kSemi || tk_at(q) == Tok::kEndMarker)) {
      bool all_str = true;
      for (size_t i = p_; i < q; ++i) {
        std::string_view s = t_[i].text(src_);
        for (char c : s) {
          if (c == '\'' || c == '"') break;
          if (c == 'b' || c == 'B') all_str = false;
        }
      }
      if (all_str) {
        out_.docstring_begin = static_cast<int32_t>(p_);
        out_.docstring_end = static_cast<int32_t>(q);
      }
    }
  }
  Ctx ctx;
  while (ok() && tk() != Tok::kEndMarker) {
    if (tk() == Tok::kIndent) {
      fail(p_, "unexpected indent");
      out_.error.indentation = true;
      break;
    }
    statement(ctx);
  }
}

StmtInfo Parser::statement(Ctx ctx) {
  StmtInfo info;
  info.first_tok = static_cast<uint32_t>(p_);
  switch (tk()) {
    case Tok::kDef:
      function_def(ctx, false);
      return info;
    case Tok::kClass:
      class_def(ctx);
      return info;
    case Tok::kAt:
      decorated(ctx);
      return info;
    case Tok::kIf:
      if_stmt(ctx);
      return info;
    case Tok::kWhile:
      while_stmt(ctx);
      return info;
    case Tok::kFor:
      for_stmt(ctx, false);
      return info;
    case Tok::kWith:
      with_stmt(ctx, false);
      return info;
    case Tok::kTry:
      try_stmt(ctx);
      return info;
    case Tok::kAsync:
      if (peek() == Tok::kDef) {
        next();
        function_def(ctx, true);
      } else if (peek() == Tok::kFor) {
        next();
        for_stmt(ctx, true);
      } else if (peek() == Tok::kWith) {
        next();
        with_stmt(ctx, true);
      } else {
        fail(p_ + 1, "invalid syntax");
      }
      return info;
    case Tok::kName:
      if (raw_name_is(p_, "match") && try_match_stmt(ctx)) return info;
      break;
    case Tok::kIndent:
      fail_here("unexpected indent");
      out_.error.indentation = true;
      return info;
    default:
      break;
  }
  return simple_stmts(ctx);
}

StmtInfo Parser::simple_stmts(Ctx ctx) {
  StmtInfo last;
  while (ok()) {
    last = simple_stmt(ctx);
    if (!ok()) break;
    if (tk() == Tok::kSemi) {
      next();
      if (tk() == Tok::kNewline) {
        next();
        break;
      }
      continue;
    }
    if (tk() == Tok::kNewline) {
      next();
      break;
    }
    fail_here();
  }
  return last;
}

StmtInfo Parser::simple_stmt(Ctx ctx) {
  (void)ctx;
  StmtInfo info;
  info.first_tok = static_cast<uint32_t>(p_);
  switch (tk()) {
    case Tok::kReturn: {
      next();
      info.is_return = true;
      if (tk() != Tok::kNewline && tk() != Tok::kSemi && tk() != Tok::kEndMarker) {
        Expr e = star_expressions();
        info.returns_tuple = e.kind == EK::kTuple;
      }
      return info;
    }
    case Tok::kImport:
      import_stmt();
      return info;
    case Tok::kFrom:
      from_import_stmt();
      return info;
    case Tok::kPass:
    case Tok::kBreak:
    case Tok::kContinue:
      next();
      return info;
    case Tok::kRaise:
      next();
      if (tk() != Tok::kNewline && tk() != Tok::kSemi && tk() != Tok::kEndMarker) {
        expression();
        if (ok() && tk() == Tok::kFrom) {
          next();
          expression();
        }
      }
      return info;
    case Tok::kDel: {
      next();
      target_list(1);
      return info;
    }
    case Tok::kAssert:
      next();
      expression();
      if (ok() && tk() == Tok::kComma) {
        next();
        expression();
      }
      return info;
    case Tok::kGlobal:
    case Tok::kNonlocal:
      next();
      while (ok()) {
        if (!expect(Tok::kName, nullptr)) break;
        if (tk() != Tok::kComma) break;
        next();
      }
      return info;
    case Tok::kName:
      if (raw_name_is(p_, "type") && tk_at(p_ + 1) == Tok::kName &&
          (tk_at(p_ + 2) == Tok::kEqual || tk_at(p_ + 2) == Tok::kLSqb)) {
        next();
        next();
        if (tk() == Tok::kLSqb) type_params();
        if (!expect(Tok::kEqual, "=")) return info;
        expression();
        return info;
      }
      break;
    default:
      break;
  }
  assignment_or_expr(info);
  return info;
}

void Parser::assignment_or_expr(StmtInfo& info) {
  (void)info;
  Expr first = yield_or_star_expressions();
  if (!ok()) return;
  if (tk() == Tok::kColon) {
    // Annotated assignment: one target only.
    if (first.kind == EK::kTuple && !(first.flags & kParenthesized)) {
      fail(first.first, "only single target (not tuple) can be annotated");
      return;
    }
    if (first.kind != EK::kName && first.kind != EK::kAttribute && first.kind != EK::kSubscript) {
      fail(first.first, fmt::format("illegal target for annotation"));
      return;
    }
    next();
    expression();
    if (ok() && tk() == Tok::kEqual) {
      next();
      yield_or_star_expressions();
    }
    return;
  }
  if (tk() == Tok::kAugAssign) {
    if (first.kind != EK::kName && first.kind != EK::kAttribute && first.kind != EK::kSubscript) {
      const char* what = first.kind == EK::kTuple  ? "tuple"
                         : first.kind == EK::kList ? "list"
                                                   : describe(first.kind);
      fail(first.first,
           fmt::format("'{}' is an illegal expression for augmented assignment", what));
      return;
    }
    next();
    yield_or_star_expressions();
    return;
  }
  while (ok() && tk() == Tok::kEqual) {
    check_target(first, 0);
    if (!ok()) return;
    next();
    first = yield_or_star_expressions();
  }
}

void Parser::check_target(const Expr& e, int mode) {
  const char* verb = mode == 1 ? "delete" : "assign to";
  EK kind = e.kind;
  uint32_t where = e.first;
  if (kind == EK::kTuple || kind == EK::kList || kind == EK::kStarred) {
    if (mode == 1 && (kind == EK::kStarred || (e.flags & kHasStarred))) {
      fail(where, "cannot delete starred");
      return;
    }
    if (!(e.flags & kBadElement)) return;
    kind = e.bad_kind;
    where = e.bad;
  }
  if (kind == EK::kName || kind == EK::kAttribute || kind == EK::kSubscript) return;
  if (kind == EK::kStarred && mode != 1) return;
  if (kind == EK::kYield && mode == 0) {
    fail(where, (e.flags & kParenthesized) && e.kind == EK::kYield
                    ? "cannot assign to yield expression"
                    : "assignment to yield expression not possible");
    return;
  }
  if (mode == 0) {
    fail(where, fmt::format("cannot assign to {} here. Maybe you meant '==' instead of '='?",
                            describe(kind)));
  } else {
    fail(where, fmt::format("cannot {} {}", verb, describe(kind)));
  }
}

// Targets of del / for / comprehensions: a comma-separated list parsed at the level of
// primaries (so that `in` is not taken as a comparison), then checked.
void Parser::target_list(int mode) {
  size_t start = p_;
  int count = 0;
  bool trailing_comma = false;
  while (ok()) {
    Expr e;
    if (tk() == Tok::kStar) {
      uint32_t star = static_cast<uint32_t>(p_);
      next();
      e = binary(5);
      if (!ok()) return;
      if (mode == 1) {
        fail(star, "cannot delete starred");
        return;
      }
      check_target(e, mode);
      e.kind = EK::kStarred;
    } else {
      e = binary(5);
      if (!ok()) return;
      check_target(e, mode);
    }
    ++count;
    trailing_comma = false;
    if (tk() != Tok::kComma) break;
    next();
    trailing_comma = true;
    if (mode == 1 ? (tk() == Tok::kNewline || tk() == Tok::kSemi) : (tk() == Tok::kIn)) break;
  }
  (void)start;
  (void)count;
  (void)trailing_comma;
}

StmtInfo Parser::block(Ctx ctx, const char* what, uint32_t line) {
  StmtInfo last;
  if (!ok()) return last;
  if (!enter()) return last;
  if (tk() == Tok::kNewline) {
    next();
    if (tk() != Tok::kIndent) {
      fail_here(fmt::format("expected an indented block after {} on line {}", what, line));
      leave();
      return last;
    }
    next();
    while (ok() && tk() != Tok::kDedent && tk() != Tok::kEndMarker)
      last = statement(ctx);
    if (ok()) expect(Tok::kDedent, nullptr);
  } else {
    last = simple_stmts(ctx);
  }
  leave();
  return last;
}

void Parser::decorated(Ctx ctx) {
  while (ok() && tk() == Tok::kAt) {
    next();
    named_expression();
    if (!ok()) return;
    if (!expect(Tok::kNewline, nullptr)) return;
  }
  if (tk() == Tok::kDef) {
    function_def(ctx, false);
  } else if (tk() == Tok::kAsync && peek() == Tok::kDef) {
    next();
    function_def(ctx, true);
  } else if (tk() == Tok::kClass) {
    class_def(ctx);
  } else {
    fail_here();
  }
}

void Parser::type_params() {
  if (peek() == Tok::kRSqb) {
    fail_here("expected '('");
    return;
  }
  next();  // [
  while (ok()) {
    Tok star = tk();
    if (star == Tok::kStar || star == Tok::kDoubleStar) next();
    if (!expect(Tok::kName, nullptr)) return;
    if (tk() == Tok::kColon && star != Tok::kName) {
      fail_here(star == Tok::kStar ? "cannot use bound with TypeVarTuple"
                                   : "cannot use bound with ParamSpec");
      return;
    }
    if (tk() == Tok::kColon) {
      next();
      expression();
    }
    if (ok() && tk() == Tok::kEqual) {  // PEP 696 defaults (3.13): accepted
      next();
      expression();
    }
    if (!ok()) return;
    if (tk() == Tok::kComma) {
      next();
      if (tk() == Tok::kRSqb) break;
      continue;
    }
    break;
  }
  expect(Tok::kRSqb, "]");
}

void Parser::function_def(Ctx ctx, bool is_async) {
  uint32_t def_tok = static_cast<uint32_t>(p_);
  uint32_t line = tok_[p_].line;
  next();  // def
  if (tk() != Tok::kName) {
    fail_here();
    return;
  }
  bool is_model = name_equals(src_, tok_[p_], "model");
  const uint32_t name_tok = static_cast<uint32_t>(p_);
  next();
  if (tk() == Tok::kLSqb) type_params();
  if (!ok()) return;
  if (!expect(Tok::kLPar, "(")) return;
  ModelDefSite site;
  site.def_tok = def_tok;
  site.name_tok = name_tok;
  site.counted = !ctx.in_function && !is_async;
  parameters(true, Tok::kRPar, &site);
  if (!ok()) return;
  if (!expect(Tok::kRPar, ")")) return;
  if (tk() == Tok::kRArrow) {
    next();
    expression();
    if (!ok()) return;
  }
  if (!expect(Tok::kColon, ":")) return;
  Ctx inner = ctx;
  // dbt-core's visitor does not descend into plain functions, but does into `async def`.
  if (!is_async) inner.in_function = true;
  size_t defs_before = out_.model_defs.size();
  StmtInfo last = block(inner, "function definition", line);
  if (!ok()) return;
  if (is_model) {
    site.ends_with_return = last.is_return;
    site.returns_tuple = last.returns_tuple;
    site.last_stmt_tok = last.first_tok;
    // Keep defs in source order: this one starts before any nested ones.
    out_.model_defs.insert(out_.model_defs.begin() + static_cast<ptrdiff_t>(defs_before), site);
  }
}

void Parser::parameters(bool annotations, Tok closer, ModelDefSite* def) {
  bool seen_default = false;
  bool seen_slash = false;
  bool seen_star = false;  // `*` or `*args`
  bool bare_star = false;  // `*` waiting for a keyword-only parameter
  bool seen_kwargs = false;
  int positional = 0;
  int32_t first_positional = -1;
  bool any = false;
  while (ok() && tk() != closer) {
    if (seen_kwargs) {
      fail_here("arguments cannot follow var-keyword argument");
      return;
    }
    if (tk() == Tok::kSlash) {
      if (!any || seen_star) {
        fail_here(seen_star ? "/ must be ahead of *" : "at least one argument must precede /");
        return;
      }
      if (seen_slash) {
        fail_here("/ may appear only once");
        return;
      }
      seen_slash = true;
      // Everything so far was positional-only: dbt counts only the parameters after `/`.
      positional = 0;
      first_positional = -1;
      next();
    } else if (tk() == Tok::kStar) {
      if (seen_star) {
        fail_here("* argument may appear only once");
        return;
      }
      seen_star = true;
      next();
      if (tk() == Tok::kName) {
        next();
        if (annotations && tk() == Tok::kColon) {
          next();
          star_expression();  // `*args: *Ts`
        }
      } else {
        bare_star = true;
        if (tk() == closer || (tk() == Tok::kComma && tk_at(p_ + 1) == closer)) {
          fail(p_ - 1, "named arguments must follow bare *");
          return;
        }
        if (tk() != Tok::kComma) {
          fail_here();
          return;
        }
      }
    } else if (tk() == Tok::kDoubleStar) {
      next();
      if (!expect(Tok::kName, nullptr)) return;
      if (annotations && tk() == Tok::kColon) {
        next();
        expression();
      }
      if (tk() == Tok::kEqual) {
        fail_here("var-keyword argument cannot have default value");
        return;
      }
      seen_kwargs = true;
    } else if (tk() == Tok::kName) {
      uint32_t name_tok = static_cast<uint32_t>(p_);
      next();
      if (annotations && tk() == Tok::kColon) {
        next();
        expression();
        if (!ok()) return;
      }
      if (tk() == Tok::kEqual) {
        next();
        expression();
        if (!seen_star) seen_default = true;
      } else if (seen_default && !seen_star) {
        fail(name_tok, "parameter without a default follows parameter with a default");
        return;
      }
      if (!seen_star) {
        if (first_positional < 0) first_positional = static_cast<int32_t>(name_tok);
        ++positional;
      }
      bare_star = false;
    } else {
      fail_here();
      return;
    }
    if (!ok()) return;
    any = true;
    if (tk() == Tok::kComma) {
      next();
      continue;
    }
    if (tk() != closer) {
      if (closer == Tok::kColon) {
        fail_here();
      } else {
        fail_here();
      }
      return;
    }
  }
  if (bare_star) {
    fail_here("named arguments must follow bare *");
    return;
  }
  if (def) {
    def->params = positional;
    def->first_param_tok = first_positional;
  }
}

void Parser::class_def(Ctx ctx) {
  uint32_t line = tok_[p_].line;
  next();  // class
  if (!expect(Tok::kName, nullptr)) return;
  if (tk() == Tok::kLSqb) type_params();
  if (!ok()) return;
  if (tk() == Tok::kLPar) {
    Expr dummy;
    call_args(dummy, false);
    if (!ok()) return;
  }
  if (!expect(Tok::kColon, ":")) return;
  block(ctx, "class definition", line);
}

void Parser::if_stmt(Ctx ctx) {
  uint32_t line = tok_[p_].line;
  next();
  named_expression();
  if (!expect(Tok::kColon, ":")) return;
  block(ctx, "'if' statement", line);
  while (ok() && tk() == Tok::kElif) {
    line = tok_[p_].line;
    next();
    named_expression();
    if (!expect(Tok::kColon, ":")) return;
    block(ctx, "'elif' statement", line);
  }
  if (ok() && tk() == Tok::kElse) {
    line = tok_[p_].line;
    next();
    if (!expect(Tok::kColon, ":")) return;
    block(ctx, "'else' statement", line);
  }
}

void Parser::while_stmt(Ctx ctx) {
  uint32_t line = tok_[p_].line;
  next();
  named_expression();
  if (!expect(Tok::kColon, ":")) return;
  block(ctx, "'while' statement", line);
  if (ok() && tk() == Tok::kElse) {
    line = tok_[p_].line;
    next();
    if (!expect(Tok::kColon, ":")) return;
    block(ctx, "'else' statement", line);
  }
}

void Parser::for_stmt(Ctx ctx, bool is_async) {
  (void)is_async;
  uint32_t line = tok_[p_].line;
  next();  // for
  target_list(2);
  if (!expect(Tok::kIn, "in")) return;
  star_expressions();
  if (!expect(Tok::kColon, ":")) return;
  block(ctx, "'for' statement", line);
  if (ok() && tk() == Tok::kElse) {
    line = tok_[p_].line;
    next();
    if (!expect(Tok::kColon, ":")) return;
    block(ctx, "'else' statement", line);
  }
}

void Parser::with_stmt(Ctx ctx, bool is_async) {
  (void)is_async;
  uint32_t line = tok_[p_].line;
  next();  // with
  auto with_item = [&]() {
    expression();
    if (ok() && tk() == Tok::kAs) {
      next();
      Expr target;
      if (tk() == Tok::kStar) {
        next();
        target = binary(5);
        target.kind = EK::kStarred;
      } else {
        target = binary(5);
      }
      if (ok()) check_target(target, 2);
    }
  };
  bool parenthesized = false;
  if (tk() == Tok::kLPar) {
    // `with (a as b, c):` — only when the matching `)` is followed by `:`.
    int depth = 0;
    size_t q = p_;
    for (; q < t_.size(); ++q) {
      Tok k = t_[q].kind;
      if (k == Tok::kLPar || k == Tok::kLSqb || k == Tok::kLBrace) ++depth;
      if (k == Tok::kRPar || k == Tok::kRSqb || k == Tok::kRBrace) {
        if (--depth == 0) break;
      }
    }
    parenthesized = tk_at(q + 1) == Tok::kColon;
  }
  if (parenthesized) {
    next();
    while (ok()) {
      with_item();
      if (!ok()) return;
      if (tk() == Tok::kComma) {
        next();
        if (tk() == Tok::kRPar) break;
        continue;
      }
      break;
    }
    if (!expect(Tok::kRPar, ")")) return;
  } else {
    while (ok()) {
      with_item();
      if (!ok()) return;
      if (tk() != Tok::kComma) break;
      next();
    }
  }
  if (!expect(Tok::kColon, ":")) return;
  block(ctx, "'with' statement", line);
}

void Parser::try_stmt(Ctx ctx) {
  uint32_t line = tok_[p_].line;
  next();
  if (!expect(Tok::kColon, ":")) return;
  block(ctx, "'try' statement", line);
  bool any_except = false, any_star = false, any_plain = false;
  while (ok() && tk() == Tok::kExcept) {
    uint32_t except_tok = static_cast<uint32_t>(p_);
    line = tok_[p_].line;
    next();
    bool star = false;
    if (tk() == Tok::kStar) {
      star = true;
      next();
    }
    if (star ? any_plain : any_star) {
      fail(except_tok, "cannot have both 'except' and 'except*' on the same 'try'");
      return;
    }
    (star ? any_star : any_plain) = true;
    any_except = true;
    if (tk() != Tok::kColon) {
      Expr e = expression();
      if (!ok()) return;
      if (tk() == Tok::kComma) {
        fail(e.first, "multiple exception types must be parenthesized");
        return;
      }
      if (tk() == Tok::kAs) {
        next();
        if (!expect(Tok::kName, nullptr)) return;
      }
    } else if (star) {
      fail_here("expected one or more exception types");
      return;
    }
    if (!expect(Tok::kColon, ":")) return;
    block(ctx, star ? "'except*' statement" : "'except' statement", line);
  }
  if (ok() && any_except && tk() == Tok::kElse) {
    line = tok_[p_].line;
    next();
    if (!expect(Tok::kColon, ":")) return;
    block(ctx, "'else' statement", line);
  }
  bool any_finally = false;
  if (ok() && tk() == Tok::kFinally) {
    any_finally = true;
    line = tok_[p_].line;
    next();
    if (!expect(Tok::kColon, ":")) return;
    block(ctx, "'finally' statement", line);
  }
  if (ok() && !any_except && !any_finally) fail_here("expected 'except' or 'finally' block");
}

void Parser::import_stmt() {
  next();  // import
  while (ok()) {
    if (tk() != Tok::kName) {
      fail_here();
      return;
    }
    out_.import_toks.push_back(static_cast<uint32_t>(p_));
    next();
    while (tk() == Tok::kDot) {
      next();
      if (!expect(Tok::kName, nullptr)) return;
    }
    if (tk() == Tok::kAs) {
      next();
      if (!expect(Tok::kName, nullptr)) return;
    }
    if (tk() != Tok::kComma) break;
    next();
  }
}

void Parser::from_import_stmt() {
  next();  // from
  bool relative = false;
  while (tk() == Tok::kDot || tk() == Tok::kEllipsis) {
    relative = true;
    next();
  }
  if (tk() == Tok::kName) {
    if (!relative) out_.import_toks.push_back(static_cast<uint32_t>(p_));
    next();
    while (tk() == Tok::kDot) {
      next();
      if (!expect(Tok::kName, nullptr)) return;
    }
  } else if (!relative) {
    fail_here();
    return;
  }
  if (!expect(Tok::kImport, "import")) return;
  if (tk() == Tok::kStar) {
    next();
    return;
  }
  bool paren = false;
  if (tk() == Tok::kLPar) {
    paren = true;
    next();
  }
  while (ok()) {
    if (!expect(Tok::kName, nullptr)) return;
    if (tk() == Tok::kAs) {
      next();
      if (!expect(Tok::kName, nullptr)) return;
    }
    if (tk() != Tok::kComma) break;
    next();
    if (paren && tk() == Tok::kRPar) break;
    if (!paren && tk() != Tok::kName) {
      fail_here("trailing comma not allowed without surrounding parentheses");
      return;
    }
  }
  if (paren) expect(Tok::kRPar, ")");
}

// ------------------------------------------------------------------------------------------
// match statements (soft keyword): decided by a speculative parse of the subject.

bool Parser::try_match_stmt(Ctx ctx) {
  size_t save_p = p_;
  size_t save_calls = out_.calls.size();
  int save_depth = depth_;
  bool save_spec = speculating_;
  speculating_ = true;
  uint32_t line = tok_[p_].line;
  next();  // match
  bool is_match = false;
  if (tk() != Tok::kColon && tk() != Tok::kNewline && tk() != Tok::kEqual) {
    Expr e = star_named_expression();
    if (ok() && tk() == Tok::kComma) {
      while (ok() && tk() == Tok::kComma) {
        next();
        if (tk() == Tok::kColon) break;
        star_named_expression();
      }
    } else if (ok() && e.kind == EK::kStarred) {
      failed_ = true;
    }
    is_match = ok() && tk() == Tok::kColon && peek() == Tok::kNewline;
  }
  speculating_ = save_spec;
  failed_ = false;
  depth_ = save_depth;
  out_.calls.resize(save_calls);
  p_ = save_p;
  if (!is_match) return false;

  // The real parse.
  next();
  Expr e = star_named_expression();
  while (ok() && tk() == Tok::kComma) {
    next();
    if (tk() == Tok::kColon) break;
    star_named_expression();
  }
  (void)e;
  if (!expect(Tok::kColon, ":")) return true;
  if (!expect(Tok::kNewline, nullptr)) return true;
  if (tk() != Tok::kIndent) {
    fail_here(fmt::format("expected an indented block after 'match' statement on line {}", line));
    return true;
  }
  next();
  if (!enter()) return true;
  int cases = 0;
  while (ok() && tk() != Tok::kDedent && tk() != Tok::kEndMarker) {
    if (!raw_name_is(p_, "case")) {
      fail_here();
      break;
    }
    uint32_t case_line = tok_[p_].line;
    next();
    patterns();
    if (!ok()) break;
    if (tk() == Tok::kIf) {
      next();
      named_expression();
    }
    if (!expect(Tok::kColon, ":")) break;
    block(ctx, "'case' statement", case_line);
    ++cases;
  }
  leave();
  if (ok()) expect(Tok::kDedent, nullptr);
  (void)cases;
  return true;
}

void Parser::patterns() {
  // open_sequence_pattern | pattern: a star pattern needs the comma of a sequence.
  bool star = tk() == Tok::kStar;
  if (star) {
    next();
    expect(Tok::kName, nullptr);
  } else {
    pattern();
  }
  if (!ok()) return;
  if (tk() != Tok::kComma) {
    if (star) fail_here();
    return;
  }
  while (ok() && tk() == Tok::kComma) {
    next();
    if (tk() == Tok::kColon || tk() == Tok::kIf) break;
    if (tk() == Tok::kStar) {
      next();
      expect(Tok::kName, nullptr);
    } else {
      pattern();
    }
  }
}

void Parser::pattern() {
  if (!enter()) return;
  or_pattern();
  if (ok() && tk() == Tok::kAs) {
    next();
    if (tk() != Tok::kName) {
      fail_here("invalid pattern target");
    } else if (tok_[p_].text(src_) == "_") {
      fail_here("cannot use '_' as a target");
    } else {
      next();
    }
  }
  leave();
}

void Parser::or_pattern() {
  closed_pattern();
  while (ok() && tk() == Tok::kVBar) {
    next();
    closed_pattern();
  }
}

void Parser::signed_number_pattern() {
  if (tk() == Tok::kMinus) next();
  if (!expect(Tok::kNumber, nullptr)) return;
  if (tk() == Tok::kPlus || tk() == Tok::kMinus) {
    next();
    if (tk() != Tok::kNumber) {
      fail_here();
      return;
    }
    std::string_view n = tok_[p_].text(src_);
    if (n.empty() || (n.back() != 'j' && n.back() != 'J')) {
      fail_here("imaginary number required in complex literal");
      return;
    }
    next();
  }
}

void Parser::closed_pattern() {
  auto sequence_items = [&](Tok closer) {
    while (ok() && tk() != closer) {
      if (tk() == Tok::kStar) {
        next();
        expect(Tok::kName, nullptr);
      } else {
        pattern();
      }
      if (!ok()) return;
      if (tk() == Tok::kComma) {
        next();
        continue;
      }
      break;
    }
  };
  switch (tk()) {
    case Tok::kMinus:
    case Tok::kNumber:
      signed_number_pattern();
      return;
    case Tok::kString:
    case Tok::kFStringStart: {
      Expr e = strings();
      if (ok() && e.kind == EK::kFString) {
        fail(e.first, "patterns may only match literals and attribute lookups");
      }
      return;
    }
    case Tok::kNone:
    case Tok::kTrue:
    case Tok::kFalse:
      next();
      return;
    case Tok::kName: {
      next();
      while (tk() == Tok::kDot) {
        next();
        if (!expect(Tok::kName, nullptr)) return;
      }
      if (tk() == Tok::kLPar) {
        // Class pattern: positional patterns, then keyword patterns.
        next();
        bool keywords = false;
        while (ok() && tk() != Tok::kRPar) {
          if (tk() == Tok::kName && peek() == Tok::kEqual) {
            next();
            next();
            pattern();
            keywords = true;
          } else {
            if (keywords) {
              fail_here("positional patterns follow keyword patterns");
              return;
            }
            pattern();
          }
          if (!ok()) return;
          if (tk() == Tok::kComma) {
            next();
            continue;
          }
          break;
        }
        expect(Tok::kRPar, ")");
      }
      return;
    }
    case Tok::kLPar: {
      if (!enter()) return;
      next();
      if (tk() == Tok::kRPar) {
        next();
        leave();
        return;
      }
      bool star = tk() == Tok::kStar;
      if (star) {
        next();
        expect(Tok::kName, nullptr);
      } else {
        pattern();
      }
      if (ok() && tk() == Tok::kComma) {
        next();
        sequence_items(Tok::kRPar);
      }
      if (ok()) expect(Tok::kRPar, ")");
      leave();
      return;
    }
    case Tok::kLSqb:
      if (!enter()) return;
      next();
      sequence_items(Tok::kRSqb);
      if (ok()) expect(Tok::kRSqb, "]");
      leave();
      return;
    case Tok::kLBrace: {
      if (!enter()) return;
      next();
      while (ok() && tk() != Tok::kRBrace) {
        if (tk() == Tok::kDoubleStar) {
          // `**rest` comes last and cannot be `_`.
          next();
          if (tk() == Tok::kName && tok_[p_].text(src_) == "_") {
            fail_here();
            break;
          }
          if (!expect(Tok::kName, nullptr)) break;
          if (tk() == Tok::kComma) next();
          if (tk() != Tok::kRBrace) {
            fail_here();
            break;
          }
        } else {
          // key: literal or dotted name
          if (tk() == Tok::kName) {
            next();
            if (tk() != Tok::kDot) {
              fail_here();
              break;
            }
            while (tk() == Tok::kDot) {
              next();
              if (!expect(Tok::kName, nullptr)) break;
            }
          } else if (tk() == Tok::kMinus || tk() == Tok::kNumber) {
            signed_number_pattern();
          } else if (tk() == Tok::kString || tk() == Tok::kFStringStart) {
            Expr e = strings();
            if (ok() && e.kind == EK::kFString) {
              fail(e.first, "patterns may only match literals and attribute lookups");
            }
          } else if (tk() == Tok::kNone || tk() == Tok::kTrue || tk() == Tok::kFalse) {
            next();
          } else {
            fail_here();
            break;
          }
          if (!expect(Tok::kColon, ":")) break;
          pattern();
        }
        if (!ok()) break;
        if (tk() == Tok::kComma) {
          next();
          continue;
        }
        break;
      }
      if (ok()) expect(Tok::kRBrace, "}");
      leave();
      return;
    }
    default:
      fail_here();
      return;
  }
}

// ------------------------------------------------------------------------------------------
// Expressions

Expr Parser::star_expressions() {
  Expr e = star_expression();
  if (!ok() || tk() != Tok::kComma) return e;
  Expr tuple;
  tuple.kind = EK::kTuple;
  tuple.first = e.first;
  auto add = [&](const Expr& el) {
    if (el.kind == EK::kStarred ||
        ((el.kind == EK::kTuple || el.kind == EK::kList) && (el.flags & kHasStarred))) {
      tuple.flags |= kHasStarred;
    }
    bool good = is_target_kind(el.kind) &&
                !((el.kind == EK::kTuple || el.kind == EK::kList || el.kind == EK::kStarred) &&
                  (el.flags & kBadElement));
    if (!good && !(tuple.flags & kBadElement)) {
      tuple.flags |= kBadElement;
      bool nested = el.kind == EK::kTuple || el.kind == EK::kList || el.kind == EK::kStarred;
      tuple.bad_kind = nested ? el.bad_kind : el.kind;
      tuple.bad = nested ? el.bad : el.first;
    }
  };
  add(e);
  while (ok() && tk() == Tok::kComma) {
    next();
    if (at_expr_end() && tk() != Tok::kIf) break;
    add(star_expression());
  }
  return tuple;
}

Expr Parser::star_expression() {
  if (tk() == Tok::kStar) {
    uint32_t first = static_cast<uint32_t>(p_);
    next();
    Expr inner = binary(5);
    Expr e;
    e.kind = EK::kStarred;
    e.first = first;
    // `*a` is a target only when `a` is: remember the first invalid part.
    bool nested = inner.kind == EK::kTuple || inner.kind == EK::kList;
    if (!is_target_kind(inner.kind) || inner.kind == EK::kStarred ||
        (nested && (inner.flags & kBadElement))) {
      e.flags = kBadElement;
      e.bad_kind = nested ? inner.bad_kind : inner.kind;
      e.bad = nested ? inner.bad : inner.first;
    }
    return e;
  }
  return expression();
}

Expr Parser::star_named_expression() {
  if (tk() == Tok::kStar) return star_expression();
  return named_expression();
}

Expr Parser::named_expression() {
  if (tk() == Tok::kName && peek() == Tok::kColonEqual) {
    uint32_t first = static_cast<uint32_t>(p_);
    next();
    next();
    expression();
    Expr e;
    e.kind = EK::kNamedExpr;
    e.first = first;
    return e;
  }
  Expr e = expression();
  if (ok() && tk() == Tok::kColonEqual) {
    fail(e.first, fmt::format("cannot use assignment expressions with {}", describe(e.kind)));
  }
  return e;
}

void Parser::lambda_head() {
  next();  // lambda
  parameters(false, Tok::kColon, nullptr);
  if (!ok()) return;
  expect(Tok::kColon, ":");
}

Expr Parser::expression() {
  if (!enter()) return Expr{};
  const uint32_t first = static_cast<uint32_t>(p_);
  const bool starts_with_lambda = tk() == Tok::kLambda;
  Expr result;
  bool first_set = false, composite = false;
  // `lambda` bodies and `else` branches are tail positions: loop instead of recursing, so
  // long chains cannot exhaust the stack.
  while (ok()) {
    while (ok() && tk() == Tok::kLambda)
      lambda_head();
    if (!ok()) break;
    last_disjunction_ = static_cast<uint32_t>(p_);
    Expr e = binary(1);
    if (!ok()) break;
    if (!first_set) {
      result = e;
      first_set = true;
    }
    if (tk() != Tok::kIf) break;
    composite = true;
    next();
    last_disjunction_ = static_cast<uint32_t>(p_);
    binary(1);
    if (!ok()) break;
    if (tk() != Tok::kElse) {
      fail(first, "expected 'else' after 'if' expression");
      break;
    }
    next();
  }
  if (starts_with_lambda || composite) {
    result = Expr{};
    result.kind = starts_with_lambda ? EK::kLambda : EK::kOther;
    result.first = first;
  }
  leave();
  return result;
}

Expr Parser::yield_expr() {
  Expr e;
  e.kind = EK::kYield;
  e.first = static_cast<uint32_t>(p_);
  next();  // yield
  if (tk() == Tok::kFrom) {
    next();
    expression();
    return e;
  }
  if (!at_expr_end() || tk() == Tok::kIf) {
    star_expressions();
  }
  return e;
}

// Binary operators by precedence: 1 or, 2 and, 3 not (prefix), 4 comparisons, 5 |, 6 ^, 7 &,
// 8 shifts, 9 + -, 10 * / // % @. Left-associative chains loop instead of recursing.
static int binary_prec(Tok k) {
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

Expr Parser::binary(int min_prec) {
  Expr left;
  if (tk() == Tok::kNot) {
    if (min_prec > 3) {
      fail_here();
      return left;
    }
    left.first = static_cast<uint32_t>(p_);
    while (tk() == Tok::kNot)
      next();
    binary(4);
    left.kind = EK::kOther;
  } else {
    left = factor();
  }
  while (ok()) {
    Tok op = tk();
    int prec = binary_prec(op);
    if (prec == 0 || prec < min_prec) break;
    if (op == Tok::kNot) {
      if (peek() != Tok::kIn) break;
      next();
    }
    if (op == Tok::kIn && min_prec > 4) break;
    next();
    if (op == Tok::kIs && tk() == Tok::kNot) next();
    binary(prec + 1);
    left.kind = prec == 4 ? EK::kCompare : EK::kOther;
    left.chain = kNoChain;
    left.flags = 0;
  }
  return left;
}

inline Expr Parser::factor() {
  uint32_t first = static_cast<uint32_t>(p_);
  bool unary = false;
  while (tk() == Tok::kMinus || tk() == Tok::kPlus || tk() == Tok::kTilde) {
    next();
    unary = true;
  }
  Expr e = power();
  if (unary) {
    e = Expr{};
    e.kind = EK::kOther;
    e.first = first;
  }
  return e;
}

inline Expr Parser::power() {
  Expr e = primary();
  while (ok() && tk() == Tok::kDoubleStar) {
    next();
    while (tk() == Tok::kMinus || tk() == Tok::kPlus || tk() == Tok::kTilde)
      next();
    primary();
    uint32_t first = e.first;
    e = Expr{};
    e.kind = EK::kOther;
    e.first = first;
  }
  return e;
}

inline Expr Parser::primary() {
  uint32_t first = static_cast<uint32_t>(p_);
  bool awaited = false;
  if (tk() == Tok::kAwait) {
    next();
    awaited = true;
  }
  Expr e = atom();
  while (ok()) {
    Tok k = tk();
    if (k == Tok::kDot) {
      next();
      if (tk() != Tok::kName) {
        fail_here();
        break;
      }
      Chain c = kNoChain;
      switch (e.chain) {
        case kDbt:
          if (name_equals(src_, tok_[p_], "ref"))
            c = kDbtRef;
          else if (name_equals(src_, tok_[p_], "source"))
            c = kDbtSource;
          else if (name_equals(src_, tok_[p_], "config"))
            c = kDbtConfig;
          break;
        case kDbtConfig:
          if (name_equals(src_, tok_[p_], "get"))
            c = kDbtConfigGet;
          else if (name_equals(src_, tok_[p_], "meta_get"))
            c = kDbtConfigMetaGet;
          break;
        default:
          break;
      }
      next();
      e.kind = EK::kAttribute;
      e.chain = c;
      e.flags = 0;
    } else if (k == Tok::kLPar) {
      call_args(e, true);
      e.kind = EK::kCall;
      e.chain = kNoChain;
      e.flags = 0;
    } else if (k == Tok::kLSqb) {
      slices();
      e.kind = EK::kSubscript;
      e.chain = kNoChain;
      e.flags = 0;
    } else {
      break;
    }
  }
  if (awaited) {
    e = Expr{};
    e.kind = EK::kOther;
    e.first = first;
  }
  return e;
}

bool Parser::forgot_comma() {
  if (!ok()) return false;
  switch (tk()) {
    case Tok::kName:
    case Tok::kNumber:
    case Tok::kString:
    case Tok::kFStringStart:
    case Tok::kLBrace:
    case Tok::kEllipsis:
    case Tok::kNone:
    case Tok::kTrue:
    case Tok::kFalse:
    case Tok::kLambda:
    case Tok::kNot:
    case Tok::kAwait:
    case Tok::kTilde:
      break;
    default:
      return false;
  }
  const Token& a = tok_[last_disjunction_];
  if (a.kind == Tok::kName) {
    std::string_view w = a.text(src_);
    // CPython excludes `print "x"`-like pairs and soft keywords.
    if (tk_at(last_disjunction_ + 1) == Tok::kString || w == "match" || w == "case" ||
        w == "type" || w == "_") {
      return false;
    }
  }
  fail(last_disjunction_, "invalid syntax. Perhaps you forgot a comma?");
  return true;
}

void Parser::record_call(const Expr& callee, std::vector<CallArgSpan>& args) {
  CallSite site;
  switch (callee.chain) {
    case kDbtRef:
      site.kind = CallKind::kRef;
      break;
    case kDbtSource:
      site.kind = CallKind::kSource;
      break;
    case kDbtConfig:
      site.kind = CallKind::kConfig;
      break;
    case kDbtConfigGet:
      site.kind = CallKind::kConfigGet;
      break;
    case kDbtConfigMetaGet:
      site.kind = CallKind::kMetaGet;
      break;
    default:
      return;
  }
  site.callee_tok = callee.chain_tok;
  site.args = std::move(args);
  // Calls nested in the arguments were recorded first; keep source order of the callees.
  size_t at = out_.calls.size();
  while (at > 0 && out_.calls[at - 1].callee_tok > site.callee_tok)
    --at;
  out_.calls.insert(out_.calls.begin() + static_cast<ptrdiff_t>(at), std::move(site));
}

void Parser::call_args(Expr& callee, bool allow_genexp) {
  const bool recognized = callee.chain >= kDbtRef;
  std::vector<CallArgSpan> spans;
  if (!enter()) return;
  next();  // (
  bool seen_keyword = false, seen_kwunpack = false;
  int count = 0;
  while (ok() && tk() != Tok::kRPar) {
    CallArgSpan span;
    uint32_t arg_tok = static_cast<uint32_t>(p_);
    if (tk() == Tok::kStar) {
      if (seen_kwunpack) {
        fail_here("iterable argument unpacking follows keyword argument unpacking");
        break;
      }
      span.kind = CallArgSpan::Kind::kStar;
      next();
      span.begin = static_cast<uint32_t>(p_);
      expression();
    } else if (tk() == Tok::kDoubleStar) {
      span.kind = CallArgSpan::Kind::kDoubleStar;
      next();
      span.begin = static_cast<uint32_t>(p_);
      expression();
      seen_kwunpack = true;
    } else if (tk() == Tok::kName && peek() == Tok::kEqual) {
      span.kind = CallArgSpan::Kind::kKeyword;
      span.name_tok = arg_tok;
      next();
      next();
      span.begin = static_cast<uint32_t>(p_);
      expression();
      seen_keyword = true;
    } else {
      span.begin = arg_tok;
      named_expression();
      if (!ok()) break;
      if (tk() == Tok::kFor || (tk() == Tok::kAsync && peek() == Tok::kFor)) {
        if (!allow_genexp) {
          fail_here();
          break;
        }
        comprehension_clauses();
        if (!ok()) break;
        if (count > 0 || tk() != Tok::kRPar) {
          fail(arg_tok, "Generator expression must be parenthesized");
          break;
        }
      } else if (tk() == Tok::kEqual) {
        fail(arg_tok, "expression cannot contain assignment, perhaps you meant \"==\"?");
        break;
      }
      if (seen_kwunpack) {
        fail(arg_tok, "positional argument follows keyword argument unpacking");
        break;
      }
      if (seen_keyword) {
        fail(arg_tok, "positional argument follows keyword argument");
        break;
      }
    }
    if (!ok()) break;
    span.end = static_cast<uint32_t>(p_);
    if (recognized) spans.push_back(span);
    ++count;
    if (tk() == Tok::kComma) {
      next();
      continue;
    }
    if (tk() != Tok::kRPar && !forgot_comma()) fail_here();
    break;
  }
  if (ok()) expect(Tok::kRPar, ")");
  leave();
  if (ok() && recognized) record_call(callee, spans);
}

void Parser::slices() {
  if (!enter()) return;
  next();  // [
  auto slice = [&]() {
    if (tk() == Tok::kStar) {
      star_expression();
      return;
    }
    if (tk() != Tok::kColon) {
      named_expression();
      if (!ok() || tk() != Tok::kColon) return;
    }
    next();  // :
    if (tk() != Tok::kColon && tk() != Tok::kComma && tk() != Tok::kRSqb) expression();
    if (ok() && tk() == Tok::kColon) {
      next();
      if (tk() != Tok::kComma && tk() != Tok::kRSqb) expression();
    }
  };
  while (ok()) {
    slice();
    if (!ok()) break;
    if (tk() == Tok::kComma) {
      next();
      if (tk() == Tok::kRSqb) break;
      continue;
    }
    break;
  }
  if (ok() && !forgot_comma()) expect(Tok::kRSqb, "]");
  leave();
}

void Parser::comprehension_clauses() {
  while (ok() && (tk() == Tok::kFor || (tk() == Tok::kAsync && peek() == Tok::kFor))) {
    if (tk() == Tok::kAsync) next();
    next();  // for
    target_list(2);
    if (!expect(Tok::kIn, "in")) return;
    binary(1);
    while (ok() && tk() == Tok::kIf) {
      next();
      binary(1);
    }
  }
}

inline Expr Parser::atom() {
  Expr e;
  e.first = static_cast<uint32_t>(p_);
  switch (tk()) {
    case Tok::kName:
      e.kind = EK::kName;
      if (name_equals(src_, tok_[p_], "dbt")) {
        e.chain = kDbt;
        e.chain_tok = static_cast<uint32_t>(p_);
      }
      next();
      return e;
    case Tok::kNumber:
    case Tok::kTrue:
    case Tok::kFalse:
    case Tok::kNone:
    case Tok::kEllipsis:
      e.kind = EK::kLiteral;
      next();
      return e;
    case Tok::kString:
    case Tok::kFStringStart:
      return strings();
    case Tok::kLPar:
      return paren_atom();
    case Tok::kLSqb:
      return list_atom();
    case Tok::kLBrace:
      return brace_atom();
    default:
      fail_here();
      return e;
  }
}

Expr Parser::strings() {
  Expr e;
  e.first = static_cast<uint32_t>(p_);
  bool any_bytes = false, any_text = false, any_f = false;
  while (ok() && (tk() == Tok::kString || tk() == Tok::kFStringStart)) {
    if (tk() == Tok::kFStringStart) {
      any_f = true;
      any_text = true;
      fstring();
      continue;
    }
    bool bytes = false;
    for (char c : tok_[p_].text(src_)) {
      if (c == '\'' || c == '"') break;
      if (c == 'b' || c == 'B') bytes = true;
    }
    (bytes ? any_bytes : any_text) = true;
    next();
  }
  if (any_bytes && any_text) {
    fail(e.first, "cannot mix bytes and nonbytes literals");
  }
  e.kind = any_f ? EK::kFString : any_bytes ? EK::kLiteral : EK::kStr;
  return e;
}

void Parser::fstring() {
  if (!enter()) return;
  next();  // FSTRING_START
  while (ok() && tk() == Tok::kLBrace)
    fstring_field();
  if (ok()) expect(Tok::kFStringEnd, nullptr);
  leave();
}

void Parser::fstring_field() {
  next();  // {
  if (tk() == Tok::kRBrace || tk() == Tok::kExclamation || tk() == Tok::kColon ||
      tk() == Tok::kEqual) {
    fail_here(fmt::format("f-string: valid expression required before '{}'", tok_[p_].text(src_)));
    return;
  }
  if (tk() == Tok::kLambda) {
    fail_here("f-string: lambda expressions are not allowed without parentheses");
    return;
  }
  yield_or_star_expressions();
  if (!ok()) return;
  if (tk() == Tok::kEqual) next();
  if (tk() == Tok::kExclamation) {
    uint32_t excl_end = tok_[p_].end;
    next();
    if (tk() != Tok::kName || tok_[p_].begin != excl_end) {
      fail_here("f-string: conversion type must come right after the exclamanation mark");
      return;
    }
    std::string_view conv = tok_[p_].text(src_);
    if (conv != "s" && conv != "r" && conv != "a") {
      fail_here(
          fmt::format("f-string: invalid conversion character '{}': expected 's', 'r', or "
                      "'a'",
                      conv));
      return;
    }
    next();
  }
  if (tk() == Tok::kColon) {
    next();
    while (ok() && tk() == Tok::kLBrace)
      fstring_field();
  }
  if (ok() && tk() != Tok::kRBrace) {
    fail_here("f-string: expecting '}'");
    return;
  }
  next();
}

Expr Parser::paren_atom() {
  Expr e;
  e.first = static_cast<uint32_t>(p_);
  if (!enter()) return e;
  next();  // (
  if (tk() == Tok::kRPar) {
    next();
    e.kind = EK::kTuple;
    e.flags = kParenthesized;
    leave();
    return e;
  }
  if (tk() == Tok::kYield) {
    e = yield_expr();
    expect(Tok::kRPar, ")");
    e.flags = kParenthesized;
    leave();
    return e;
  }
  Expr inner = star_named_expression();
  if (!ok()) {
    leave();
    return e;
  }
  if (tk() == Tok::kFor || (tk() == Tok::kAsync && peek() == Tok::kFor)) {
    comprehension_clauses();
    expect(Tok::kRPar, ")");
    e.kind = EK::kOther;
    leave();
    return e;
  }
  if (tk() == Tok::kComma) {
    // A tuple: reuse the star_expressions logic on the elements.
    Expr tuple;
    tuple.kind = EK::kTuple;
    tuple.first = e.first;
    auto add = [&](const Expr& el) {
      if (el.kind == EK::kStarred ||
          ((el.kind == EK::kTuple || el.kind == EK::kList) && (el.flags & kHasStarred))) {
        tuple.flags |= kHasStarred;
      }
      bool good = is_target_kind(el.kind) &&
                  !((el.kind == EK::kTuple || el.kind == EK::kList || el.kind == EK::kStarred) &&
                    (el.flags & kBadElement));
      if (!good && !(tuple.flags & kBadElement)) {
        tuple.flags |= kBadElement;
        bool nested = el.kind == EK::kTuple || el.kind == EK::kList || el.kind == EK::kStarred;
        tuple.bad_kind = nested ? el.bad_kind : el.kind;
        tuple.bad = nested ? el.bad : el.first;
      }
    };
    add(inner);
    while (ok() && tk() == Tok::kComma) {
      next();
      if (tk() == Tok::kRPar) break;
      add(star_named_expression());
    }
    if (ok() && !forgot_comma()) expect(Tok::kRPar, ")");
    tuple.flags |= kParenthesized;
    leave();
    return tuple;
  }
  if (forgot_comma() || !expect(Tok::kRPar, ")")) {
    leave();
    return e;
  }
  if (inner.kind == EK::kStarred) {
    fail(inner.first, "cannot use starred expression here");
  }
  inner.flags |= kParenthesized;
  leave();
  return inner;
}

Expr Parser::list_atom() {
  Expr e;
  e.kind = EK::kList;
  e.first = static_cast<uint32_t>(p_);
  if (!enter()) return e;
  next();  // [
  bool first_item = true;
  while (ok() && tk() != Tok::kRSqb) {
    Expr el = star_named_expression();
    if (!ok()) break;
    if (first_item && (tk() == Tok::kFor || (tk() == Tok::kAsync && peek() == Tok::kFor))) {
      comprehension_clauses();
      e.kind = EK::kOther;
      break;
    }
    first_item = false;
    if (el.kind == EK::kStarred ||
        ((el.kind == EK::kTuple || el.kind == EK::kList) && (el.flags & kHasStarred))) {
      e.flags |= kHasStarred;
    }
    bool good = is_target_kind(el.kind) &&
                !((el.kind == EK::kTuple || el.kind == EK::kList || el.kind == EK::kStarred) &&
                  (el.flags & kBadElement));
    if (!good && !(e.flags & kBadElement)) {
      e.flags |= kBadElement;
      bool nested = el.kind == EK::kTuple || el.kind == EK::kList || el.kind == EK::kStarred;
      e.bad_kind = nested ? el.bad_kind : el.kind;
      e.bad = nested ? el.bad : el.first;
    }
    if (tk() == Tok::kComma) {
      next();
      continue;
    }
    break;
  }
  if (ok() && !forgot_comma()) expect(Tok::kRSqb, "]");
  leave();
  return e;
}

Expr Parser::brace_atom() {
  Expr e;
  e.kind = EK::kOther;
  e.first = static_cast<uint32_t>(p_);
  if (!enter()) return e;
  next();  // {
  bool is_dict = false, decided = false, first_item = true;
  while (ok() && tk() != Tok::kRBrace) {
    if (tk() == Tok::kDoubleStar) {
      if (decided && !is_dict) {
        fail_here();
        break;
      }
      is_dict = decided = true;
      next();
      binary(5);
      if (!ok()) break;
      if (first_item && tk() == Tok::kFor) {
        fail(e.first + 1, "dict unpacking cannot be used in dict comprehension");
        break;
      }
    } else {
      Expr key = star_named_expression();
      if (!ok()) break;
      if (tk() == Tok::kColon) {
        if ((decided && !is_dict) || key.kind == EK::kStarred) {
          fail_here();
          break;
        }
        is_dict = decided = true;
        next();
        expression();
        if (!ok()) break;
      } else {
        if (decided && is_dict) {
          fail(key.first, "':' expected after dictionary key");
          break;
        }
        decided = true;
      }
      if (first_item && (tk() == Tok::kFor || (tk() == Tok::kAsync && peek() == Tok::kFor))) {
        comprehension_clauses();
        break;
      }
    }
    first_item = false;
    if (tk() == Tok::kComma) {
      next();
      continue;
    }
    break;
  }
  if (ok() && !forgot_comma()) expect(Tok::kRBrace, "}");
  leave();
  return e;
}

}  // namespace

bool name_equals(std::string_view source, const Token& t, std::string_view ascii) {
  std::string_view text = t.text(source);
  if (!(t.flags & kNonAscii)) return text == ascii;
  // NFKC-fold each character onto ASCII; a character without such a fold cannot match.
  size_t i = 0, j = 0;
  while (i < text.size()) {
    char c;
    unsigned char b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      c = static_cast<char>(b);
      ++i;
    } else {
      char32_t cp;
      int len = decode_utf8(text, i, cp);
      if (len == 0) return false;
      c = ascii_fold(cp);
      if (c == 0) return false;
      i += static_cast<size_t>(len);
    }
    if (j >= ascii.size() || ascii[j] != c) return false;
    ++j;
  }
  return j == ascii.size();
}

ParseResult parse(std::string_view source, const std::vector<Token>& tokens) {
  ParseResult result;
  if (tokens.empty()) {
    result.empty_module = true;
    return result;
  }
  Parser parser(source, tokens, result);
  parser.parse_file();
  return result;
}

}  // namespace dbtpy::compiler::python
