#pragma once
// A streaming JSON writer that appends to a string: artifacts with thousands of entries are
// written without building a JSON tree for them (what dominated `dbtpy parse` on 10,000
// models). Strings are escaped as nlohmann::json escapes them (UTF-8 kept, invalid bytes
// replaced), values printed as nlohmann's compact dump prints them, so the bytes are the same
// as dumping the equivalent Json. Not thread-safe; one writer per output string. The free
// functions and JsonMembersText are pure / immutable and safe to use from any thread.
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
// Appends `before` (text as it is: a comma, a key) and then `s` as a JSON string literal: one
// append for both when they are short, as most manifest members are.
void append_json_string(std::string& out, std::string_view s, std::string_view before);

// Appends `v` as v.dump(-1, ' ', false, Json::error_handler_t::replace) would.
void append_json_value(std::string& out, const Json& v);

// Appends the integer's decimal digits (as nlohmann prints integers).
void append_json_integer(std::string& out, long long v);
void append_json_unsigned(std::string& out, unsigned long long v);
// Appends a double as nlohmann prints it: shortest round-trip digits, ".0" on whole numbers,
// null for NaN and infinities.
void append_json_float(std::string& out, double v);

// A JSON object's members as ready-made text, for a constant object that many documents
// complete their own values with (model_config_defaults() in every manifest entry): per member,
// in key order, its key, its `"key":value` text and, when the value is a non-empty object, the
// same for that object's members. Immutable once built.
// Each level also keeps its members' texts joined as `,text0,text1,...` with where each
// starts, so a run of consecutive members is one append (`joined` from starts[a] to starts[b]).
struct JsonMembersText {
  struct Member {
    std::string key;
    std::string text;             // "key":value, compact
    size_t key_size = 0;          // of text's `"key":` prefix
    std::vector<Member> members;  // the value's members when it is a non-empty object
    std::string members_joined;   // as JsonMembersText::joined, for `members`
    std::vector<size_t> members_starts;
  };
  JsonMembersText() = default;
  explicit JsonMembersText(const Json& object);  // a non-object has no members
  std::vector<Member> members;
  std::string joined;          // `,` + text of each member, in order
  std::vector<size_t> starts;  // members.size() + 1 offsets into joined
};

}  // namespace dbtpy::compiler
