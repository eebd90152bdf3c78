#include "codegen/common/config_reader.h"

#include <cctype>

#include "util/error.h"
#include "util/strings.h"

namespace dbtpy::codegen {

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " and " : ", ";
    out += "'" + items[i] + "'";
  }
  return out;
}

ConfigReader::ConfigReader(const compiler::ModelIR& model, std::string_view source,
                           const profiles::Target& target)
    : model_(model), config_(model.config.unpack()), source_(source), target_(target) {}

const Json* ConfigReader::get(std::string_view key) const {
  const Json& values = config_.values;
  if (!values.is_object()) return nullptr;
  auto it = values.find(std::string(key));
  if (it == values.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string ConfigReader::model_label() const {
  return "model '" + model_.name + "'";
}

std::string ConfigReader::where_set(std::string_view key) const {
  auto it = config_.provenance.find(std::string(key));
  if (it == config_.provenance.end()) return "in its config";
  switch (it->second) {
    case compiler::ConfigLayer::kInFile:
      return "in " + model_.original_file_path;
    case compiler::ConfigLayer::kProperties:
      return "in a properties (schema.yml) file";
    case compiler::ConfigLayer::kProject:
      return "in dbt_project.yml";
    case compiler::ConfigLayer::kDefault:
      return "by default";
  }
  return "in its config";
}

// Best effort: the line of `key=` inside the model file when the key was set in-file, so the
// diagnostic points at the dbt.config(...) argument.
int ConfigReader::line_of_key(std::string_view key) const {
  auto it = config_.provenance.find(std::string(key));
  if (it == config_.provenance.end() || it->second != compiler::ConfigLayer::kInFile) return 0;
  int line = 1;
  size_t start = 0;
  while (start <= source_.size()) {
    size_t end = source_.find('\n', start);
    std::string_view l =
        source_.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    size_t pos = l.find(key);
    while (pos != std::string_view::npos) {
      bool left_ok =
          pos == 0 || !(std::isalnum(static_cast<unsigned char>(l[pos - 1])) || l[pos - 1] == '_');
      size_t after = pos + key.size();
      while (after < l.size() && (l[after] == ' ' || l[after] == '\t'))
        ++after;
      if (left_ok && after < l.size() && l[after] == '=' &&
          (after + 1 >= l.size() || l[after + 1] != '='))
        return line;
      pos = l.find(key, pos + 1);
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
    ++line;
  }
  return 0;
}

Diagnostic ConfigReader::located(std::string_view code, std::string_view key, Severity sev,
                                 std::string message, std::string hint) const {
  Diagnostic d;
  d.severity = sev;
  d.code = std::string(code);
  d.file = model_.original_file_path;
  d.line = key.empty() ? 0 : line_of_key(key);
  d.message = model_label() + ": " + std::move(message);
  d.hint = std::move(hint);
  return d;
}

void ConfigReader::fail(std::string_view code, std::string_view key, std::string message,
                        std::string hint) const {
  throw Error(ErrorKind::kModel,
              located(code, key, Severity::kError, std::move(message), std::move(hint)));
}

void ConfigReader::fail_model(std::string_view code, std::string message, std::string hint,
                              int line) const {
  Diagnostic d = located(code, "", Severity::kError, std::move(message), std::move(hint));
  d.line = line;
  throw Error(ErrorKind::kModel, std::move(d));
}

void ConfigReader::fail_profile(std::string_view code, std::string message,
                                std::string hint) const {
  Diagnostic d;
  d.code = std::string(code);
  d.file = target_.source_file;
  d.line = target_.source_line;
  d.message = model_label() + ": " + std::move(message);
  d.hint = std::move(hint);
  throw Error(ErrorKind::kModel, std::move(d));
}

void ConfigReader::warn(std::string_view code, std::string_view key, std::string message,
                        std::string hint) {
  warnings_.push_back(located(code, key, Severity::kWarning, std::move(message), std::move(hint)));
}

void ConfigReader::warn_model(std::string_view code, std::string message, std::string hint,
                              int line) {
  Diagnostic d = located(code, "", Severity::kWarning, std::move(message), std::move(hint));
  d.line = line;
  warnings_.push_back(std::move(d));
}

namespace {
std::string type_name(const Json& v) {
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "a mapping";
  return "null";
}
}  // namespace

std::optional<std::string> ConfigReader::string(std::string_view key) const {
  const Json* v = get(key);
  if (!v) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  fail("DBTPY308", key,
       "config '" + std::string(key) + "' must be a string, got " + type_name(*v) + " (set " +
           where_set(key) + ")",
       "give '" + std::string(key) + "' a string value");
}

std::optional<bool> ConfigReader::boolean(std::string_view key) const {
  const Json* v = get(key);
  if (!v) return std::nullopt;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_string()) {
    std::string s = to_lower(trim(v->get<std::string>()));
    if (s == "true") return true;
    if (s == "false") return false;
  }
  fail("DBTPY308", key,
       "config '" + std::string(key) + "' must be true or false, got " + type_name(*v) + " (set " +
           where_set(key) + ")",
       "set '" + std::string(key) + "' to true or false");
}

std::optional<long long> ConfigReader::integer(std::string_view key) const {
  const Json* v = get(key);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) return v->get<long long>();
  if (v->is_string()) {
    const std::string s(trim(v->get<std::string>()));
    try {
      size_t used = 0;
      long long n = std::stoll(s, &used);
      if (used == s.size()) return n;
    } catch (...) {
    }
  }
  fail("DBTPY308", key,
       "config '" + std::string(key) + "' must be an integer, got " + type_name(*v) + " (set " +
           where_set(key) + ")",
       "give '" + std::string(key) + "' a whole number");
}

std::vector<std::string> ConfigReader::string_list(std::string_view key) const {
  const Json* v = get(key);
  std::vector<std::string> out;
  if (!v) return out;
  if (v->is_string()) {
    out.push_back(v->get<std::string>());
    return out;
  }
  if (v->is_array()) {
    for (const auto& e : *v) {
      if (!e.is_string())
        fail("DBTPY308", key,
             "config '" + std::string(key) + "' must be a list of strings, but an element is " +
                 type_name(e) + " (set " + where_set(key) + ")",
             "write every element of '" + std::string(key) + "' as a quoted string");
      out.push_back(e.get<std::string>());
    }
    return out;
  }
  fail("DBTPY308", key,
       "config '" + std::string(key) + "' must be a string or a list of strings, got " +
           type_name(*v) + " (set " + where_set(key) + ")",
       "write '" + std::string(key) + "' as a list, e.g. ['a', 'b']");
}

const Json* ConfigReader::object(std::string_view key) const {
  const Json* v = get(key);
  if (!v) return nullptr;
  if (v->is_object()) return v;
  fail("DBTPY308", key,
       "config '" + std::string(key) + "' must be a mapping, got " + type_name(*v) + " (set " +
           where_set(key) + ")",
       "write '" + std::string(key) + "' as a mapping of keys to values");
}

const Json* ConfigReader::array(std::string_view key) const {
  const Json* v = get(key);
  if (!v) return nullptr;
  if (v->is_array()) return v;
  fail("DBTPY308", key,
       "config '" + std::string(key) + "' must be a list, got " + type_name(*v) + " (set " +
           where_set(key) + ")",
       "write '" + std::string(key) + "' as a list");
}

std::string ConfigReader::choice(std::string_view key, const std::vector<std::string>& allowed,
                                 std::string_view default_value) const {
  auto v = string(key);
  if (!v) return std::string(default_value);
  std::string s(trim(*v));
  for (const auto& a : allowed)
    if (s == a) return s;
  std::string hint = "use one of " + quoted_list(allowed);
  auto close = closest_names(s, allowed, 1);
  if (!close.empty()) hint = "did you mean '" + close[0] + "'? Allowed: " + quoted_list(allowed);
  fail("DBTPY302", key,
       "'" + s + "' is not a valid " + std::string(key) + " for " +
           std::string(profiles::platform_name(target_.platform)) + " (set " + where_set(key) + ")",
       hint);
}

std::optional<std::string> ConfigReader::profile_string(std::string_view key) const {
  auto v = target_.string_field(key);
  if (v && trim(*v).empty()) return std::nullopt;
  return v;
}

std::string ConfigReader::required_profile_string(std::string_view key,
                                                  std::string_view why) const {
  auto v = profile_string(key);
  if (v) return *v;
  fail_profile("DBTPY304",
               "profile target '" + target_.name + "' has no `" + std::string(key) + "`, " +
                   std::string(why),
               "add `" + std::string(key) + ":` to the target in profiles.yml");
}

}  // namespace dbtpy::codegen
