#include "sandbox/snowflake/sql_parser.h"

#include <set>

#include "sandbox/snowflake/sql_lexer.h"
#include "util/strings.h"

namespace dbtpy::sandbox::snowflake {

SqlError syntax_error(int line, int column, const std::string& near) {
  return {"001003", "42000",
          "SQL compilation error:\nsyntax error line " + std::to_string(line) + " at position " +
              std::to_string(column) + " unexpected '" + near + "'."};
}

namespace {

struct ParseFail {
  SqlError error;
};

const std::set<std::string> kProcClauses = {"LANGUAGE",    "RUNTIME_VERSION",
                                            "PACKAGES",    "IMPORTS",
                                            "HANDLER",     "EXTERNAL_ACCESS_INTEGRATIONS",
                                            "SECRETS",     "COMMENT",
                                            "EXECUTE",     "CALLED",
                                            "STRICT",      "VOLATILE",
                                            "IMMUTABLE",   "COPY",
                                            "AS",          "RETURNS",
                                            "TARGET_PATH", "ARTIFACT_REPOSITORY"};

// Snowflake's reserved keywords: never an unquoted identifier.
const std::set<std::string> kReserved = {
    "ALL",       "ALTER",  "AND",       "ANY",    "AS",       "BETWEEN",   "BY",
    "CASE",      "CAST",   "CHECK",     "COLUMN", "CONNECT",  "CREATE",    "CROSS",
    "CURRENT",   "DELETE", "DISTINCT",  "DROP",   "ELSE",     "EXISTS",    "FALSE",
    "FOLLOWING", "FOR",    "FROM",      "FULL",   "GRANT",    "GROUP",     "HAVING",
    "ILIKE",     "IN",     "INCREMENT", "INNER",  "INSERT",   "INTERSECT", "INTO",
    "IS",        "JOIN",   "LATERAL",   "LEFT",   "LIKE",     "LOCALTIME", "MINUS",
    "NATURAL",   "NOT",    "NULL",      "OF",     "ON",       "OR",        "ORDER",
    "QUALIFY",   "REGEXP", "REVOKE",    "RIGHT",  "RLIKE",    "ROW",       "ROWS",
    "SAMPLE",    "SELECT", "SET",       "SOME",   "START",    "TABLE",     "TABLESAMPLE",
    "THEN",      "TO",     "TRIGGER",   "TRUE",   "TRY_CAST", "UNION",     "UNIQUE",
    "UPDATE",    "USING",  "VALUES",    "WHEN",   "WHENEVER", "WHERE",     "WITH"};

class Parser {
 public:
  Parser(std::string_view src, std::vector<Token> tokens, int line_offset)
      : src_(src), t_(std::move(tokens)), line_offset_(line_offset) {}

  Statement parse_top() {
    Statement s = parse_one();
    accept_punct(";");
    if (peek().kind != TokenKind::kEnd) fail_here();
    return s;
  }

 private:
  const Token& peek(size_t k = 0) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  const Token& next() {
    const Token& tok = t_[i_];
    if (i_ + 1 < t_.size()) ++i_;
    return tok;
  }
  bool is_word(const char* w, size_t k = 0) const {
    return peek(k).kind == TokenKind::kWord && peek(k).value == w;
  }
  bool is_punct(const char* p, size_t k = 0) const {
    return peek(k).kind == TokenKind::kPunct && peek(k).value == p;
  }
  bool accept_word(const char* w) {
    if (!is_word(w)) return false;
    next();
    return true;
  }
  bool accept_punct(const char* p) {
    if (!is_punct(p)) return false;
    next();
    return true;
  }
  [[noreturn]] void fail_at(const Token& tok) const {
    std::string near = tok.kind == TokenKind::kEnd ? "<EOF>" : tok.text;
    if (near.size() > 40) near = near.substr(0, 40);
    throw ParseFail{syntax_error(tok.line + line_offset_, tok.column, near)};
  }
  [[noreturn]] void fail_here() const { fail_at(peek()); }
  void expect_word(const char* w) {
    if (!accept_word(w)) fail_here();
  }
  void expect_punct(const char* p) {
    if (!accept_punct(p)) fail_here();
  }
  std::string text_between(size_t from_tok, size_t to_tok) const {
    if (to_tok <= from_tok) return {};
    size_t a = t_[from_tok].offset;
    size_t b = t_[to_tok - 1].offset + t_[to_tok - 1].text.size();
    return std::string(src_.substr(a, b - a));
  }

  std::string identifier() {
    const Token& tok = peek();
    if (tok.kind == TokenKind::kWord && !kReserved.count(tok.value)) return next().value;
    if (tok.kind == TokenKind::kQuotedIdent) return next().value;
    fail_here();
  }

  QualifiedName qualified_name() {
    size_t start = i_;
    QualifiedName q;
    q.parts.push_back(identifier());
    while (is_punct(".")) {
      next();
      q.parts.push_back(identifier());
    }
    q.text = text_between(start, i_);
    return q;
  }

  Expr expr() {
    size_t start = i_;
    Expr e = primary();
    while (is_punct("::")) {  // casts change nothing the sandbox looks at
      next();
      identifier();
      if (accept_punct("(")) {
        while (!is_punct(")") && peek().kind != TokenKind::kEnd)
          next();
        expect_punct(")");
      }
    }
    e.text = text_between(start, i_);
    return e;
  }

  Expr primary() {
    const Token& tok = peek();
    Expr e;
    e.line = tok.line + line_offset_;
    e.column = tok.column;
    if (tok.kind == TokenKind::kPunct && tok.value == "-" && peek(1).kind == TokenKind::kNumber) {
      next();
      e.kind = Expr::Kind::kNumber;
      e.value = "-" + next().value;
      return e;
    }
    if (tok.kind == TokenKind::kNumber) {
      e.kind = Expr::Kind::kNumber;
      e.value = next().value;
      return e;
    }
    if (tok.kind == TokenKind::kString) {
      e.kind = Expr::Kind::kString;
      e.value = next().value;
      return e;
    }
    if (tok.kind == TokenKind::kBind) {
      // `?` binds are numbered in order of appearance (the request's "1", "2", ... bindings);
      // `:1` names a binding; `:name` reads a Snowflake Scripting variable.
      std::string v = next().value;
      bool numeric = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
      e.kind = v == "?" || numeric ? Expr::Kind::kBind : Expr::Kind::kVariable;
      e.value = v == "?" ? std::to_string(++binds_) : v;
      return e;
    }
    if (tok.kind == TokenKind::kPunct && tok.value == "*") {
      next();
      e.kind = Expr::Kind::kStar;
      return e;
    }
    if (tok.kind == TokenKind::kWord || tok.kind == TokenKind::kQuotedIdent) {
      if (tok.kind == TokenKind::kWord && (tok.value == "TRUE" || tok.value == "FALSE")) {
        e.kind = Expr::Kind::kBool;
        e.value = next().value;
        return e;
      }
      if (tok.kind == TokenKind::kWord && tok.value == "NULL") {
        next();
        e.kind = Expr::Kind::kNull;
        return e;
      }
      if (tok.kind == TokenKind::kWord && peek(1).kind == TokenKind::kPunct &&
          peek(1).value == "(") {
        e.kind = Expr::Kind::kFunction;
        e.value = next().value;
        next();  // (
        if (!is_punct(")")) {
          for (;;) {
            if (peek().kind == TokenKind::kWord && is_punct("=>", 1)) {
              next();
              next();
            }
            e.args.push_back(expr());
            if (!accept_punct(",")) break;
          }
        }
        expect_punct(")");
        return e;
      }
      e.kind = Expr::Kind::kColumn;
      e.value = identifier();
      while (is_punct(".")) {
        next();
        e.value += "." + identifier();
      }
      return e;
    }
    fail_here();
  }

  Statement parse_one() {
    size_t start = i_;
    Statement s;
    const Token& first = peek();
    if (first.kind != TokenKind::kWord) fail_here();
    const std::string& w = first.value;
    if (w == "SELECT") {
      s.node = select();
    } else if (w == "SHOW") {
      s.node = show_tables();
    } else if (w == "CREATE") {
      s.node = create_procedure();
    } else if (w == "DROP") {
      s.node = drop_procedure();
    } else if (w == "CALL") {
      s.node = call();
    } else if (w == "WITH") {
      s.node = with_procedure();
    } else if (w == "EXECUTE" && is_word("IMMEDIATE", 1)) {
      return execute_immediate();
    } else if (w == "DECLARE" ||
               (w == "BEGIN" && !is_word("TRANSACTION", 1) && !is_word("WORK", 1) &&
                !is_punct(";", 1) && peek(1).kind != TokenKind::kEnd)) {
      s.node = block();
    } else {
      fail_here();
    }
    s.text = text_between(start, i_);
    return s;
  }

  SelectStmt select() {
    expect_word("SELECT");
    SelectStmt s;
    for (;;) {
      SelectItem item;
      item.expr = expr();
      item.name = to_upper(item.expr.text);
      if (item.expr.kind == Expr::Kind::kColumn) {
        auto dot = item.name.rfind('.');
        if (dot != std::string::npos) item.name = item.name.substr(dot + 1);
      }
      if (accept_word("AS")) {
        item.name = peek().kind == TokenKind::kQuotedIdent ? next().value : identifier();
      } else if (peek().kind == TokenKind::kWord && !is_word("FROM") && !is_word("WHERE") &&
                 !is_word("LIMIT")) {
        item.name = identifier();
      } else if (peek().kind == TokenKind::kQuotedIdent) {
        item.name = next().value;
      }
      s.items.push_back(std::move(item));
      if (!accept_punct(",")) break;
    }
    if (accept_word("FROM")) {
      if (is_word("TABLE") && is_punct("(", 1)) {
        next();
        next();
        Expr gen = primary();
        if (gen.kind != Expr::Kind::kFunction || gen.value != "GENERATOR" || gen.args.size() != 1 ||
            gen.args[0].kind != Expr::Kind::kNumber) {
          throw ParseFail{{"002003", "42S02",
                           "SQL compilation error:\nthe sandbox supports only "
                           "TABLE(GENERATOR(ROWCOUNT => n)) as a table function"}};
        }
        s.from = SelectStmt::From::kGenerator;
        s.generator_rows = std::stoll(gen.args[0].value);
        expect_punct(")");
      } else {
        QualifiedName from = qualified_name();
        size_t n = from.parts.size();
        if (n >= 2 && from.parts[n - 1] == "TABLES" && from.parts[n - 2] == "INFORMATION_SCHEMA") {
          s.from = SelectStmt::From::kTables;
          if (n == 3) s.tables_database = from.parts[0];
        } else {
          throw ParseFail{{"002003", "42S02",
                           "SQL compilation error:\nObject '" + to_upper(from.text) +
                               "' does not exist or not authorized."}};
        }
      }
      if (accept_word("WHERE")) {
        for (;;) {
          std::string column = identifier();
          expect_punct("=");
          s.where_equals.emplace_back(column, expr());
          if (!accept_word("AND")) break;
        }
      }
    }
    if (accept_word("LIMIT")) {
      if (peek().kind != TokenKind::kNumber) fail_here();
      s.limit = std::stoll(next().value);
    }
    return s;
  }

  ShowTablesStmt show_tables() {
    expect_word("SHOW");
    accept_word("TERSE");
    expect_word("TABLES");
    ShowTablesStmt s;
    if (accept_word("LIKE")) {
      if (peek().kind != TokenKind::kString) fail_here();
      s.like = next().value;
    }
    if (accept_word("IN")) {
      if (accept_word("ACCOUNT")) return s;
      if (accept_word("DATABASE")) {
        s.scope_is_database = true;
      } else {
        accept_word("SCHEMA");
      }
      s.scope = qualified_name().parts;
      if (s.scope.size() > 2) fail_here();
    }
    return s;
  }

  std::vector<ProcArg> proc_args() {
    std::vector<ProcArg> args;
    expect_punct("(");
    if (accept_punct(")")) return args;
    for (;;) {
      ProcArg a;
      a.name = identifier();
      size_t start = i_;
      int depth = 0;
      while (peek().kind != TokenKind::kEnd) {
        if (is_punct("(")) ++depth;
        if (is_punct(")")) {
          if (depth == 0) break;
          --depth;
        }
        if (is_punct(",") && depth == 0) break;
        if (is_word("DEFAULT") && depth == 0) break;
        next();
      }
      a.type = to_upper(text_between(start, i_));
      if (a.type.empty()) fail_here();
      if (accept_word("DEFAULT")) expr();
      args.push_back(std::move(a));
      if (!accept_punct(",")) break;
    }
    expect_punct(")");
    return args;
  }

  // The clauses between the argument list and the body, in any order, up to `AS <string>`.
  void proc_clauses(ProcDef& p) {
    for (;;) {
      const Token& tok = peek();
      if (tok.kind == TokenKind::kEnd) fail_here();
      if (is_word("AS") && peek(1).kind == TokenKind::kString) {
        next();
        const Token& body = next();
        p.body = body.value;
        p.body_line = body.line + line_offset_;
        return;
      }
      if (accept_word("LANGUAGE")) {
        p.language = identifier();
      } else if (accept_word("RUNTIME_VERSION")) {
        expect_punct("=");
        if (peek().kind != TokenKind::kString && peek().kind != TokenKind::kNumber) fail_here();
        p.runtime_version = next().value;
      } else if (accept_word("HANDLER")) {
        expect_punct("=");
        if (peek().kind != TokenKind::kString) fail_here();
        p.handler = next().value;
      } else if (accept_word("PACKAGES")) {
        expect_punct("=");
        expect_punct("(");
        while (!is_punct(")")) {
          if (peek().kind != TokenKind::kString) fail_here();
          p.packages.push_back(next().value);
          if (!accept_punct(",")) break;
        }
        expect_punct(")");
      } else if (accept_word("RETURNS")) {
        size_t start = i_;
        int depth = 0;
        while (peek().kind != TokenKind::kEnd) {
          if (depth == 0 && peek().kind == TokenKind::kWord && kProcClauses.count(peek().value) &&
              i_ > start) {
            break;
          }
          if (is_punct("(")) ++depth;
          if (is_punct(")")) --depth;
          next();
        }
        p.returns = to_upper(text_between(start, i_));
      } else if (tok.kind == TokenKind::kPunct && tok.value == ";") {
        fail_here();
      } else {
        next();  // clauses the sandbox does not act on (IMPORTS, COMMENT, EXECUTE AS, ...)
      }
    }
  }

  CreateProcStmt create_procedure() {
    expect_word("CREATE");
    CreateProcStmt c;
    if (accept_word("OR")) {
      expect_word("REPLACE");
      c.proc.or_replace = true;
    }
    accept_word("SECURE");
    if (!accept_word("TEMPORARY")) accept_word("TEMP");
    if (!is_word("PROCEDURE")) {
      throw ParseFail{{"001003", "42000",
                       "SQL compilation error:\nthe sandbox understands CREATE PROCEDURE only, not "
                       "CREATE " +
                           peek().text}};
    }
    next();
    if (accept_word("IF")) {
      expect_word("NOT");
      expect_word("EXISTS");
      c.proc.if_not_exists = true;
    }
    c.proc.name = qualified_name();
    c.proc.args = proc_args();
    proc_clauses(c.proc);
    return c;
  }

  DropProcStmt drop_procedure() {
    expect_word("DROP");
    if (!is_word("PROCEDURE")) {
      throw ParseFail{{"001003", "42000",
                       "SQL compilation error:\nthe sandbox understands DROP PROCEDURE only, not "
                       "DROP " +
                           peek().text}};
    }
    next();
    DropProcStmt d;
    if (accept_word("IF")) {
      expect_word("EXISTS");
      d.if_exists = true;
    }
    d.name = qualified_name();
    expect_punct("(");  // Snowflake requires the argument types to pick the overload
    while (!is_punct(")")) {
      size_t start = i_;
      int depth = 0;
      while (peek().kind != TokenKind::kEnd && !(depth == 0 && (is_punct(",") || is_punct(")")))) {
        if (is_punct("(")) ++depth;
        if (is_punct(")")) --depth;
        next();
      }
      d.arg_types.push_back(to_upper(text_between(start, i_)));
      if (!accept_punct(",")) break;
    }
    expect_punct(")");
    return d;
  }

  CallStmt call() {
    expect_word("CALL");
    CallStmt c;
    c.name = qualified_name();
    expect_punct("(");
    if (!is_punct(")")) {
      for (;;) {
        if (peek().kind == TokenKind::kWord && is_punct("=>", 1)) {
          next();
          next();
        }
        c.args.push_back(expr());
        if (!accept_punct(",")) break;
      }
    }
    expect_punct(")");
    if (accept_word("INTO")) {
      if (peek().kind != TokenKind::kBind) fail_here();
      c.into_variable = next().value;
    }
    return c;
  }

  WithProcCallStmt with_procedure() {
    expect_word("WITH");
    WithProcCallStmt w;
    w.proc.name.parts.push_back(identifier());
    w.proc.name.text = w.proc.name.parts.back();
    expect_word("AS");
    expect_word("PROCEDURE");
    w.proc.args = proc_args();
    proc_clauses(w.proc);
    if (!is_word("CALL")) fail_here();
    w.call = call();
    return w;
  }

  Statement execute_immediate() {
    size_t start = i_;
    expect_word("EXECUTE");
    expect_word("IMMEDIATE");
    if (peek().kind != TokenKind::kString) fail_here();
    const Token& body = next();
    if (accept_word("USING")) {
      throw ParseFail{{"001003", "42000",
                       "SQL compilation error:\nthe sandbox does not support EXECUTE IMMEDIATE ... "
                       "USING"}};
    }
    std::string inner = body.value;
    LexResult lr = lex(inner);
    if (lr.error) {
      throw ParseFail{syntax_error(lr.error->line + body.line - 1, lr.error->column, "<EOF>")};
    }
    Parser sub(inner, std::move(lr.tokens), line_offset_ + body.line - 1);
    Statement s = sub.parse_top();
    s.text = text_between(start, i_);
    return s;
  }

  LetStmt declaration() {
    LetStmt l;
    l.variable = identifier();
    // Optional type, then DEFAULT/:= value.
    while (peek().kind == TokenKind::kWord && !is_word("DEFAULT"))
      next();
    if (accept_punct("(")) {
      while (!is_punct(")") && peek().kind != TokenKind::kEnd)
        next();
      expect_punct(")");
    }
    if (accept_word("DEFAULT") || accept_punct(":=")) l.value = expr();
    return l;
  }

  BlockStmt block() {
    BlockStmt b;
    if (accept_word("DECLARE")) {
      while (!is_word("BEGIN")) {
        if (peek().kind == TokenKind::kEnd) fail_here();
        b.declarations.push_back(declaration());
        expect_punct(";");
      }
    }
    expect_word("BEGIN");
    while (!is_word("END")) {
      if (peek().kind == TokenKind::kEnd) fail_here();
      if (accept_punct(";")) continue;
      b.body.push_back(block_statement());
      if (!is_word("END")) expect_punct(";");
    }
    expect_word("END");
    return b;
  }

  Statement block_statement() {
    size_t start = i_;
    Statement s;
    if (accept_word("LET")) {
      s.node = declaration();
    } else if (accept_word("RETURN")) {
      ReturnStmt r;
      if (!is_punct(";") && !is_word("END")) r.value = expr();
      s.node = r;
    } else if ((peek().kind == TokenKind::kWord || peek().kind == TokenKind::kQuotedIdent) &&
               is_punct(":=", 1)) {
      LetStmt l;
      l.variable = identifier();
      next();
      l.value = expr();
      s.node = l;
    } else {
      s = parse_one();
    }
    s.text = text_between(start, i_);
    return s;
  }

  std::string_view src_;
  std::vector<Token> t_;
  size_t i_ = 0;
  int line_offset_ = 0;
  int binds_ = 0;
};

}  // namespace

ParseResult parse_statement(std::string_view text) {
  LexResult lr = lex(text);
  if (lr.error) return syntax_error(lr.error->line, lr.error->column, "<EOF>");
  if (lr.tokens.size() <= 1) return syntax_error(1, 0, "<EOF>");
  try {
    Parser p(text, std::move(lr.tokens), 0);
    return p.parse_top();
  } catch (const ParseFail& f) {
    return f.error;
  }
}

}  // namespace dbtpy::sandbox::snowflake
