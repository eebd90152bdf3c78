#pragma once
// A streaming JSON writer that appends to a string: artifacts with thousands of entries are
// written without building a JSON tree for them (what dominated `dbtpy parse` on 10,000
// models). Strings are escaped as nlohmann::json escapes them (UTF-8 kept, invalid bytes
// replaced). Not thread-safe; one writer per output string.
#include <string>
#include <string_view>
#include <vector>

#include "util/json.h"

namespace dbtpy::compiler {

class JsonText {
 public:
  explicit JsonText(std::string& out) : out_(out) {}

  JsonText& begin_object();
  JsonText& end_object();
  JsonText& begin_array();
  JsonText& end_array();
  JsonText& key(std::string_view k);
  JsonText& string(std::string_view s);
  JsonText& value(const Json& v);  // any JSON value, dumped compactly
  JsonText& integer(long long v);
  JsonText& null();
  // A member written beforehand as `"key":value` (constant parts of large documents).
  JsonText& raw_member(std::string_view member);

  // key(k).string(s) / key(k).value(v)
  JsonText& field(std::string_view k, std::string_view s) { return key(k).string(s); }
  JsonText& json_field(std::string_view k, const Json& v) { return key(k).value(v); }

 private:
  void separate();
  std::string& out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

// Appends `s` as a JSON string literal.
void append_json_string(std::string& out, std::string_view s);

}  // namespace dbtpy::compiler
