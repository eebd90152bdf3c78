#include "compiler/sql_node.h"

#include <algorithm>

#include "profiles/jinja_expr.h"
#include "util/error.h"
#include "util/strings.h"

namespace dbtpy::compiler {
using profiles::JinjaExpr;
using profiles::JinjaToken;

namespace {

class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') starts_.push_back(i + 1);
  }
  int line_of(size_t offset) const {
    auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
    return static_cast<int>(it - starts_.begin());
  }

 private:
  std::vector<size_t> starts_;
};

// The end of a `{{`/`{%` block: the offset of its closing delimiter, skipping string literals.
size_t find_close(std::string_view text, size_t from, char kind) {
  const char c0 = kind == '{' ? '}' : '%';
  char quote = 0;
  for (size_t j = from; j + 1 < text.size(); ++j) {
    char c = text[j];
    if (quote) {
      if (c == '\\') {
        ++j;
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == c0 && text[j + 1] == '}') {
      return j;
    }
  }
  return std::string_view::npos;
}

class Scanner {
 public:
  Scanner(std::string_view text, bool snapshot_file, const profiles::JinjaValueContext* ctx)
      : text_(text), lines_(text), snapshot_file_(snapshot_file), ctx_(ctx) {}

  SqlScan run() {
    if (!snapshot_file_) out_.blocks.emplace_back();
    size_t i = 0;
    while (i < text_.size()) {
      size_t open = text_.find('{', i);
      if (open == std::string_view::npos || open + 1 >= text_.size()) break;
      char kind = text_[open + 1];
      if (kind != '{' && kind != '%' && kind != '#') {
        i = open + 1;
        continue;
      }
      if (kind == '#') {
        size_t close = text_.find("#}", open + 2);
        if (close == std::string_view::npos) return fail("unterminated `{#` comment", open);
        i = close + 2;
        continue;
      }
      size_t body = open + 2;
      if (body < text_.size() && (text_[body] == '-' || text_[body] == '+')) ++body;
      size_t close = find_close(text_, body, kind);
      if (close == std::string_view::npos) {
        return fail(kind == '{' ? "unterminated `{{`" : "unterminated `{%`", open);
      }
      size_t end = close;
      if (end > body && (text_[end - 1] == '-' || text_[end - 1] == '+')) --end;
      std::string_view inner = text_.substr(body, end - body);
      i = close + 2;
      if (kind == '%') {
        std::string_view stmt = trim(inner);
        if (stmt == "raw") {
          size_t endraw = find_endraw(i);
          if (endraw == std::string_view::npos) return fail("unterminated `{% raw %}`", open);
          i = endraw;
          continue;
        }
        statement(inner, body);
      } else {
        scan_calls(inner, body);
      }
    }
    if (snapshot_file_ && current_ >= 0) {
      return fail("`{% snapshot " + out_.blocks[current_].name + " %}` has no `{% endsnapshot %}`",
                  snapshot_open_);
    }
    return std::move(out_);
  }

 private:
  SqlScan fail(std::string message, size_t offset) {
    out_.error = std::move(message);
    out_.error_line = lines_.line_of(offset);
    return std::move(out_);
  }

  size_t find_endraw(size_t from) {
    size_t j = from;
    while ((j = text_.find("{%", j)) != std::string_view::npos) {
      size_t close = text_.find("%}", j + 2);
      if (close == std::string_view::npos) return close;
      std::string_view s = text_.substr(j + 2, close - j - 2);
      if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
      if (!s.empty() && (s.back() == '-' || s.back() == '+')) s.remove_suffix(1);
      if (trim(s) == "endraw") return close + 2;
      j = close + 2;
    }
    return std::string_view::npos;
  }

  SqlBlock* block() {
    if (current_ >= 0) return &out_.blocks[static_cast<size_t>(current_)];
    if (!snapshot_file_) return &out_.blocks[0];
    return nullptr;  // text between snapshot blocks
  }

  void statement(std::string_view inner, size_t base) {
    auto tokens = profiles::tokenize_jinja(inner, nullptr, nullptr);
    if (!tokens || tokens->front().kind != JinjaToken::Kind::kName) {
      scan_calls(inner, base);
      return;
    }
    const std::string& head = tokens->front().text;
    if (head == "snapshot" && snapshot_file_) {
      SqlBlock b;
      b.name = (*tokens)[1].kind == JinjaToken::Kind::kName ? (*tokens)[1].text : "";
      b.line = lines_.line_of(base);
      out_.blocks.push_back(std::move(b));
      current_ = static_cast<int>(out_.blocks.size()) - 1;
      snapshot_open_ = base;
      return;
    }
    if (head == "endsnapshot") {
      current_ = -1;
      return;
    }
    if (head == "if" || head == "for") ++conditional_depth_;
    if ((head == "endif" || head == "endfor") && conditional_depth_ > 0) --conditional_depth_;
    scan_tokens(*tokens, inner, base);
  }

  void scan_calls(std::string_view inner, size_t base) {
    auto tokens = profiles::tokenize_jinja(inner, nullptr, nullptr);
    if (tokens) scan_tokens(*tokens, inner, base);
  }

  void scan_tokens(const std::vector<JinjaToken>& t, std::string_view inner, size_t base) {
    SqlBlock* b = block();
    if (!b) return;
    for (size_t k = 0; k + 1 < t.size(); ++k) {
      if (t[k].kind != JinjaToken::Kind::kName) continue;
      const std::string& fn = t[k].text;
      if (fn != "ref" && fn != "source" && fn != "config") continue;
      if (t[k + 1].kind != JinjaToken::Kind::kOp || t[k + 1].text != "(") continue;
      if (k > 0 && t[k - 1].kind == JinjaToken::Kind::kOp && t[k - 1].text == ".") {
        // `builtins.ref(...)` is still dbt's ref; `adapter.config(...)` etc. are not.
        if (!(k > 1 && t[k - 2].text == "builtins")) continue;
      }
      size_t close = 0;
      auto args = profiles::parse_jinja_call_args(t, k + 1, &close, nullptr);
      if (!args) continue;
      int line = lines_.line_of(base + t[k].offset);
      if (fn == "ref") {
        add_ref(*b, *args, line);
      } else if (fn == "source") {
        add_source(*b, *args, line);
      } else {
        add_config(*b, *args, inner, line);
      }
      k = close;
    }
  }

  static std::optional<std::string> literal_string(const JinjaExpr& e) {
    auto v = profiles::jinja_literal_value(e);
    if (v && v->is_string()) return v->get<std::string>();
    return std::nullopt;
  }

  void add_ref(SqlBlock& b, const profiles::JinjaCallArgs& a, int line) {
    if (a.args.empty() || a.args.size() > 2) return;
    SqlRef r;
    r.line = line;
    auto last = literal_string(a.args.back());
    if (!last) return;
    r.name = *last;
    if (a.args.size() == 2) {
      auto pkg = literal_string(a.args[0]);
      if (!pkg) return;
      r.package = *pkg;
    }
    for (const auto& [k, v] : a.kwargs) {
      if (k == "v" || k == "version") {
        auto lit = profiles::jinja_literal_value(v);
        if (lit && !lit->is_null()) r.version = profiles::python_str(*lit);
      }
    }
    b.refs.push_back(std::move(r));
  }

  void add_source(SqlBlock& b, const profiles::JinjaCallArgs& a, int line) {
    if (a.args.size() != 2) return;
    auto s = literal_string(a.args[0]);
    auto t = literal_string(a.args[1]);
    if (s && t) b.sources.push_back({*s, *t, line});
  }

  void add_config(SqlBlock& b, const profiles::JinjaCallArgs& a, std::string_view inner, int line) {
    std::vector<std::pair<std::string, const JinjaExpr*>> items;
    for (const auto& [k, v] : a.kwargs)
      items.emplace_back(k, &v);
    if (a.args.size() == 1 && a.args[0].kind == JinjaExpr::Kind::kDict) {
      for (const auto& [k, v] : a.args[0].kwargs)
        items.emplace_back(k, &v);
    }
    for (const auto& [key, expr] : items) {
      if (conditional_depth_ > 0) b.conditional_config_keys.emplace_back(key, line);
      if (auto lit = profiles::jinja_literal_value(*expr)) {
        b.config[key] = std::move(*lit);
        continue;
      }
      if (ctx_) {
        std::string source(inner.substr(expr->begin, expr->end - expr->begin));
        try {
          b.config[key] = profiles::render_jinja_value("{{ " + source + " }}", *ctx_, {});
          continue;
        } catch (const Error&) {
          // not statically known; reported below
        }
      }
      b.dynamic_config_keys.emplace_back(key, line);
    }
  }

  std::string_view text_;
  LineIndex lines_;
  bool snapshot_file_;
  const profiles::JinjaValueContext* ctx_;
  SqlScan out_;
  int current_ = -1;
  size_t snapshot_open_ = 0;
  int conditional_depth_ = 0;
};

}  // namespace

SqlScan scan_sql(std::string_view text, bool snapshot_file,
                 const profiles::JinjaValueContext* context) {
  return Scanner(text, snapshot_file, context).run();
}

}  // namespace dbtpy::compiler
