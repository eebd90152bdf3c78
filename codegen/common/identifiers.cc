#include "codegen/common/identifiers.h"

#include "util/hash.h"

namespace dbtpy::codegen {

std::string dns_label(std::string_view text, size_t max_len) {
  std::string out;
  for (char c : text) {
    char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
    if (ok) {
      out += l;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-')
    out.pop_back();
  if (out.empty()) out = "m";
  if (!(out[0] >= 'a' && out[0] <= 'z')) out.insert(0, "m-");
  if (out.size() > max_len) out.resize(max_len);
  while (!out.empty() && out.back() == '-')
    out.pop_back();
  return out;
}

std::string word_chars(std::string_view text, size_t max_len) {
  std::string out;
  for (char c : text) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
    if (out.size() >= max_len) break;
  }
  return out;
}

std::string short_hash(std::string_view text, size_t n) {
  return sha256_hex(text).substr(0, n);
}

}  // namespace dbtpy::codegen
