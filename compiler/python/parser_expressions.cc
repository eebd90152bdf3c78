// Expressions for the parser: precedence climbing for operators, primaries with the dbt.*
// callee chain, calls (where dbt.* call sites are recorded), displays, f-string fields.
#include <array>

#include "compiler/python/parser_internal.h"

namespace dbtpy::compiler::python::detail {

// ------------------------------------------------------------------------------------------
// Expressions

Expr Parser::star_expressions() {
  Expr e = star_expression();
  if (failed_ || tk() != Tok::kComma) [[likely]]
    return e;
  return star_expressions_tuple(e);
}

Expr Parser::star_expressions_tuple(const Expr& e) {
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

Expr Parser::starred() {
  uint32_t first = static_cast<uint32_t>(pos());
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

Expr Parser::walrus() {
  uint32_t first = static_cast<uint32_t>(pos());
  next();
  next();
  skip_expression();
  Expr e;
  e.kind = EK::kNamedExpr;
  e.first = first;
  return e;
}

void Parser::bad_walrus(const Expr& target) {
  fail(target.first,
       fmt::format("cannot use assignment expressions with {}", describe(target.kind)));
}

void Parser::lambda_head() {
  const size_t lambda = pos();
  next();  // lambda
  parameters(false, Tok::kColon, nullptr);
  if (!ok()) return;
  if (tk() == Tok::kColon && (cur_->flags & kFormatSpecColon)) [[unlikely]] {
    // The colon starts the replacement field's format spec: the lambda has no body. CPython
    // names the lambda when the spec's text (possibly empty) follows the colon.
    const size_t after = pos() + 1;
    if (tk_at(after) != Tok::kLBrace || tok_[after].begin != cur_->end) {
      fail(lambda, "f-string: lambda expressions are not allowed without parentheses");
    } else {
      fail(after, "invalid syntax");
    }
    return;
  }
  expect(Tok::kColon, ":");
}

Expr Parser::expression_rest() {
  if (!enter()) return Expr{};
  const uint32_t first = static_cast<uint32_t>(pos());
  const bool starts_with_lambda = tk() == Tok::kLambda;
  Expr result;
  bool first_set = false, composite = false;
  // An operand that starts with a primary (no prefix operator, no lambda) is parsed directly
  // instead of through binary(1) -> factor() -> power(): when a token that ends the operand
  // follows it (a call or attribute chain before `,` `)` NEWLINE ...), it is the expression.
  Expr pre;
  bool have_pre = false;
  switch (tk()) {
    case Tok::kNot:
    case Tok::kMinus:
    case Tok::kPlus:
    case Tok::kTilde:
    case Tok::kLambda:
      break;
    default:
      last_disjunction_ = first;
      pre = primary();
      if (!ok()) {
        leave();
        return Expr{};
      }
      if (kEndsOperand[static_cast<uint8_t>(tk())]) {
        leave();
        return pre;
      }
      pre = binary_rest(power_rest(pre), 1);
      have_pre = true;
      break;
  }
  // `lambda` bodies and `else` branches are tail positions: loop instead of recursing, so
  // long chains cannot exhaust the stack.
  uint32_t disjunction = first;
  while (ok()) {
    Expr e;
    if (have_pre) {
      e = pre;
      have_pre = false;
    } else {
      while (ok() && tk() == Tok::kLambda)
        lambda_head();
      if (!ok()) break;
      disjunction = last_disjunction_ = static_cast<uint32_t>(pos());
      e = binary(1);
    }
    if (!ok()) break;
    if (!first_set) {
      result = e;
      first_set = true;
    }
    if (tk() != Tok::kIf) break;
    composite = true;
    const size_t if_tok = pos();
    next();
    const size_t condition = pos();
    last_disjunction_ = static_cast<uint32_t>(condition);
    skip_binary(1);
    if (!ok()) {
      // A plain error inside the condition: CPython's second pass takes the condition's valid
      // beginning as the whole condition and then misses the `else`.
      if (out_.error.token > condition) {
        replace_plain_error(inside_groups(disjunction, if_tok),
                            "expected 'else' after 'if' expression");
      }
      break;
    }
    if (tk() != Tok::kElse) {
      // CPython's rule: at the disjunction before `if`, unless a `:` follows the condition.
      if (tk() == Tok::kColon) {
        fail_here();
      } else {
        fail(inside_groups(disjunction, if_tok), "expected 'else' after 'if' expression");
      }
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
  e.first = static_cast<uint32_t>(pos());
  next();  // yield
  if (tk() == Tok::kFrom) {
    next();
    skip_expression();
    return e;
  }
  if (!at_expr_end() || tk() == Tok::kIf) {
    star_expressions();
  }
  return e;
}

// Tokens that continue an atom into a primary or a power: a trailer, `**`, or an adjacent
// string literal. An atom before any other token is its whole operand.
constexpr std::array<bool, 256> make_continues_atom() {
  std::array<bool, 256> t{};
  for (Tok k :
       {Tok::kDot, Tok::kLPar, Tok::kLSqb, Tok::kDoubleStar, Tok::kString, Tok::kFStringStart}) {
    t[static_cast<size_t>(k)] = true;
  }
  return t;
}
constexpr std::array<bool, 256> kContinuesAtom = make_continues_atom();

Expr Parser::binary(int min_prec) {
  // A lone atom operand: what factor() -> power() -> primary() would return for it.
  if (is_lone_atom(tk()) && !kContinuesAtom[static_cast<uint8_t>(cur_[1].kind)]) {
    return binary_rest(atom(), min_prec);
  }
  Expr left;
  if (tk() == Tok::kNot) {
    if (min_prec > 3) {
      fail_here();
      return left;
    }
    left.first = static_cast<uint32_t>(pos());
    while (tk() == Tok::kNot)
      next();
    binary(4);
    left.kind = EK::kOther;
  } else {
    left = factor();
  }
  return binary_rest(left, min_prec);
}

inline Expr Parser::binary_rest(Expr left, int min_prec) {
  while (ok()) {
    Tok op = tk();
    int prec = binary_prec(op);
    if (prec == 0 || prec < min_prec) break;
    if (op == Tok::kNot) {
      if (peek() != Tok::kIn) {
        looked_past_not();
        break;
      }
      next();
    }
    if (op == Tok::kIn && min_prec > 4) break;
    next();
    if (op == Tok::kIs && tk() == Tok::kNot) next();
    skip_binary(prec + 1);
    left.kind = prec == 4 ? EK::kCompare : EK::kOther;
    left.chain = kNoChain;
    left.flags = 0;
  }
  return left;
}

inline Expr Parser::factor() {
  uint32_t first = static_cast<uint32_t>(pos());
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
  return power_rest(primary());
}

inline Expr Parser::power_rest(Expr e) {
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
  uint32_t first = static_cast<uint32_t>(pos());
  bool awaited = false;
  if (tk() == Tok::kAwait) {
    next();
    awaited = true;
  }
  Expr e = atom();
  while (ok()) {
    Tok k = tk();
    if (k == Tok::kDot) {
      advance();
      if (tk() != Tok::kName) {
        fail_here();
        break;
      }
      Chain c = kNoChain;
      switch (e.chain) {
        case kDbt:
          if (name_equals(src_, (*cur_), "ref"))
            c = kDbtRef;
          else if (name_equals(src_, (*cur_), "source"))
            c = kDbtSource;
          else if (name_equals(src_, (*cur_), "config"))
            c = kDbtConfig;
          break;
        case kDbtConfig:
          if (name_equals(src_, (*cur_), "get"))
            c = kDbtConfigGet;
          else if (name_equals(src_, (*cur_), "meta_get"))
            c = kDbtConfigMetaGet;
          break;
        default:
          break;
      }
      advance();
      e.kind = EK::kAttribute;
      e.chain = c;
      e.flags = 0;
    } else if (k == Tok::kLPar) {
      if (cur_[1].kind == Tok::kRPar && e.chain < kDbtRef && depth_ < kMaxDepth) {
        // `()` of a call that is not recorded: what call_args() would do, without the call.
        advance();
        advance();
      } else {
        call_args(e, true);
      }
      e.kind = EK::kCall;
      e.chain = kNoChain;
      e.flags = 0;
    } else if (k == Tok::kLSqb) {
      if (is_lone_atom(cur_[1].kind) && cur_[2].kind == Tok::kRSqb && depth_ + 1 < kMaxDepth) {
        // `[atom]`: what slices() would do (the index is a lone atom), without the call; as
        // slices(), it leaves the last disjunction (the one a forgotten comma is reported at)
        // to the expression the subscript belongs to.
        advance();
        advance();
        advance();
      } else {
        slices();
      }
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
  // A starred element: in call arguments `*a b` and `**a b` forgot a comma after `a`; in a
  // display `**a b` never, `*a b` only as its first element (CPython reads it as a starred
  // comprehension element there, whose operand is an expression).
  Element el = element_before(pos());
  if (el.start != kNoElement && el.start < pos()) {
    Tok k0 = t_[el.start].kind;
    if (k0 == Tok::kStar || k0 == Tok::kDoubleStar) {
      bool operand_is_expression =
          el.holder == Holder::kCall ||
          (k0 == Tok::kStar && el.first_in_brackets && el.holder == Holder::kDisplay);
      if (!operand_is_expression) return false;
      last_disjunction_ = static_cast<uint32_t>(el.start + 1);
    }
  }
  const Token& a = tok_[last_disjunction_];
  if (a.kind == Tok::kName) {
    std::string_view w = a.text(src_);
    // Python 2's `print x`: CPython's "Missing parentheses" message instead.
    if (last_disjunction_ + 1 == pos() && (w == "print" || w == "exec")) {
      size_t where = 0;
      std::string message;
      if (!legacy_print(pos(), where, message)) return false;
      fail(where, message);
      return true;
    }
    // CPython excludes `print "x"`-like pairs and soft keywords. Its soft-keyword test compares
    // only the name's length of bytes, so every prefix of one counts (`m`, `ca`, `ty`...).
    auto prefix_of = [&](std::string_view keyword) {
      return w.size() <= keyword.size() && keyword.compare(0, w.size(), w) == 0;
    };
    if (tk_at(last_disjunction_ + 1) == Tok::kString || prefix_of("match") || prefix_of("case") ||
        prefix_of("type") || w == "_") {
      // Its invalid_legacy_expression then reads the expressions after a lone name (not a
      // call), and its forgotten-comma rule fires there: `[d "x" y]` at the string.
      if (last_disjunction_ + 1 != pos() || tk() == Tok::kLPar) return false;
      return forgot_comma_after_name();
    }
  }
  // CPython's rule needs a whole expression after the disjunction (`a not )` is no forgotten
  // comma: the error is in what follows).
  if (speculating_) [[unlikely]] {
    // A speculative parse fails here either way, and the message is not kept: one parse of
    // what follows finds where. (Testing it first and then parsing it again, at every level of
    // nesting, was exponential: `[a(b a(b a(b ... +)))]`.)
    const size_t here = pos();
    expression();
    if (ok()) {
      cur_ = tok_ + here;
      fail_here();
    }
    return true;
  }
  if (!rule_at(pos(), Rule::kExpression)) {
    // CPython's second pass goes on into that expression and reports a specific error found
    // there; a plain "invalid syntax" stays where its first pass stopped (here).
    const size_t here = pos();
    expression();
    if (!ok()) replace_plain_error(here, "invalid syntax");
    return !ok();
  }
  fail_forgot_comma(last_disjunction_, pos());
  return true;
}

// The call's arguments are out_.arg_stack[args_from, end): those of the calls nested in them
// were recorded (and popped) while they were read.
void Parser::record_call(const Expr& callee, size_t args_from) {
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
  site.args_begin = static_cast<uint32_t>(out_.call_args.size());
  site.args_count = static_cast<uint32_t>(out_.arg_stack.size() - args_from);
  out_.call_args.insert(out_.call_args.end(),
                        out_.arg_stack.begin() + static_cast<ptrdiff_t>(args_from),
                        out_.arg_stack.end());
  // Calls nested in the arguments were recorded first; keep source order of the callees.
  size_t at = out_.calls.size();
  while (at > 0 && out_.calls[at - 1].callee_tok > site.callee_tok)
    --at;
  out_.calls.insert(out_.calls.begin() + static_cast<ptrdiff_t>(at), std::move(site));
}

template <bool kRecord>
void Parser::call_args_impl(const Expr& callee, bool allow_genexp) {
  KeepDisjunction keep(last_disjunction_);
  // A recorded call's arguments go on out_.arg_stack above those of the calls around it.
  const size_t args_from = out_.arg_stack.size();
  if (!enter()) return;
  next();  // (
  bool seen_keyword = false, seen_kwunpack = false;
  // A positional argument after keyword arguments: CPython reports it at the token after the
  // last argument (the last token its argument rule read), so the other arguments are read.
  const char* misplaced = nullptr;
  int count = 0;
  while (ok() && tk() != Tok::kRPar) {
    CallArgSpan span;
    uint32_t arg_tok = static_cast<uint32_t>(pos());
    if (tk() == Tok::kStar) {
      if (seen_kwunpack) {
        fail_here("iterable argument unpacking follows keyword argument unpacking");
        break;
      }
      span.kind = CallArgSpan::Kind::kStar;
      next();
      span.begin = static_cast<uint32_t>(pos());
      skip_expression();
      if (ok() && (tk() == Tok::kFor || (tk() == Tok::kAsync && peek() == Tok::kFor))) {
        fail(arg_tok, count == 0 ? "iterable unpacking cannot be used in comprehension"
                                 : "Generator expression must be parenthesized");
        break;
      }
    } else if (tk() == Tok::kDoubleStar) {
      span.kind = CallArgSpan::Kind::kDoubleStar;
      next();
      span.begin = static_cast<uint32_t>(pos());
      skip_expression();
      if (ok() && tk() == Tok::kEqual && expression_at(pos() + 1)) {  // `**name=value`
        fail(arg_tok, "cannot assign to keyword argument unpacking");
        break;
      }
      seen_kwunpack = true;
    } else if (tk() == Tok::kName && peek() == Tok::kEqual) {
      span.kind = CallArgSpan::Kind::kKeyword;
      span.name_tok = arg_tok;
      next();
      next();
      if (tk() == Tok::kComma || tk() == Tok::kRPar) {
        fail(arg_tok, "expected argument value expression");
        break;
      }
      span.begin = static_cast<uint32_t>(pos());
      skip_expression();
      seen_keyword = true;
    } else {
      span.begin = arg_tok;
      // An argument is `name := value` or an expression: another target before `:=` is a
      // plain syntax error there, not CPython's named-expression message.
      if (tk() == Tok::kName && peek() == Tok::kColonEqual) {
        walrus();
      } else {
        skip_expression();
        if (ok() && tk() == Tok::kColonEqual) fail_here();
      }
      if (!ok()) break;
      if (tk() == Tok::kFor || (tk() == Tok::kAsync && peek() == Tok::kFor)) {
        if (!allow_genexp) {
          fail_here();
          break;
        }
        comprehension_clauses();
        if (!ok()) break;
        if (tk() != Tok::kComma && tk() != Tok::kRPar) {  // `f(x for x in a b)`: plain
          fail_here();
          break;
        }
        if (count > 0 || tk() != Tok::kRPar) {
          fail(arg_tok, "Generator expression must be parenthesized");
          break;
        }
      } else if (tk() == Tok::kEqual) {
        fail(arg_tok, "expression cannot contain assignment, perhaps you meant \"==\"?");
        break;
      }
      if (!misplaced && seen_kwunpack) {
        misplaced = "positional argument follows keyword argument unpacking";
      } else if (!misplaced && seen_keyword) {
        misplaced = "positional argument follows keyword argument";
      }
    }
    if (!ok()) break;
    span.end = static_cast<uint32_t>(pos());
    if constexpr (kRecord) out_.arg_stack.push_back(span);
    ++count;
    if (tk() == Tok::kComma) {
      next();
      continue;
    }
    // After a misplaced positional argument CPython's rule for it fails first, at this token.
    if (tk() != Tok::kRPar && !forgot_comma()) {
      if (misplaced) {
        fail_here(misplaced);
      } else {
        fail_here();
      }
    }
    break;
  }
  if (ok() && misplaced) fail_here(misplaced);
  if (ok()) expect(Tok::kRPar, nullptr);
  leave();
  if constexpr (kRecord) {
    if (ok()) record_call(callee, args_from);
    out_.arg_stack.resize(args_from);
  } else {
    (void)callee;
  }
}
template void Parser::call_args_impl<true>(const Expr&, bool);
template void Parser::call_args_impl<false>(const Expr&, bool);

void Parser::slices() {
  KeepDisjunction keep(last_disjunction_);
  if (!enter()) return;
  next();  // [
  auto slice = [&]() {
    if (tk() == Tok::kStar) {
      star_expression();
      return;
    }
    if (tk() != Tok::kColon) {
      skip_named_expression();
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
  if (ok() && !forgot_comma()) expect(Tok::kRSqb, nullptr);
  leave();
}

void Parser::comprehension_clauses() {
  while (ok() && (tk() == Tok::kFor || (tk() == Tok::kAsync && peek() == Tok::kFor))) {
    if (tk() == Tok::kAsync) next();
    next();  // for
    target_list(2);
    if (ok() && tk() != Tok::kIn) {
      // Inside brackets CPython reads the target as an expression: `for a b` forgot a comma.
      const size_t target = element_before(pos()).start;  // after `for` or a comma
      if (target != kNoElement) last_disjunction_ = static_cast<uint32_t>(target);
      if (target != kNoElement && forgot_comma()) return;
    }
    if (!expect(Tok::kIn, nullptr)) return;
    skip_binary(1);
    while (ok() && tk() == Tok::kIf) {
      next();
      skip_binary(1);
    }
  }
}

inline Expr Parser::atom() {
  Expr e;
  e.first = static_cast<uint32_t>(pos());
  switch (tk()) {
    case Tok::kName:
      e.kind = EK::kName;
      if (name_equals(src_, (*cur_), "dbt")) {
        e.chain = kDbt;
        e.chain_tok = static_cast<uint32_t>(pos());
      }
      advance();
      return e;
    case Tok::kNumber:
    case Tok::kTrue:
    case Tok::kFalse:
    case Tok::kNone:
    case Tok::kEllipsis:
      e.kind = EK::kLiteral;
      advance();
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
  e.first = static_cast<uint32_t>(pos());
  bool any_bytes = false, any_text = false, any_f = false;
  while (ok() && (tk() == Tok::kString || tk() == Tok::kFStringStart)) {
    if (tk() == Tok::kFStringStart) {
      any_f = true;
      any_text = true;
      // The fields' expressions are not the disjunction a forgotten comma is reported at.
      const uint32_t disjunction = last_disjunction_;
      fstring();
      last_disjunction_ = disjunction;
      continue;
    }
    bool bytes = false;
    for (uint32_t k = cur_->begin; k < cur_->end; ++k) {  // the prefix, up to the quote
      const char c = src_[k];
      if (c == '\'' || c == '"') break;
      if (c == 'b' || c == 'B') bytes = true;
    }
    (bytes ? any_bytes : any_text) = true;
    next();
  }
  if (any_bytes && any_text) {
    // CPython raises it in the concatenation's action, at the last token read: the one after
    // the strings.
    fail(pos(), "cannot mix bytes and nonbytes literals");
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
    fail_here(fmt::format("f-string: valid expression required before '{}'", (*cur_).text(src_)));
    return;
  }
  if (!starts_expression(tk()) && tk() != Tok::kStar && tk() != Tok::kYield &&
      tk() != Tok::kLambda) {
    fail_here("f-string: expecting a valid expression after '{'");
    return;
  }
  const size_t field = pos();
  yield_or_star_expressions();
  if (!ok()) {
    field_expression_failed(field);
    return;
  }
  // CPython names what may come next at each point of the field.
  const char* expecting = "f-string: expecting '=', or '!', or ':', or '}'";
  if (tk() == Tok::kEqual) {
    next();
    expecting = "f-string: expecting '!', or ':', or '}'";
  } else if (tk() != Tok::kExclamation && tk() != Tok::kColon && tk() != Tok::kRBrace) {
    // An expression right after the field's expression: a forgotten comma, or Python 2's print.
    const size_t after = pos();
    if (t_[field].kind != Tok::kStar && forgot_comma()) {
      // No forgotten comma after all (what follows is no expression): the field's own rule.
      replace_plain_error(after, expecting);
      return;
    }
    size_t where = 0;
    std::string message;
    if (legacy_print(pos(), where, message)) {
      fail(where, message);
      return;
    }
  }
  if (tk() == Tok::kExclamation) {
    expecting = "f-string: expecting ':' or '}'";
    const size_t excl = pos();
    uint32_t excl_end = (*cur_).end;
    next();
    if (tk() == Tok::kColon || tk() == Tok::kRBrace) {
      fail_here("f-string: missing conversion character");
      return;
    }
    if (tk() != Tok::kName) {
      fail_here("f-string: invalid conversion character");
      return;
    }
    if ((*cur_).begin != excl_end) {  // reported from the `!`, as CPython's range starts
      fail(excl, "f-string: conversion type must come right after the exclamanation mark");
      return;
    }
    std::string_view conv = (*cur_).text(src_);
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
    expecting = "f-string: expecting '}', or format specs";
  }
  if (ok() && tk() != Tok::kRBrace) {
    fail_here(expecting);
    return;
  }
  next();
}

Expr Parser::paren_atom() {
  KeepDisjunction keep(last_disjunction_);
  Expr e;
  e.first = static_cast<uint32_t>(pos());
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
    if (ok() && !forgot_comma()) expect(Tok::kRPar, nullptr);
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
    if (inner.kind == EK::kStarred) {
      fail(inner.first, "iterable unpacking cannot be used in comprehension");
      leave();
      return e;
    }
    comprehension_clauses();
    expect(Tok::kRPar, nullptr);
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
    if (ok() && !forgot_comma()) expect(Tok::kRPar, nullptr);
    tuple.flags |= kParenthesized;
    leave();
    return tuple;
  }
  if (forgot_comma() || !expect(Tok::kRPar, nullptr)) {
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
  KeepDisjunction keep(last_disjunction_);
  Expr e;
  e.kind = EK::kList;
  e.first = static_cast<uint32_t>(pos());
  if (!enter()) return e;
  next();  // [
  bool first_item = true;
  while (ok() && tk() != Tok::kRSqb) {
    Expr el = star_named_expression();
    if (!ok()) break;
    if (first_item && (tk() == Tok::kFor || (tk() == Tok::kAsync && peek() == Tok::kFor))) {
      if (el.kind == EK::kStarred) {
        fail(el.first, "iterable unpacking cannot be used in comprehension");
        break;
      }
      comprehension_clauses();
      e.kind = EK::kOther;  // a comprehension: CPython's rules see no forgotten comma after it
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
      if (tk() == Tok::kFor) break;
      continue;
    }
    break;
  }
  if (ok() && e.kind == EK::kList && starts_comprehension()) comprehension_target(e.first + 1);
  if (ok() && (e.kind == EK::kOther || !forgot_comma())) expect(Tok::kRSqb, nullptr);
  leave();
  return e;
}

Expr Parser::brace_atom() {
  KeepDisjunction keep(last_disjunction_);
  Expr e;
  e.kind = EK::kOther;
  e.first = static_cast<uint32_t>(pos());
  if (!enter()) return e;
  next();  // {
  bool is_dict = false, decided = false, first_item = true;
  bool comprehension = false;  // after one, CPython's rules see no forgotten comma
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
        skip_expression();
        if (!ok()) break;
      } else {
        if (decided && is_dict) {
          fail(key.first, "':' expected after dictionary key");
          break;
        }
        decided = true;
      }
      if (first_item && (tk() == Tok::kFor || (tk() == Tok::kAsync && peek() == Tok::kFor))) {
        if (key.kind == EK::kStarred) {
          fail(key.first, "iterable unpacking cannot be used in comprehension");
          break;
        }
        comprehension_clauses();
        comprehension = true;
        break;
      }
    }
    first_item = false;
    if (tk() == Tok::kComma) {
      next();
      if (tk() == Tok::kFor) break;
      continue;
    }
    break;
  }
  if (ok() && !is_dict && starts_comprehension()) comprehension_target(e.first + 1);
  if (ok() && (comprehension || !forgot_comma())) expect(Tok::kRBrace, nullptr);
  leave();
  return e;
}

}  // namespace dbtpy::compiler::python::detail
