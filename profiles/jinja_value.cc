#include "profiles/jinja_value.h"

#include <cmath>
#include <cstdlib>

#include "profiles/jinja_expr.h"
#include "profiles/secret_fields.h"
#include "util/error.h"
#include "util/strings.h"

namespace dbtpy::profiles {
namespace {

constexpr std::string_view kSupportedHint =
    "YAML values support only {{ env_var('X'[, 'default']) }}, {{ var('k'[, default]) }}, "
    "{{ target.<field> }}, `~` and the filters int, float, as_bool, as_number, as_native, "
    "as_text, string, lower, upper, trim";

[[noreturn]] void fail(const ValueSite& site, const char* code, std::string message,
                       std::string hint) {
  Diagnostic d;
  d.code = code;
  d.file = site.file;
  d.line = site.line;
  d.column = site.column;
  d.message = std::move(message);
  d.hint = std::move(hint);
  throw Error(ErrorKind::kUsage, std::move(d));
}

std::string python_repr_string(const std::string& s) {
  // Python's repr picks double quotes only when that avoids escaping a single quote.
  char quote = (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) ? '"' : '\'';
  return backslash_quoted(s, quote);
}

std::string python_repr(const Json& v) {
  if (v.is_string()) return python_repr_string(v.get_ref<const std::string&>());
  return python_str(v);
}

std::string expr_text(std::string_view source, const JinjaExpr& e) {
  if (e.end <= e.begin || e.end > source.size()) return std::string(source);
  return std::string(source.substr(e.begin, e.end - e.begin));
}

class Evaluator {
 public:
  Evaluator(std::string_view source, const JinjaValueContext& ctx, const ValueSite& site)
      : src_(source), ctx_(ctx), site_(site) {}

  Json eval(const JinjaExpr& e) {
    switch (e.kind) {
      case JinjaExpr::Kind::kLiteral:
        return e.value;
      case JinjaExpr::Kind::kList: {
        Json arr = Json::array();
        for (const auto& c : e.children)
          arr.push_back(eval(c));
        return arr;
      }
      case JinjaExpr::Kind::kDict: {
        Json obj = Json::object();
        for (const auto& [k, v] : e.kwargs)
          obj[k] = eval(v);
        return obj;
      }
      case JinjaExpr::Kind::kConcat: {
        std::string out;
        for (const auto& c : e.children)
          out += python_str(eval(c));
        return out;
      }
      case JinjaExpr::Kind::kName:
        if (e.name == "target") return target_object();
        unsupported(e, "`" + e.name + "` is not available in YAML values");
      case JinjaExpr::Kind::kAttr:
      case JinjaExpr::Kind::kIndex:
        return attribute(e);
      case JinjaExpr::Kind::kCall:
        return call(e);
      case JinjaExpr::Kind::kFilter:
        return filter(e);
    }
    unsupported(e, "unsupported expression");
  }

 private:
  [[noreturn]] void unsupported(const JinjaExpr& e, const std::string& why) {
    fail(site_, "DBTPY211",
         "unsupported Jinja in a YAML value: `" + expr_text(src_, e) + "` (" + why + ")",
         std::string(kSupportedHint));
  }

  Json target_object() {
    if (!ctx_.target) {
      fail(site_, "DBTPY214", "`target` is not available in profiles.yml",
           "profiles.yml defines the target; use env_var() or var() here");
    }
    return target_context(*ctx_.target);
  }

  Json attribute(const JinjaExpr& e) {
    const JinjaExpr& base = e.children[0];
    std::string key;
    if (e.kind == JinjaExpr::Kind::kAttr) {
      key = e.name;
    } else {
      Json k = eval(e.children[1]);
      if (!k.is_string()) unsupported(e, "only string keys may index `target`");
      key = k.get<std::string>();
    }
    if (base.kind == JinjaExpr::Kind::kName && base.name == "target") {
      if (!ctx_.target) target_object();
      if (is_secret_field_name(key)) {
        fail(site_, "DBTPY214",
             "`target." + key + "` is a secret field and is never rendered into YAML values",
             "read secrets with env_var() in profiles.yml only");
      }
      Json t = target_context(*ctx_.target);
      auto it = t.find(key);
      if (it == t.end()) {
        std::vector<std::string> names;
        for (auto i = t.begin(); i != t.end(); ++i)
          names.push_back(i.key());
        auto close = closest_names(key, names);
        fail(site_, "DBTPY214", "target '" + ctx_.target->name + "' has no field `" + key + "`",
             close.empty() ? "set `" + key + ":` in the profile's output, or use a default"
                           : "did you mean `target." + close.front() + "`?");
      }
      return *it;
    }
    Json obj = eval(base);
    if (obj.is_object()) {
      auto it = obj.find(key);
      if (it != obj.end()) return *it;
    }
    unsupported(e, "attribute access is supported on `target` only");
  }

  Json call(const JinjaExpr& e) {
    const JinjaExpr& callee = e.children[0];
    if (callee.kind != JinjaExpr::Kind::kName) unsupported(e, "unknown function");
    const std::string& fn = callee.name;
    if (fn != "env_var" && fn != "var") {
      unsupported(e, "`" + fn + "()` is not supported in YAML values");
    }
    std::vector<Json> args;
    for (const auto& a : e.args)
      args.push_back(eval(a));
    for (const auto& [k, v] : e.kwargs) {
      if (k == "default" && args.size() == 1) {
        args.push_back(eval(v));
      } else {
        unsupported(e, "unexpected keyword argument `" + k + "`");
      }
    }
    if (args.empty() || args.size() > 2) {
      unsupported(e, fn + "() takes a name and an optional default");
    }
    if (!args[0].is_string()) unsupported(e, fn + "() needs a string name");
    const std::string name = args[0].get<std::string>();
    return fn == "env_var" ? env_var(e, name, args) : var(name, args);
  }

  Json env_var(const JinjaExpr& e, const std::string& name, const std::vector<Json>& args) {
    (void)e;
    const bool secret = name.starts_with(kSecretEnvPrefix);
    if (secret && !ctx_.allow_secret_env) {
      fail(site_, "DBTPY216",
           "secret env var '" + name + "' is allowed only in profiles.yml or packages.yml",
           "dbt keeps DBT_ENV_SECRET_* variables out of project files so they cannot leak into "
           "compiled code; move the value to profiles.yml or rename the variable");
    }
    std::optional<std::string> value = ctx_.env ? ctx_.env(name) : std::nullopt;
    if (value) {
      if (secret && ctx_.redactor) ctx_.redactor->add_secret(*value);
      return *value;
    }
    if (args.size() == 2 && !args[1].is_null()) return args[1];
    fail(site_, "DBTPY212", "env var required but not provided: '" + name + "'",
         "export " + name + "=... or give a default: env_var('" + name + "', 'value')");
  }

  Json var(const std::string& name, const std::vector<Json>& args) {
    if (ctx_.vars && ctx_.vars->is_object()) {
      auto it = ctx_.vars->find(name);
      if (it != ctx_.vars->end()) return *it;
    }
    if (args.size() == 2) return args[1];
    fail(site_, "DBTPY213", "required var '" + name + "' not found",
         "pass it with --vars '{" + name +
             ": value}', set it under `vars:` in dbt_project.yml, "
             "or give a default: var('" +
             name + "', 'value')");
  }

  [[noreturn]] void conversion_error(const Json& v, const char* type) {
    fail(site_, "DBTPY215", "could not convert value " + python_repr(v) + " into type " + type,
         "fix the variable's value, or drop the filter");
  }

  Json filter(const JinjaExpr& e) {
    Json v = eval(e.children[0]);
    const std::string& f = e.name;
    auto need_no_args = [&] {
      if (!e.args.empty() || !e.kwargs.empty()) unsupported(e, "`" + f + "` takes no arguments");
    };
    if (f == "int" || f == "float") {
      need_no_args();
      auto d = to_double(v);
      if (!d) conversion_error(v, f == "int" ? "int" : "float");
      if (f == "float") return *d;
      if (v.is_number_integer()) return v;
      if (v.is_string()) {
        char* end = nullptr;
        std::string s(trim(v.get<std::string>()));
        long long n = std::strtoll(s.c_str(), &end, 10);
        if (end && *end == '\0') return n;
      }
      return static_cast<long long>(std::trunc(*d));
    }
    if (f == "as_bool") {
      need_no_args();
      if (v.is_boolean()) return v;
      if (v.is_string()) {
        std::string s = to_lower(trim(v.get<std::string>()));
        if (s == "true") return true;
        if (s == "false") return false;
      }
      conversion_error(v, "'bool'");
    }
    if (f == "as_number") {
      need_no_args();
      if (v.is_number()) return v;
      if (v.is_string()) {
        auto parsed = parse_jinja_expression(trim(v.get<std::string>()));
        if (parsed.expr && parsed.expr->kind == JinjaExpr::Kind::kLiteral &&
            parsed.expr->value.is_number())
          return parsed.expr->value;
      }
      conversion_error(v, "'number'");
    }
    if (f == "as_native") {
      need_no_args();
      if (!v.is_string()) return v;
      auto parsed = parse_jinja_expression(v.get<std::string>());
      if (parsed.expr) {
        if (auto lit = jinja_literal_value(*parsed.expr)) return *lit;
      }
      return v;
    }
    if (f == "as_text" || f == "string") {
      need_no_args();
      return python_str(v);
    }
    if (f == "lower" || f == "upper" || f == "trim") {
      need_no_args();
      std::string s = python_str(v);
      if (f == "lower") return to_lower(s);
      if (f == "upper") return to_upper(s);
      return std::string(trim(s));
    }
    unsupported(e, "unknown filter `" + f + "`");
  }

  static std::optional<double> to_double(const Json& v) {
    if (v.is_number()) return v.get<double>();
    if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
    if (v.is_string()) {
      std::string s(trim(v.get<std::string>()));
      if (s.empty()) return std::nullopt;
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (end && *end == '\0') return d;
    }
    return std::nullopt;
  }

  std::string_view src_;
  const JinjaValueContext& ctx_;
  const ValueSite& site_;
};

struct Segment {
  bool is_expr = false;
  std::string text;  // literal text or expression source
};

}  // namespace

std::string python_str(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "None";
    case Json::value_t::boolean:
      return v.get<bool>() ? "True" : "False";
    case Json::value_t::string:
      return v.get<std::string>();
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return v.dump();
    case Json::value_t::number_float: {
      double d = v.get<double>();
      if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
      if (std::isnan(d)) return "nan";
      return v.dump();
    }
    case Json::value_t::array: {
      std::string out = "[";
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ", ";
        first = false;
        out += python_repr(e);
      }
      return out + "]";
    }
    case Json::value_t::object: {
      std::string out = "{";
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        out += python_repr_string(it.key()) + ": " + python_repr(*it);
      }
      return out + "}";
    }
    default:
      return v.dump();
  }
}

Json target_context(const Target& t) {
  Json out = Json::object();
  if (t.fields.is_object()) {
    for (auto it = t.fields.begin(); it != t.fields.end(); ++it)
      out[it.key()] = *it;
  }
  out["name"] = t.name;
  out["target_name"] = t.name;
  out["profile_name"] = t.profile_name;
  out["type"] = t.type;
  out["threads"] = t.threads;
  out["database"] = t.default_database();
  out["schema"] = t.default_schema();
  return out;
}

bool contains_jinja(std::string_view text) {
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] == '{' && (text[i + 1] == '{' || text[i + 1] == '%' || text[i + 1] == '#'))
      return true;
  }
  return false;
}

Json render_jinja_value(std::string_view text, const JinjaValueContext& ctx,
                        const ValueSite& site) {
  if (!contains_jinja(text)) return std::string(text);
  std::vector<Segment> segments;
  size_t i = 0;
  std::string literal;
  bool strip_next = false;  // a `-}}` strips whitespace after it
  while (i < text.size()) {
    size_t open = text.find('{', i);
    while (open != std::string_view::npos && open + 1 < text.size() && text[open + 1] != '{' &&
           text[open + 1] != '%' && text[open + 1] != '#')
      open = text.find('{', open + 1);
    if (open == std::string_view::npos || open + 1 >= text.size()) {
      std::string_view rest = text.substr(i);
      if (strip_next) rest = rest.substr(std::min(rest.size(), rest.find_first_not_of(" \t\r\n")));
      literal += rest;
      break;
    }
    std::string_view before = text.substr(i, open - i);
    if (strip_next) {
      size_t k = before.find_first_not_of(" \t\r\n");
      before = k == std::string_view::npos ? std::string_view{} : before.substr(k);
      strip_next = false;
    }
    char kind = text[open + 1];
    size_t body = open + 2;
    bool strip_before = body < text.size() && text[body] == '-';
    if (strip_before) {
      ++body;
      size_t k = before.find_last_not_of(" \t\r\n");
      before = k == std::string_view::npos ? std::string_view{} : before.substr(0, k + 1);
    }
    literal += before;
    if (kind == '#') {
      size_t close = text.find("#}", body);
      if (close == std::string_view::npos) {
        fail(site, "DBTPY217", "unterminated Jinja comment `{#` in a YAML value",
             "close it with `#}`");
      }
      strip_next = close > body && text[close - 1] == '-';
      i = close + 2;
      continue;
    }
    // Find the closing delimiter outside string literals.
    const char* closer = kind == '{' ? "}}" : "%}";
    size_t j = body;
    char quote = 0;
    size_t close = std::string_view::npos;
    for (; j < text.size(); ++j) {
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
      } else if (c == closer[0] && j + 1 < text.size() && text[j + 1] == closer[1]) {
        close = j;
        break;
      }
    }
    if (close == std::string_view::npos) {
      fail(site, "DBTPY217",
           std::string("unterminated Jinja `") + (kind == '{' ? "{{" : "{%") + "` in a YAML value",
           std::string("close it with `") + closer + "`");
    }
    size_t inner_end = close;
    if (inner_end > body && text[inner_end - 1] == '-') {
      --inner_end;
      strip_next = true;
    }
    std::string inner(trim(text.substr(body, inner_end - body)));
    if (kind == '%') {
      fail(site, "DBTPY211",
           "unsupported Jinja in a YAML value: `{% " + inner +
               " %}` (statements are not "
               "supported)",
           std::string(kSupportedHint));
    }
    if (!literal.empty()) {
      segments.push_back({false, std::move(literal)});
      literal.clear();
    }
    segments.push_back({true, std::move(inner)});
    i = close + 2;
  }
  if (!literal.empty()) segments.push_back({false, std::move(literal)});

  auto evaluate = [&](const std::string& source) -> Json {
    auto parsed = parse_jinja_expression(source);
    if (!parsed.expr) {
      fail(site, "DBTPY211",
           "unsupported Jinja in a YAML value: `{{ " + source + " }}` (" + parsed.error + ")",
           std::string(kSupportedHint));
    }
    Evaluator ev(source, ctx, site);
    return ev.eval(*parsed.expr);
  };

  if (segments.size() == 1 && segments[0].is_expr) return evaluate(segments[0].text);
  std::string out;
  for (const auto& s : segments)
    out += s.is_expr ? python_str(evaluate(s.text)) : s.text;
  return out;
}

Json render_jinja_tree(const Json& value, const JinjaValueContext& ctx, const ValueSite& site) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    return contains_jinja(s) ? render_jinja_value(s, ctx, site) : value;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& e : value)
      out.push_back(render_jinja_tree(e, ctx, site));
    return out;
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it)
      out[it.key()] = render_jinja_tree(*it, ctx, site);
    return out;
  }
  return value;
}

}  // namespace dbtpy::profiles
