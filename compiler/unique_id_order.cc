#include "compiler/unique_id_order.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

namespace dbtpy::compiler {
namespace {

// An id split at the end of its "type.package." prefix (after the second '.', or the whole id
// when it has fewer). Comparing (prefix, rest) is comparing the ids: two different prefixes
// both end at their second '.', so neither is a proper prefix of the other unless it is the
// whole of a shorter id, and they differ before either ends. Prefixes are ranked once; the
// first 16 bytes of the rest are compared as two integers (big-endian, zero-padded: padding
// sorts first as a shorter string does), and only equal heads compare the rest's bytes.
struct Key {
  uint32_t group = 0;  // the prefix's rank
  uint32_t index = 0;
  uint64_t head0 = 0;
  uint64_t head1 = 0;
  std::string_view rest;
};

uint64_t big_endian_at(std::string_view s, size_t at) {
  uint64_t v = 0;
  for (size_t k = 0; k < 8; ++k)
    v = (v << 8) | (at + k < s.size() ? static_cast<unsigned char>(s[at + k]) : 0u);
  return v;
}

size_t prefix_size(std::string_view id) {
  const size_t first = id.find('.');
  if (first == std::string_view::npos) return id.size();
  const size_t second = id.find('.', first + 1);
  return second == std::string_view::npos ? id.size() : second + 1;
}

}  // namespace

std::vector<size_t> unique_id_order(const std::vector<std::string_view>& ids) {
  std::vector<Key> keys(ids.size());
  std::vector<std::string_view> prefixes;
  std::unordered_map<std::string_view, uint32_t> prefix_ids;
  std::string_view last;
  uint32_t last_id = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string_view id = ids[i];
    const std::string_view prefix = id.substr(0, prefix_size(id));
    if (prefixes.empty() || prefix != last) {
      auto [it, added] = prefix_ids.try_emplace(prefix, static_cast<uint32_t>(prefixes.size()));
      if (added) prefixes.push_back(prefix);
      last = prefix;
      last_id = it->second;
    }
    Key& k = keys[i];
    k.group = last_id;
    k.index = static_cast<uint32_t>(i);
    k.rest = id.substr(prefix.size());
    k.head0 = big_endian_at(k.rest, 0);
    k.head1 = big_endian_at(k.rest, 8);
  }
  // Ranks of the prefixes, so groups compare as numbers.
  std::vector<uint32_t> by_name(prefixes.size());
  for (uint32_t g = 0; g < by_name.size(); ++g)
    by_name[g] = g;
  std::sort(by_name.begin(), by_name.end(),
            [&](uint32_t a, uint32_t b) { return prefixes[a] < prefixes[b]; });
  std::vector<uint32_t> rank(prefixes.size());
  for (uint32_t r = 0; r < by_name.size(); ++r)
    rank[by_name[r]] = r;
  for (Key& k : keys)
    k.group = rank[k.group];
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    if (a.group != b.group) return a.group < b.group;
    if (a.head0 != b.head0) return a.head0 < b.head0;
    if (a.head1 != b.head1) return a.head1 < b.head1;
    if (a.rest != b.rest) return a.rest < b.rest;
    return a.index < b.index;
  });
  std::vector<size_t> order(keys.size());
  for (size_t i = 0; i < keys.size(); ++i)
    order[i] = keys[i].index;
  return order;
}

}  // namespace dbtpy::compiler
