// `match` statement patterns (PEP 634) for the parser.
#include "compiler/python/parser_internal.h"

namespace dbtpy::compiler::python::detail {

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
      // CPython names an expression there (at its node: inside any grouping parentheses);
      // anything else is a plain error.
      if (starts_expression(tk())) {
        size_t at = pos();
        if (tk() == Tok::kLPar) {
          size_t close = at, depth = 0;
          for (; close < t_.size(); ++close) {
            if (t_[close].kind == Tok::kLPar) ++depth;
            if (t_[close].kind == Tok::kRPar && --depth == 0) break;
          }
          if (close < t_.size()) at = inside_groups(at, close + 1);
        }
        fail(at, "invalid pattern target");
      } else {
        fail_here();
      }
    } else if ((*cur_).text(src_) == "_") {
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
  const size_t real = pos();
  if (!expect(Tok::kNumber, nullptr)) return;
  if (tk() == Tok::kPlus || tk() == Tok::kMinus) {
    std::string_view r = t_[real].text(src_);
    if (!r.empty() && (r.back() == 'j' || r.back() == 'J')) {
      fail(real, "real number required in complex literal");
      return;
    }
    next();
    if (tk() != Tok::kNumber) {
      fail_here();
      return;
    }
    std::string_view n = (*cur_).text(src_);
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
    case Tok::kFStringStart:
      // An f-string is rejected by CPython's compiler, not its parser: ast.parse (and so
      // dbt) accepts it.
      strings();
      return;
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
        expect(Tok::kRPar, nullptr);
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
      if (ok()) expect(Tok::kRPar, nullptr);
      leave();
      return;
    }
    case Tok::kLSqb:
      if (!enter()) return;
      next();
      sequence_items(Tok::kRSqb);
      if (ok()) expect(Tok::kRSqb, nullptr);
      leave();
      return;
    case Tok::kLBrace: {
      if (!enter()) return;
      next();
      while (ok() && tk() != Tok::kRBrace) {
        if (tk() == Tok::kDoubleStar) {
          // `**rest` comes last and cannot be `_`.
          next();
          if (tk() == Tok::kName && (*cur_).text(src_) == "_") {
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
            strings();  // f-string keys too, as ast.parse (see closed_pattern())
          } else if (tk() == Tok::kNone || tk() == Tok::kTrue || tk() == Tok::kFalse) {
            next();
          } else {
            fail_here();
            break;
          }
          if (!expect(Tok::kColon, nullptr)) break;
          pattern();
        }
        if (!ok()) break;
        if (tk() == Tok::kComma) {
          next();
          continue;
        }
        break;
      }
      if (ok()) expect(Tok::kRBrace, nullptr);
      leave();
      return;
    }
    default:
      fail_here();
      return;
  }
}

}  // namespace dbtpy::compiler::python::detail
