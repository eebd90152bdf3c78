// The parser's entry point and its statements (incl. `match`, decided by a speculative parse).
#include "compiler/python/parser.h"

#include <fmt/format.h>

#include "compiler/python/parser_internal.h"
#include "compiler/python/tokenizer.h"
#include "compiler/python/unicode_tables.h"

namespace dbtpy::compiler::python {
namespace detail {

// ------------------------------------------------------------------------------------------
// Failures

bool Parser::fail(size_t tok, std::string_view message) {
  if (!failed_) {
    failed_ = true;
    if (!speculating_) {
      std::string refined;
      if (message == "invalid syntax") {
        if (lookahead_ > tok) tok = lookahead_;
        size_t where = 0;
        if (refine_invalid_syntax(tok, where, refined)) {
          tok = where;
          message = refined;
        }
      }
      if (tok >= t_.size()) tok = t_.size() - 1;
      // Where the parser stood, which may be after the reported position.
      out_.error.token = static_cast<uint32_t>(tok > pos() ? tok : pos());
      // Like CPython, a statement missing at a dedent is reported before the text of the
      // dedented line, and at the end of the file at the end of the last line.
      size_t after_dedents = tok;
      while (after_dedents < t_.size() && t_[after_dedents].kind == Tok::kDedent)
        ++after_dedents;
      if (after_dedents > tok && after_dedents < t_.size() &&
          t_[after_dedents].kind != Tok::kEndMarker) {
        const Token& t = t_[after_dedents];
        out_.error.present = true;
        out_.error.message = std::string(message);
        out_.error.offset = t.begin;
        out_.error.line = t.line;
        out_.error.before_line = true;
        return false;
      }
      const size_t failed_at = tok;
      while (tok > 0 && (t_[tok].kind == Tok::kDedent || t_[tok].kind == Tok::kEndMarker) &&
             (t_[tok - 1].kind == Tok::kNewline || t_[tok - 1].kind == Tok::kDedent)) {
        --tok;
      }
      const Token& t = t_[tok];
      out_.error.present = true;
      out_.error.message = std::string(message);
      out_.error.offset = t.begin;
      out_.error.line = t.line;
      // A block missing at the end of the file: CPython reports it at the end of the file's
      // last line, blank and comment-only lines included ("if x:\n# c\n" -> line 2, after
      // "# c"), where its end marker stands.
      if (tok != failed_at && message.starts_with("expected an indented block")) {
        size_t k = failed_at;
        while (k < t_.size() && t_[k].kind == Tok::kDedent)
          ++k;
        if (k < t_.size() && t_[k].kind == Tok::kEndMarker) {
          const LastLine last = last_line();
          out_.error.offset = last.end;
          out_.error.line = last.line;
          return false;
        }
      }
      // A plain error at the end marker itself (a decorator with nothing after it): CPython
      // reports the marker, at column 0 of the file's last line ("@d\n# c\n" -> 2:0).
      if (tok != failed_at && t_[failed_at].kind == Tok::kEndMarker &&
          message == "invalid syntax") {
        const LastLine last = last_line();
        out_.error.offset = last.begin;
        out_.error.line = last.line;
        out_.error.before_line = true;
        return false;
      }
      // CPython's NEWLINE token after a comment starts where the comment does (the end of the
      // file is reported at the end of the last line, comment included).
      if (t.kind == Tok::kNewline && tok == failed_at && tok > 0) {
        size_t hash = src_.find('#', t_[tok - 1].end);
        if (hash < t.begin) out_.error.offset = static_cast<uint32_t>(hash);
      }
    }
  }
  return false;
}

Parser::LastLine Parser::last_line() const {
  size_t end = src_.size();
  if (end > 0 && src_[end - 1] == '\n') --end;
  if (end > 0 && src_[end - 1] == '\r') --end;
  LastLine last{1, 0, static_cast<uint32_t>(end)};
  for (size_t i = 0; i < end; ++i) {
    if (src_[i] == '\n' || (src_[i] == '\r' && (i + 1 == end || src_[i + 1] != '\n'))) {
      ++last.line;
      last.begin = static_cast<uint32_t>(i + 1);
    }
  }
  return last;
}

bool Parser::fail_expected(const char* what) {
  if (!failed_) {
    if (what) return fail_here(fmt::format("expected '{}'", what));
    return fail_here();
  }
  return false;
}

bool Parser::fail_header_colon() {
  if (!failed_) return tk() == Tok::kNewline ? fail_expected(":") : fail_here();
  return false;
}

bool Parser::too_deep() {
  if (!failed_ && !speculating_) out_.error.too_deep = true;
  return fail_here("too many nested parentheses or expressions");
}

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
    size_t q = pos();
    while (tk_at(q) == Tok::kString)
      ++q;
    if (q > pos() &&
        (tk_at(q) == Tok::kNewline || tk_at(q) == Tok::kSemi || tk_at(q) == Tok::kEndMarker)) {
      bool all_str = true;
      for (size_t i = pos(); i < q; ++i) {
        std::string_view s = t_[i].text(src_);
        for (char c : s) {
          if (c == '\'' || c == '"') break;
          if (c == 'b' || c == 'B') all_str = false;
        }
      }
      if (all_str) {
        out_.docstring_begin = static_cast<int32_t>(pos());
        out_.docstring_end = static_cast<int32_t>(q);
      }
    }
  }
  Ctx ctx;
  while (ok() && tk() != Tok::kEndMarker) {
    if (tk() == Tok::kIndent) {
      fail(pos(), "unexpected indent");
      out_.error.indentation = true;
      break;
    }
    statement(ctx);
  }
}

StmtInfo Parser::statement(Ctx ctx) {
  StmtInfo info;
  info.first_tok = static_cast<uint32_t>(pos());
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
        fail(pos() + 1, "invalid syntax");
      }
      return info;
    case Tok::kName:
      if (raw_name_is(pos(), "match") && try_match_stmt(ctx)) return info;
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

inline StmtInfo Parser::simple_stmt(Ctx ctx) {
  (void)ctx;
  StmtInfo info;
  info.first_tok = static_cast<uint32_t>(pos());
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
        skip_expression();
        if (ok() && tk() == Tok::kFrom) {
          next();
          skip_expression();
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
      skip_expression();
      if (ok() && tk() == Tok::kComma) {
        next();
        skip_expression();
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
      // `type X = ...`: a name after a name is rare, so test that before the text.
      if (tk_at(pos() + 1) == Tok::kName && raw_name_is(pos(), "type") &&
          (tk_at(pos() + 2) == Tok::kEqual || tk_at(pos() + 2) == Tok::kLSqb)) {
        next();
        next();
        if (tk() == Tok::kLSqb) type_params();
        if (!expect(Tok::kEqual, nullptr)) return info;
        skip_expression();
        return info;
      }
      // `type X` followed by something else: CPython reads the third token before it fails.
      if (tk_at(pos() + 1) == Tok::kName && raw_name_is(pos(), "type")) looked_at(pos() + 2);
      break;
    default:
      break;
  }
  assignment_or_expr(info);
  return info;
}

inline void Parser::assignment_or_expr(StmtInfo& info) {
  (void)info;
  // `name = ...`, the most common statement: the target is the lone name expression()'s fast
  // path would return (only its kind and position matter to check_target), without descending
  // through star_expressions() to get there.
  Expr first;
  const size_t start = pos();
  if (!failed_ && depth_ < kMaxDepth && tk() == Tok::kName && peek() == Tok::kEqual) {
    last_disjunction_ = static_cast<uint32_t>(pos());
    first.kind = EK::kName;
    first.first = static_cast<uint32_t>(pos());
    next();
  } else {
    first = yield_or_star_expressions();
  }
  if (!ok()) return;
  if (tk() == Tok::kColonEqual && first.kind != EK::kStarred && first.kind != EK::kYield &&
      ((first.kind != EK::kName && first.kind != EK::kTuple) || t_[start].kind == Tok::kLPar) &&
      expression_at(pos() + 1)) {
    // `df["x"] := ...`, `(a) := ...`: CPython's invalid_named_expression names the target (a
    // bare name or tuple is a plain error there), at its node inside grouping parentheses.
    Expr target = first;
    target.first = static_cast<uint32_t>(inside_groups(start, pos()));
    bad_walrus(target);
    return;
  }
  if (tk() == Tok::kColon) {
    // Annotated assignment: one target only. CPython names a bad target only when an
    // annotation follows the colon; else the colon is a plain syntax error.
    if (first.kind != EK::kName && first.kind != EK::kAttribute && first.kind != EK::kSubscript) {
      if (!expression_at(pos() + 1)) {
        fail_here();
      } else if (first.kind == EK::kTuple || first.kind == EK::kList) {
        fail(first.first, fmt::format("only single target (not {}) can be annotated",
                                      first.kind == EK::kTuple ? "tuple" : "list"));
      } else {
        fail(first.first, "illegal target for annotation");
      }
      return;
    }
    next();
    skip_expression();
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

void Parser::check_other_target(const Expr& e, int mode) {
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
    // At the `=`. CPython adds its hint only where it reads the target as a named expression.
    const char* what = describe(kind);
    if (where + 1 == pos()) {  // one token: CPython names the constant
      switch (t_[where].kind) {
        case Tok::kNone:
          what = "None";
          break;
        case Tok::kTrue:
          what = "True";
          break;
        case Tok::kFalse:
          what = "False";
          break;
        case Tok::kEllipsis:
          what = "ellipsis";
          break;
        default:
          break;
      }
    }
    if (equal_sign_hint(where, pos())) {
      fail(where,
           fmt::format("cannot assign to {} here. Maybe you meant '==' instead of '='?", what));
    } else {
      fail(where, fmt::format("cannot assign to {}", what));
    }
  } else {
    fail(where, fmt::format("cannot {} {}", verb, describe(kind)));
  }
}

// Targets of del / for / comprehensions: a comma-separated list parsed at the level of
// primaries (so that `in` is not taken as a comparison), then checked.
void Parser::target_list(int mode) {
  size_t start = pos();
  int count = 0;
  bool trailing_comma = false;
  while (ok()) {
    Expr e;
    if (tk() == Tok::kStar) {
      uint32_t star = static_cast<uint32_t>(pos());
      next();
      e = binary(5);
      if (!ok()) return;
      if (mode == 1) {
        fail(star, "cannot delete starred");
        return;
      }
      check_target(e, mode);
      e.kind = EK::kStarred;
    } else if (tk() == Tok::kName && (cur_[1].kind == Tok::kComma || cur_[1].kind == Tok::kIn)) {
      // A lone name, the common target: what binary(5) would return for it, a valid target.
      advance();
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
    skip_named_expression();
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

void Parser::def_type_params() {
  const size_t lsqb = pos();
  type_params();
  if (!out_.error.message.starts_with("cannot use")) skipped_optional(lsqb, "expected '('");
}

void Parser::skipped_optional(size_t first, const char* message) {
  // A lexical error where the parse failed (the end marker put there) is what CPython meets
  // first; so are the limits.
  if (ok() || speculating_ || out_.error.too_deep ||
      t_[std::min<size_t>(out_.error.token, t_.size() - 1)].kind == Tok::kEndMarker) {
    return;
  }
  const Token& t = t_[first];
  out_.error.message = message;
  out_.error.offset = t.begin;
  out_.error.line = t.line;
  out_.error.token = static_cast<uint32_t>(first);
  out_.error.before_line = false;
}

void Parser::type_params() {
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
      skip_expression();
    }
    if (!ok()) return;
    if (tk() == Tok::kComma) {
      next();
      if (tk() == Tok::kRSqb) break;
      continue;
    }
    break;
  }
  expect(Tok::kRSqb, nullptr);
}

void Parser::function_def(Ctx ctx, bool is_async) {
  uint32_t def_tok = static_cast<uint32_t>(pos());
  uint32_t line = (*cur_).line;
  next();  // def
  if (tk() != Tok::kName) {
    fail_here();
    return;
  }
  bool is_model = name_equals(src_, (*cur_), "model");
  const uint32_t name_tok = static_cast<uint32_t>(pos());
  next();
  if (tk() == Tok::kLSqb) def_type_params();
  if (!ok()) return;
  if (!expect(Tok::kLPar, "(")) return;
  ModelDefSite site;
  site.def_tok = def_tok;
  site.name_tok = name_tok;
  site.counted = !ctx.in_function && !is_async;
  parameters(true, Tok::kRPar, &site);
  if (!ok()) return;
  if (!expect(Tok::kRPar, nullptr)) return;
  if (tk() == Tok::kRArrow) {
    // A return annotation that does not parse is skipped by CPython's def rule, which then
    // forces the `:` at the `->`.
    const size_t arrow = pos();
    next();
    skip_expression();
    skipped_optional(arrow, "expected ':'");
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
    // An annotation or default parsed in this parameter starts after this token.
    const size_t param_start = pos();
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
        if (tk() == closer || (tk() == Tok::kComma && (tk_at(pos() + 1) == closer ||
                                                       tk_at(pos() + 1) == Tok::kDoubleStar))) {
          // A def's rule points at the `*`; a lambda's has no location, so CPython reports
          // the last token it read: the `:` of `*:` or `*,:`, the `**` of `*, **k`.
          const size_t at = closer != Tok::kColon ? pos() - 1 : tk() == closer ? pos() : pos() + 1;
          fail(at, "named arguments must follow bare *");
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
        skip_expression();
      }
      if (tk() == Tok::kEqual) {
        fail_here("var-keyword argument cannot have default value");
        return;
      }
      seen_kwargs = true;
    } else if (tk() == Tok::kName) {
      uint32_t name_tok = static_cast<uint32_t>(pos());
      next();
      if (annotations && tk() == Tok::kColon) {
        next();
        skip_expression();
        if (!ok()) return;
      }
      if (tk() == Tok::kEqual) {
        next();
        skip_expression();
        if (!seen_star) seen_default = true;
      } else if (seen_default && !seen_star) {
        // CPython's rule needs the parameter to end there; otherwise the error is elsewhere.
        if (tk() == Tok::kComma || tk() == closer) {
          fail(name_tok, "parameter without a default follows parameter with a default");
        } else if (closer == Tok::kColon || last_disjunction_ <= param_start || !forgot_comma()) {
          fail_here();
        }
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
      // Inside a def's parentheses an annotation or default may have lost its comma.
      if (closer == Tok::kColon || last_disjunction_ <= param_start || !forgot_comma()) {
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
  uint32_t line = (*cur_).line;
  next();  // class
  if (!expect(Tok::kName, nullptr)) return;
  if (tk() == Tok::kLSqb) type_params();
  if (!ok()) return;
  if (tk() == Tok::kLPar) {
    Expr dummy;
    call_args(dummy, false);
    if (!ok()) return;
  }
  if (!expect_header_colon()) return;
  block(ctx, "class definition", line);
}

void Parser::if_stmt(Ctx ctx) {
  uint32_t line = (*cur_).line;
  next();
  skip_named_expression();
  if (!expect_header_colon()) return;
  block(ctx, "'if' statement", line);
  while (ok() && tk() == Tok::kElif) {
    line = (*cur_).line;
    next();
    skip_named_expression();
    if (!expect_header_colon()) return;
    block(ctx, "'elif' statement", line);
  }
  if (ok() && tk() == Tok::kElse) {
    line = (*cur_).line;
    next();
    if (!expect(Tok::kColon, ":")) return;
    block(ctx, "'else' statement", line);
  }
}

void Parser::while_stmt(Ctx ctx) {
  uint32_t line = (*cur_).line;
  next();
  skip_named_expression();
  if (!expect_header_colon()) return;
  block(ctx, "'while' statement", line);
  if (ok() && tk() == Tok::kElse) {
    line = (*cur_).line;
    next();
    if (!expect(Tok::kColon, ":")) return;
    block(ctx, "'else' statement", line);
  }
}

void Parser::for_stmt(Ctx ctx, bool is_async) {
  (void)is_async;
  uint32_t line = (*cur_).line;
  next();  // for
  target_list(2);
  if (!expect(Tok::kIn, nullptr)) return;
  star_expressions();
  if (!expect_header_colon()) return;
  block(ctx, "'for' statement", line);
  if (ok() && tk() == Tok::kElse) {
    line = (*cur_).line;
    next();
    if (!expect(Tok::kColon, ":")) return;
    block(ctx, "'else' statement", line);
  }
}

void Parser::with_stmt(Ctx ctx, bool is_async) {
  (void)is_async;
  uint32_t line = (*cur_).line;
  next();  // with
  auto with_item = [&]() {
    skip_expression();
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
    size_t q = pos();
    for (; q < t_.size(); ++q) {
      Tok k = t_[q].kind;
      if (k == Tok::kLPar || k == Tok::kLSqb || k == Tok::kLBrace) ++depth;
      if (k == Tok::kRPar || k == Tok::kRSqb || k == Tok::kRBrace) {
        if (--depth == 0) break;
      }
    }
    parenthesized = tk_at(q + 1) == Tok::kColon;
  }
  auto parenthesized_items = [&]() {
    next();  // (
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
    expect(Tok::kRPar, nullptr);
  };
  if (parenthesized) {
    // Like CPython's grammar, try the parenthesized items first and fall back to a
    // parenthesized expression (`with (yield x):`) when they do not parse.
    size_t save_p = pos(), save_calls = out_.calls.size();
    int save_depth = depth_;
    bool save_spec = speculating_;
    speculating_ = true;
    parenthesized_items();
    bool items_ok = ok() && tk() == Tok::kColon;
    speculating_ = save_spec;
    failed_ = false;
    depth_ = save_depth;
    out_.calls.resize(save_calls);
    cur_ = tok_ + save_p;
    parenthesized = items_ok;
  }
  if (parenthesized) {
    parenthesized_items();
    if (!ok()) return;
  } else {
    while (ok()) {
      with_item();
      if (!ok()) return;
      if (tk() != Tok::kComma) break;
      next();
    }
  }
  if (!expect_header_colon()) return;
  block(ctx, "'with' statement", line);
}

void Parser::try_stmt(Ctx ctx) {
  uint32_t line = (*cur_).line;
  next();
  if (!expect(Tok::kColon, ":")) return;
  block(ctx, "'try' statement", line);
  bool any_except = false, any_star = false, any_plain = false;
  while (ok() && tk() == Tok::kExcept) {
    uint32_t except_tok = static_cast<uint32_t>(pos());
    line = (*cur_).line;
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
    if (tk() != Tok::kColon && !(tk() == Tok::kNewline && !star)) {
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
    if (!expect_header_colon()) return;
    block(ctx, star ? "'except*' statement" : "'except' statement", line);
  }
  if (ok() && any_except && tk() == Tok::kElse) {
    line = (*cur_).line;
    next();
    if (!expect(Tok::kColon, ":")) return;
    block(ctx, "'else' statement", line);
  }
  bool any_finally = false;
  if (ok() && tk() == Tok::kFinally) {
    any_finally = true;
    line = (*cur_).line;
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
    out_.import_toks.push_back(static_cast<uint32_t>(pos()));
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
    if (!relative) out_.import_toks.push_back(static_cast<uint32_t>(pos()));
    next();
    while (tk() == Tok::kDot) {
      next();
      if (!expect(Tok::kName, nullptr)) return;
    }
  } else if (!relative) {
    fail_here();
    return;
  }
  if (!expect(Tok::kImport, nullptr)) return;
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
  if (paren) expect(Tok::kRPar, nullptr);
}

// ------------------------------------------------------------------------------------------
// match statements (soft keyword): decided by a speculative parse of the subject.

bool Parser::try_match_stmt(Ctx ctx) {
  size_t save_p = pos();
  size_t save_calls = out_.calls.size();
  int save_depth = depth_;
  bool save_spec = speculating_;
  speculating_ = true;
  uint32_t line = (*cur_).line;
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
  cur_ = tok_ + save_p;
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
    if (!raw_name_is(pos(), "case")) {
      fail_here();
      break;
    }
    uint32_t case_line = (*cur_).line;
    next();
    patterns();
    if (!ok()) break;
    if (tk() == Tok::kIf) {
      next();
      skip_named_expression();
    }
    if (!expect_header_colon()) break;
    block(ctx, "'case' statement", case_line);
    ++cases;
  }
  leave();
  if (ok()) expect(Tok::kDedent, nullptr);
  (void)cases;
  return true;
}

}  // namespace detail

bool name_equals_non_ascii(std::string_view source, const Token& t, std::string_view ascii) {
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

ParseResult parse(std::string_view source, const TokenVector& tokens) {
  ParseResult result;
  parse(source, tokens, result);
  return result;
}

void parse(std::string_view source, const TokenVector& tokens, ParseResult& out) {
  out.calls.clear();
  out.call_args.clear();
  out.arg_stack.clear();
  out.model_defs.clear();
  out.import_toks.clear();
  out.docstring_begin = -1;
  out.docstring_end = -1;
  out.empty_module = false;
  out.error = SyntaxErrorInfo{};
  if (tokens.empty()) {
    out.empty_module = true;
    return;
  }
  detail::Parser parser(source, tokens, out);
  parser.parse_file();
}

bool expression_runs_to_end(std::string_view source, const TokenVector& tokens, size_t from) {
  ParseResult result;
  detail::Parser parser(source, tokens, result);
  return parser.expression_runs_to_end(from);
}

size_t expression_reach(std::string_view source, const TokenVector& tokens, size_t from) {
  ParseResult result;
  detail::Parser parser(source, tokens, result);
  return parser.expression_reach(from);
}

}  // namespace dbtpy::compiler::python
