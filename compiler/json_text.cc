#include "compiler/json_text.h"

namespace dbtpy::compiler {

void append_json_string(std::string& out, std::string_view s) {
  // Runs of characters that need no escaping are appended in one go.
  size_t run = 0;
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) continue;
    if (c >= 0x80) {  // rare: let nlohmann validate UTF-8 and replace invalid bytes
      out.append(s.data() + run, i - run);
      std::string rest =
          Json(std::string(s.substr(i))).dump(-1, ' ', false, Json::error_handler_t::replace);
      out.append(rest, 1, rest.size() - 1);  // without its opening quote (keeps the closing)
      return;
    }
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static const char* hex = "0123456789abcdef";
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void JsonText::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

JsonText& JsonText::begin_object() {
  separate();
  out_ += '{';
  first_.push_back(true);
  return *this;
}

JsonText& JsonText::end_object() {
  out_ += '}';
  first_.pop_back();
  return *this;
}

JsonText& JsonText::begin_array() {
  separate();
  out_ += '[';
  first_.push_back(true);
  return *this;
}

JsonText& JsonText::end_array() {
  out_ += ']';
  first_.pop_back();
  return *this;
}

JsonText& JsonText::key(std::string_view k) {
  separate();
  append_json_string(out_, k);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonText& JsonText::string(std::string_view s) {
  separate();
  append_json_string(out_, s);
  return *this;
}

JsonText& JsonText::value(const Json& v) {
  separate();
  switch (v.type()) {
    case Json::value_t::string:
      append_json_string(out_, v.get_ref<const std::string&>());
      break;
    case Json::value_t::null:
      out_ += "null";
      break;
    case Json::value_t::boolean:
      out_ += v.get<bool>() ? "true" : "false";
      break;
    case Json::value_t::number_integer:
      out_ += std::to_string(v.get<long long>());
      break;
    default:
      out_ += v.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return *this;
}

JsonText& JsonText::integer(long long v) {
  separate();
  out_ += std::to_string(v);
  return *this;
}

JsonText& JsonText::raw_member(std::string_view member) {
  separate();
  out_ += member;
  return *this;
}

JsonText& JsonText::null() {
  separate();
  out_ += "null";
  return *this;
}

}  // namespace dbtpy::compiler
