#include "profiles/yaml_reader.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "util/error.h"
#include "util/fs.h"

namespace dbtpy::profiles {
namespace {

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}
bool dec_or_us(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) || c == '_';
}
bool oct_or_us(char c) {
  return (c >= '0' && c <= '7') || c == '_';
}
bool bin_or_us(char c) {
  return c == '0' || c == '1' || c == '_';
}
bool hex_or_us(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) || c == '_';
}

std::string without_underscores(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (c != '_') out += c;
  return out;
}

// Base-60 "1:30:05" (YAML 1.1), after the sign.
bool sexagesimal_value(std::string_view s, double* out) {
  double value = 0;
  size_t start = 0;
  bool first = true;
  while (true) {
    size_t colon = s.find(':', start);
    std::string_view part =
        s.substr(start, colon == std::string_view::npos ? s.npos : colon - start);
    if (part.empty()) return false;
    if (first) {
      if (!all_of(part, dec_or_us) || part[0] == '0') return false;
    } else if (colon != std::string_view::npos) {
      if (part.size() > 2 || !all_of(part, dec_or_us) || std::stoi(std::string(part)) > 59)
        return false;
    }
    if (colon == std::string_view::npos) {
      // the last part may carry a fraction (floats) — handled by the caller
      char* end = nullptr;
      std::string p = without_underscores(part);
      double d = std::strtod(p.c_str(), &end);
      if (!end || *end != '\0') return false;
      if (!first && d >= 60) return false;
      value = value * 60 + d;
      break;
    }
    value = value * 60 + std::stod(without_underscores(part));
    first = false;
    start = colon + 1;
  }
  *out = value;
  return true;
}

std::optional<Json> resolve_int(std::string_view s) {
  bool neg = false;
  std::string_view body = s;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.empty()) return std::nullopt;
  auto make = [&](const std::string& digits, int base) -> std::optional<Json> {
    if (digits.empty()) return std::nullopt;
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(digits.c_str(), &end, base);
    if (errno == ERANGE || !end || *end != '\0') return std::nullopt;
    return Json(neg ? -v : v);
  };
  if (body.starts_with("0b")) {
    if (!all_of(body.substr(2), bin_or_us)) return std::nullopt;
    return make(without_underscores(body.substr(2)), 2);
  }
  if (body.starts_with("0x")) {
    if (!all_of(body.substr(2), hex_or_us)) return std::nullopt;
    return make(without_underscores(body.substr(2)), 16);
  }
  if (body == "0") return Json(0);
  if (body[0] == '0') {
    if (!all_of(body.substr(1), oct_or_us)) return std::nullopt;
    return make(without_underscores(body.substr(1)), 8);
  }
  if (body.find(':') != std::string_view::npos) {
    double v = 0;
    if (body.find('.') != std::string_view::npos || !sexagesimal_value(body, &v))
      return std::nullopt;
    return Json(static_cast<long long>(neg ? -v : v));
  }
  if (!std::isdigit(static_cast<unsigned char>(body[0])) || !all_of(body, dec_or_us))
    return std::nullopt;
  return make(without_underscores(body), 10);
}

std::optional<Json> resolve_float(std::string_view s) {
  std::string_view body = s;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    return Json(neg ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity());
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return Json(std::nan(""));
  size_t dot = body.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  if (body.find(':') != std::string_view::npos) {
    double v = 0;
    if (!sexagesimal_value(body, &v)) return std::nullopt;
    return Json(neg ? -v : v);
  }
  std::string_view mantissa = body;
  std::string_view exponent;
  size_t e = body.find_first_of("eE");
  if (e != std::string_view::npos) {
    mantissa = body.substr(0, e);
    exponent = body.substr(e + 1);
    // PyYAML requires a signed exponent: 1.0e+3 is a float, 1.0e3 a string.
    if (exponent.size() < 2 || (exponent[0] != '+' && exponent[0] != '-')) return std::nullopt;
    for (char c : exponent.substr(1))
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  std::string_view int_part = mantissa.substr(0, dot);
  std::string_view frac_part = mantissa.substr(dot + 1);
  if (int_part.empty()) {
    // ".5" needs a digit right after the dot
    if (frac_part.empty() || !std::isdigit(static_cast<unsigned char>(frac_part[0])))
      return std::nullopt;
  } else if (!std::isdigit(static_cast<unsigned char>(int_part[0])) ||
             !all_of(int_part, dec_or_us)) {
    return std::nullopt;
  }
  if (!frac_part.empty() && !all_of(frac_part, dec_or_us)) return std::nullopt;
  std::string text = without_underscores(mantissa);
  if (!exponent.empty()) text += "e" + std::string(exponent);
  double v = std::strtod(text.c_str(), nullptr);
  return Json(neg ? -v : v);
}

[[noreturn]] void syntax_error(const YAML::Exception& e, const std::string& display) {
  Diagnostic d;
  d.code = "DBTPY202";
  d.file = display;
  d.line = e.mark.is_null() ? 0 : e.mark.line + 1;
  d.column = e.mark.is_null() ? 0 : e.mark.column + 1;
  d.message = "invalid YAML: " + e.msg;
  d.hint = "fix the YAML syntax at this position (indentation, quoting, a missing ':')";
  throw Error(ErrorKind::kUsage, std::move(d));
}

}  // namespace

YAML::Node load_yaml_text(std::string_view text, const std::string& display) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    syntax_error(e, display);
  }
}

YAML::Node load_yaml_file(const std::filesystem::path& path, const std::string& display) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const std::exception& e) {
    Diagnostic d;
    d.code = "DBTPY201";
    d.file = display;
    d.message = e.what();
    d.hint = "check that the file exists and is readable";
    throw Error(ErrorKind::kUsage, std::move(d));
  }
  return load_yaml_text(text, display);
}

int yaml_line(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  auto m = node.Mark();
  return m.is_null() ? 0 : m.line + 1;
}

int yaml_column(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  auto m = node.Mark();
  return m.is_null() ? 0 : m.column + 1;
}

Json resolve_plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  switch (s[0]) {
    case 'y':
    case 'Y':
      if (s == "yes" || s == "Yes" || s == "YES") return true;
      break;
    case 'n':
    case 'N':
      if (s == "no" || s == "No" || s == "NO") return false;
      break;
    case 't':
    case 'T':
      if (s == "true" || s == "True" || s == "TRUE") return true;
      break;
    case 'f':
    case 'F':
      if (s == "false" || s == "False" || s == "FALSE") return false;
      break;
    case 'o':
    case 'O':
      if (s == "on" || s == "On" || s == "ON") return true;
      if (s == "off" || s == "Off" || s == "OFF") return false;
      break;
    default:
      break;
  }
  char c = s[0];
  if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.') {
    if (auto i = resolve_int(s)) return *i;
    if (auto f = resolve_float(s)) return *f;
  }
  return s;
}

Json scalar_to_json(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  if (!node.IsScalar()) return nullptr;
  const std::string& text = node.Scalar();
  const std::string& tag = node.Tag();
  if (tag == "!" || tag == "tag:yaml.org,2002:str" || tag == "!!str") return text;
  if (tag == "?" || tag.empty()) return resolve_plain_scalar(text);
  if (tag == "tag:yaml.org,2002:int" || tag == "!!int") {
    if (auto i = resolve_int(text)) return *i;
  }
  if (tag == "tag:yaml.org,2002:float" || tag == "!!float") {
    if (auto f = resolve_float(text)) return *f;
    if (auto i = resolve_int(text)) return static_cast<double>(i->get<long long>());
  }
  if (tag == "tag:yaml.org,2002:bool" || tag == "!!bool") {
    Json b = resolve_plain_scalar(text);
    if (b.is_boolean()) return b;
  }
  if (tag == "tag:yaml.org,2002:null" || tag == "!!null") return nullptr;
  return text;
}

std::vector<YamlEntry> yaml_mapping_entries(const YAML::Node& map, const std::string& file,
                                            std::vector<Diagnostic>* warnings) {
  std::vector<YamlEntry> explicit_entries;
  std::vector<YamlEntry> merged;
  if (!map.IsMap()) return {};
  for (auto kv : map) {
    YAML::Node k = kv.first;
    YAML::Node v = kv.second;
    std::string key = k.IsScalar() ? k.Scalar() : YAML::Dump(k);
    if (key == "<<" && k.Tag() == "?") {
      auto add = [&](const YAML::Node& m) {
        for (auto& e : yaml_mapping_entries(m, file, nullptr))
          merged.push_back(std::move(e));
      };
      if (v.IsMap()) {
        add(v);
      } else if (v.IsSequence()) {
        for (const auto& m : v)
          add(m);
      }
      continue;
    }
    explicit_entries.push_back({std::move(key), k, v});
  }
  std::vector<YamlEntry> out;
  std::unordered_map<std::string, size_t> index;
  auto put = [&](YamlEntry&& e, bool is_explicit) {
    auto found = index.find(e.key);
    if (found == index.end()) {
      index.emplace(e.key, out.size());
      out.push_back(std::move(e));
      return;
    }
    if (is_explicit) {
      if (warnings) {
        Diagnostic d;
        d.severity = Severity::kWarning;
        d.code = "DBTPY225";
        d.file = file;
        d.line = yaml_line(e.key_node);
        d.column = yaml_column(e.key_node);
        d.message = "duplicate key '" + e.key + "' in a YAML mapping; the last value is used";
        d.hint = "remove one of the two entries";
        warnings->push_back(std::move(d));
      }
      out[found->second].value = e.value;  // PyYAML: first position, last value
    }
  };
  for (auto& e : explicit_entries)
    put(std::move(e), true);
  // Merged keys only fill what the mapping does not set itself; among several merged maps the
  // first one wins, as YAML's merge key specifies.
  for (auto& e : merged) {
    if (!index.count(e.key)) put(std::move(e), false);
  }
  return out;
}

Json yaml_to_json(const YAML::Node& node, const YamlToJsonOptions& options, YamlKeypath path) {
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  if (node.IsScalar()) {
    Json v = scalar_to_json(node);
    if (v.is_string() && options.render &&
        (!options.should_render || options.should_render(path))) {
      return options.render(v.get_ref<const std::string&>(), node, path);
    }
    return v;
  }
  if (node.IsSequence()) {
    Json arr = Json::array();
    for (const auto& item : node)
      arr.push_back(yaml_to_json(item, options, path));
    return arr;
  }
  Json obj = Json::object();
  for (auto& e : yaml_mapping_entries(node, options.file, options.warnings)) {
    path.push_back(e.key);
    obj[e.key] = yaml_to_json(e.value, options, path);
    path.pop_back();
  }
  return obj;
}

}  // namespace dbtpy::profiles
