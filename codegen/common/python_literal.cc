#include "codegen/common/python_literal.h"

#include "util/strings.h"

namespace dbtpy::codegen {

std::string py_str(std::string_view text) {
  return backslash_quoted(text, '"');
}

std::string py_literal(const Json& v) {
  if (v.is_null()) return "None";
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_string()) return py_str(v.get_ref<const std::string&>());
  if (v.is_number()) return v.dump();
  if (v.is_array()) {
    std::string out = "[";
    bool first = true;
    for (const auto& e : v) {
      if (!first) out += ", ";
      first = false;
      out += py_literal(e);
    }
    return out + "]";
  }
  std::string out = "{";
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!first) out += ", ";
    first = false;
    out += py_str(it.key()) + ": " + py_literal(it.value());
  }
  return out + "}";
}

std::string py_literal_block(const Json& v, int indent) {
  if (!v.is_structured() || v.empty()) return py_literal(v);
  std::string pad(static_cast<size_t>(indent), ' ');
  std::string out = v.is_array() ? "[\n" : "{\n";
  if (v.is_array()) {
    for (const auto& e : v)
      out += pad + py_literal(e) + ",\n";
  } else {
    for (auto it = v.begin(); it != v.end(); ++it)
      out += pad + py_str(it.key()) + ": " + py_literal(it.value()) + ",\n";
  }
  return out + (v.is_array() ? "]" : "}");
}

}  // namespace dbtpy::codegen
