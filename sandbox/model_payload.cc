#include "sandbox/model_payload.h"

#include <regex>

#include "util/strings.h"

namespace dbtpy::sandbox {
namespace {

constexpr std::string_view kMarker = "# dbtpy-model:";

bool has_model_function(std::string_view src) {
  static const std::regex re(R"((^|\n)[ \t]*def[ \t]+model[ \t]*\()");
  return std::regex_search(src.begin(), src.end(), re);
}

}  // namespace

PayloadInspection inspect_payload(std::string_view src) {
  PayloadInspection out;
  size_t pos = src.find(kMarker);
  if (pos == std::string_view::npos) {
    out.problem =
        "not a dbtpy payload: no `# dbtpy-model: {...}` metadata line (dbtpy's code generator "
        "writes one into every model it compiles)";
    return out;
  }
  size_t eol = src.find('\n', pos);
  std::string_view line =
      src.substr(pos + kMarker.size(), eol == std::string_view::npos ? std::string_view::npos
                                                                     : eol - pos - kMarker.size());
  Json raw = Json::parse(trim(line), nullptr, false);
  if (!raw.is_object()) {
    out.problem = "not a dbtpy payload: the `# dbtpy-model:` line is not a JSON object";
    return out;
  }
  ModelMeta meta;
  meta.raw = raw;
  auto get = [&](const char* key) -> std::string {
    auto it = raw.find(key);
    return it != raw.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  meta.unique_id = get("unique_id");
  meta.relation = get("relation");
  meta.platform = get("platform");
  meta.materialized = get("materialized");
  meta.staging_relation = get("staging_relation");
  for (const char* key : {"unique_id", "relation", "platform", "materialized"}) {
    if (get(key).empty()) {
      out.problem = std::string("not a dbtpy payload: the `# dbtpy-model:` metadata has no \"") +
                    key + "\" string";
      return out;
    }
  }
  if (!has_model_function(src)) {
    out.problem = "not a dbtpy payload: no `def model(dbt, session)` function";
    return out;
  }
  out.meta = std::move(meta);
  return out;
}

bool is_helper_code(std::string_view src) {
  return src.find(kMarker) == std::string_view::npos && !has_model_function(src);
}

std::string neutralize_magics(std::string_view src) {
  std::string out;
  out.reserve(src.size() + 16);
  size_t start = 0;
  while (start <= src.size()) {
    size_t eol = src.find('\n', start);
    std::string_view line =
        src.substr(start, eol == std::string_view::npos ? std::string_view::npos : eol - start);
    std::string_view stripped = trim(line);
    if (!stripped.empty() && stripped.front() == '%') {
      // Keep the indentation so a magic inside a block does not change the line count.
      size_t indent = line.find('%');
      out.append(line.substr(0, indent));
      out.append("# ");
      out.append(line.substr(indent));
    } else {
      out.append(line);
    }
    if (eol == std::string_view::npos) break;
    out.push_back('\n');
    start = eol + 1;
  }
  return out;
}

}  // namespace dbtpy::sandbox
