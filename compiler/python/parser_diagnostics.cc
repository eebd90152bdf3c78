// CPython's more specific syntax-error messages for a few common mistakes, worked out only after
// the parser has failed with a plain "invalid syntax" (CPython finds them in a second pass over
// the file with its invalid_* grammar rules). Cold code: none of it runs for valid files.
#include <fmt/format.h>

#include <algorithm>

#include "compiler/python/parser_internal.h"

namespace dbtpy::compiler::python::detail {
namespace {

bool is_opener(Tok k) {
  return k == Tok::kLPar || k == Tok::kLSqb || k == Tok::kLBrace || k == Tok::kFStringStart;
}

bool is_closer(Tok k) {
  return k == Tok::kRPar || k == Tok::kRSqb || k == Tok::kRBrace || k == Tok::kFStringEnd;
}

// A token after which `(` opens a call's arguments (or def/class parameters), not a group.
bool ends_primary(Tok k) {
  return k == Tok::kName || k == Tok::kRPar || k == Tok::kRSqb || k == Tok::kRBrace ||
         k == Tok::kString || k == Tok::kFStringEnd || k == Tok::kNumber;
}

// Tokens that cannot be inside one display element before a `=`: with them the element is
// not the named expression CPython's rules look at.
bool ends_element(Tok k) {
  switch (k) {
    case Tok::kColon:
    case Tok::kColonEqual:
    case Tok::kEqual:
    case Tok::kAugAssign:
    case Tok::kFor:
    case Tok::kAsync:
    case Tok::kIf:
    case Tok::kElse:
    case Tok::kLambda:
    case Tok::kYield:
    case Tok::kRArrow:
      return true;
    default:
      return false;
  }
}

}  // namespace

// Speculative parsing from a failure: the parser's state is saved and put back on destruction.
class Parser::Rewind {
 public:
  explicit Rewind(Parser& p)
      : p_(p),
        cur_(p.cur_),
        failed_(p.failed_),
        speculating_(p.speculating_),
        depth_(p.depth_),
        last_disjunction_(p.last_disjunction_),
        lookahead_(p.lookahead_),
        calls_(p.out_.calls.size()) {
    p.speculating_ = true;
  }
  ~Rewind() {
    p_.cur_ = cur_;
    p_.failed_ = failed_;
    p_.speculating_ = speculating_;
    p_.depth_ = depth_;
    p_.last_disjunction_ = last_disjunction_;
    p_.lookahead_ = lookahead_;
    p_.out_.calls.resize(calls_);
  }
  Rewind(const Rewind&) = delete;
  Rewind& operator=(const Rewind&) = delete;

  // Parses from token `at` with `parse`; true when it succeeded. The state stays where the
  // parse ended until the next call or the destructor.
  template <typename F>
  bool from(size_t at, F&& parse) {
    p_.cur_ = p_.tok_ + at;
    p_.failed_ = false;
    parse();
    return p_.ok();
  }

 private:
  Parser& p_;
  const Token* cur_;
  bool failed_;
  bool speculating_;
  int depth_;
  uint32_t last_disjunction_;
  uint32_t lookahead_;
  size_t calls_;
};

Parser::Element Parser::element_before(size_t tok) const {
  Element el;
  int depth = 0;
  size_t i = tok;
  while (i > 0) {
    --i;
    Tok k = t_[i].kind;
    if (is_closer(k)) {
      ++depth;
      continue;
    }
    if (is_opener(k)) {
      if (depth > 0) {
        --depth;
        continue;
      }
      if (el.start == kNoElement) {
        el.start = i + 1;
        el.first_in_brackets = true;
      }
      el.holder = k == Tok::kLPar && i > 0 && ends_primary(t_[i - 1].kind) ? Holder::kCall
                  : k == Tok::kFStringStart                                ? Holder::kNone
                                                                           : Holder::kDisplay;
      return el;
    }
    if (depth > 0) continue;
    if (k == Tok::kNewline || k == Tok::kIndent || k == Tok::kDedent || k == Tok::kSemi) break;
    if (el.start != kNoElement) continue;  // past the element: only the brackets matter
    if (k == Tok::kComma) {
      el.start = i + 1;
      continue;
    }
    if ((k == Tok::kIf || k == Tok::kElif || k == Tok::kWhile || k == Tok::kAt) &&
        (i == 0 || t_[i - 1].kind == Tok::kNewline || t_[i - 1].kind == Tok::kIndent ||
         t_[i - 1].kind == Tok::kDedent)) {
      el.start = i + 1;
      el.holder = Holder::kHeader;
      return el;
    }
    if (ends_element(k)) {
      el.element_cut = true;
      el.start = i + 1;
    }
  }
  el.holder = Holder::kNone;
  return el;
}

// CPython's invalid_named_expression: `name = value` or `target = value` where a named
// expression belongs (a condition, a display element, a subscript, a group, a decorator), e.g.
// `if a = b:`.
bool Parser::assignment_in_named_expression(size_t eq, size_t& where, std::string& message) {
  Element el = element_before(eq);
  if ((el.holder != Holder::kDisplay && el.holder != Holder::kHeader) || el.element_cut ||
      el.start >= eq) {
    return false;
  }
  Expr target;
  if (!named_assignment(el.start, eq, target)) return false;
  if (eq == el.start + 1 && t_[el.start].kind == Tok::kName) {
    where = el.start;
    message = "invalid syntax. Maybe you meant '==' or ':=' instead of '='?";
    return true;
  }
  const char* what = target.kind == EK::kName        ? "name"
                     : target.kind == EK::kAttribute ? "attribute"
                     : target.kind == EK::kSubscript ? "subscript"
                                                     : describe(target.kind);
  // A parenthesized target is reported at what the parentheses hold, others where they start.
  where = (target.flags & kParenthesized) ? target.first : el.start;
  message = fmt::format("cannot assign to {} here. Maybe you meant '==' instead of '='?", what);
  return true;
}

bool Parser::named_assignment(size_t start, size_t eq, Expr& target) {
  // Not when a list, tuple, generator expression, True, None or False starts the target (a
  // name alone is CPython's other alternative, which has no such condition).
  switch (t_[start].kind) {
    case Tok::kLSqb:
    case Tok::kTrue:
    case Tok::kNone:
    case Tok::kFalse:
      return false;
    case Tok::kLPar: {
      size_t close = 0;
      if (!paren_group(start, eq, close)) return false;
      break;
    }
    default:
      break;
  }
  // The target must be exactly a bitwise_or, and so must the value, which `=` or `:=` must
  // not follow.
  Rewind rewind(*this);
  if (!rewind.from(start, [&] { target = binary(5); }) || pos() != eq) return false;
  return rewind.from(eq + 1, [&] { binary(5); }) && tk() != Tok::kEqual && tk() != Tok::kColonEqual;
}

bool Parser::equal_sign_hint(size_t target, size_t eq) {
  // The target must be before the statement's first `=`, the first element or one after a comma
  // (CPython reads those as named expressions), and pass named_assignment().
  size_t start = kNoElement;
  int depth = 0;
  size_t i = eq;
  for (; i > 0; --i) {
    Tok k = t_[i - 1].kind;
    if (is_closer(k)) ++depth;
    if (is_opener(k) && depth-- == 0) return false;
    if (depth > 0) continue;
    if (k == Tok::kNewline || k == Tok::kIndent || k == Tok::kDedent || k == Tok::kSemi) break;
    if (k == Tok::kEqual || k == Tok::kColon || k == Tok::kAugAssign) return false;
    if (k == Tok::kComma && start == kNoElement) start = i;
  }
  if (start == kNoElement) start = i;
  Expr parsed;
  return start < eq && target >= start && target < eq && named_assignment(start, eq, parsed);
}

// CPython's invalid_legacy_expression: `print x` / `exec "code"` as in Python 2.
bool Parser::legacy_print(size_t tok, size_t& where, std::string& message) {
  if (tok == 0 || t_[tok - 1].kind != Tok::kName || t_[tok].kind == Tok::kLPar) return false;
  std::string_view name = t_[tok - 1].text(src_);
  if (name != "print" && name != "exec") return false;
  if (tok >= 2) {
    Tok before = t_[tok - 2].kind;
    if (before == Tok::kDot || before == Tok::kImport || before == Tok::kFrom ||
        before == Tok::kAs || before == Tok::kDef || before == Tok::kClass) {
      return false;
    }
  }
  if (!rule_at(tok, Rule::kStarExpressions)) return false;
  where = tok - 1;
  message = fmt::format("Missing parentheses in call to '{}'. Did you mean {}(...)?", name, name);
  return true;
}

bool Parser::paren_group(size_t open, size_t end, size_t& close) const {
  int depth = 0;
  close = end;
  bool group = true;
  for (size_t i = open; i < end; ++i) {
    Tok k = t_[i].kind;
    if (is_opener(k)) ++depth;
    if (is_closer(k) && --depth == 0) {
      close = i;
      break;
    }
    if (depth == 1 && (k == Tok::kComma || k == Tok::kFor)) group = false;
  }
  return group && close != open + 1;
}

size_t Parser::inside_groups(size_t first, size_t end) const {
  // A parenthesized group is its contents in CPython's tree (a tuple or generator expression
  // is not): `(a + b)` is reported where `a` starts, `(a, b)` and `(a + b).c` at `(`.
  size_t close = 0;
  while (first + 1 < end && t_[first].kind == Tok::kLPar && paren_group(first, end, close) &&
         close == end - 1) {
    ++first;
    end = close;
  }
  return first;
}

void Parser::replace_plain_error(size_t tok, std::string_view message) {
  if (speculating_ || !out_.error.present || out_.error.too_deep ||
      out_.error.message != "invalid syntax") {
    return;
  }
  const Token& t = t_[std::min(tok, t_.size() - 1)];
  out_.error.message = std::string(message);
  out_.error.offset = t.begin;
  out_.error.line = t.line;
  out_.error.before_line = false;
}

bool Parser::expression_runs_to_end(size_t tok) {
  Rewind rewind(*this);
  return !rewind.from(tok, [&] { expression(); }) && pos() + 1 >= t_.size();
}

size_t Parser::expression_reach(size_t tok) {
  Rewind rewind(*this);
  rewind.from(tok, [&] { expression(); });
  return pos();
}

void Parser::field_expression_failed(size_t field) {
  if (speculating_ || !out_.error.present || out_.error.too_deep ||
      out_.error.message != "invalid syntax") {
    return;
  }
  const size_t stop = std::min<size_t>(std::max<size_t>(pos(), out_.error.token) + 1, ntok_);
  const size_t end = longest_prefix(field, stop, Rule::kFieldExpression);
  if (end == kNoElement) {
    replace_plain_error(field, "f-string: expecting a valid expression after '{'");
    return;
  }
  switch (t_[end].kind) {
    case Tok::kEqual:
    case Tok::kExclamation:
    case Tok::kColon:
    case Tok::kRBrace:
      return;  // not where this rule applies
    default:
      replace_plain_error(end, "f-string: expecting '=', or '!', or ':', or '}'");
  }
}

void Parser::parse_rule(Rule rule) {
  switch (rule) {
    case Rule::kExpression:
      expression();
      break;
    case Rule::kStarExpressions:
      star_expressions();
      break;
    case Rule::kFieldExpression:
      yield_or_star_expressions();
      break;
  }
}

bool Parser::rule_at(size_t tok, Rule rule) {
  // Only for the message reported: a speculative parse fails either way, and searching there
  // too would nest searches inside searches.
  const bool search = !speculating_;
  size_t stop = 0;
  {
    Rewind rewind(*this);
    if (rewind.from(tok, [&] { parse_rule(rule); })) return true;
    stop = std::min(pos() + 1, ntok_);
  }
  return search && longest_prefix(tok, stop, rule) != kNoElement;
}

size_t Parser::longest_prefix(size_t from, size_t stop, Rule rule) {
  // A prefix ends outside every bracket opened in it.
  std::vector<size_t> ends;
  int open = 0;
  for (size_t i = from; i + 1 < stop; ++i) {
    const Tok k = t_[i].kind;
    if (is_opener(k)) ++open;
    if (is_closer(k) && --open < 0) break;
    if (open == 0) ends.push_back(i + 1);
  }
  if (ends.empty()) return kNoElement;
  // Each candidate is parsed on a copy of the tokens cut by a `}` in its place. The longest
  // that parses to its end wins; a bounded number of tries keeps this linear.
  TokenVector copy(t_.begin() + static_cast<std::ptrdiff_t>(from),
                   t_.begin() + static_cast<std::ptrdiff_t>(stop));
  copy.push_back(t_[stop - 1]);
  copy.back().kind = Tok::kEndMarker;
  constexpr int kMaxTries = 64;
  int tries = 0;
  for (auto it = ends.rbegin(); it != ends.rend() && tries < kMaxTries; ++it, ++tries) {
    const size_t end = *it;
    Token& cut = copy[end - from];
    const Token saved = cut;
    cut.kind = Tok::kRBrace;
    cut.end = cut.begin;
    ParseResult scratch;
    Parser sub(src_, copy, scratch);
    sub.speculating_ = true;
    sub.depth_ = depth_;
    sub.parse_rule(rule);
    const bool whole = sub.ok() && sub.pos() == end - from;
    cut = saved;
    if (whole) return end;
  }
  return kNoElement;
}

bool Parser::forgot_comma_after_name() {
  const size_t start = pos();
  size_t end = 0;
  {
    Rewind rewind(*this);
    if (!rewind.from(start, [&] { binary(1); })) return false;
    end = pos();
  }
  if (end >= ntok_ || !starts_expression(t_[end].kind) || !rule_at(end, Rule::kExpression)) {
    return false;
  }
  fail_forgot_comma(start, end);
  return true;
}

void Parser::fail_forgot_comma(size_t first, size_t gap) {
  fail(inside_groups(first, gap), "invalid syntax. Perhaps you forgot a comma?");
}

bool Parser::expression_at(size_t tok) {
  Rewind rewind(*this);
  return rewind.from(tok, [&] { expression(); });
}

bool Parser::refine_invalid_syntax(size_t tok, size_t& where, std::string& message) {
  if (tok >= t_.size()) return false;
  if (t_[tok].kind == Tok::kEqual && assignment_in_named_expression(tok, where, message)) {
    return true;
  }
  return legacy_print(tok, where, message);
}

}  // namespace dbtpy::compiler::python::detail
