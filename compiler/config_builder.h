#pragma once
// PackedConfigBuilder: merges config layers with dbt's rules (config_merge.h) straight into
// PackedConfig's byte form, without building a ResolvedConfig (a Json tree and a provenance
// map) per node only to pack and destroy it. Keys and values live in one reused byte buffer;
// a value is kept in its packed encoding and replaced, appended to or dict-updated there.
//
// It covers what projects commonly set. It refuses (merge() returns false) what it cannot
// merge exactly as merge_config_layer would, and the caller then resolves the node through
// the ResolvedConfig path:
//   - `grants` (per-key `+` appends),
//   - appending to tags/packages/hooks when an item (new or already there) holds a number
//     (Json equality treats 1 and 1.0 as equal, their bytes differ).
// When every merge succeeded, build() is byte for byte PackedConfig(ResolvedConfig) of the
// same layers merged with merge_config_layer (the tests check it across the merge rules).
//
// Not thread-safe; one builder per thread (it is meant to be reused: clear() keeps capacity).
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/resolved_config.h"
#include "util/json.h"

namespace dbtpy::compiler {

class PackedConfigBuilder {
 public:
  void clear();
  // Starts from a packed config (a folder's dbt_project.yml layers). False when it holds a
  // provenance key without a value (never made by the merge; use the ResolvedConfig path).
  bool load(const PackedConfig& base);
  // merge_config_layer(config, layer, which) on the packed form. False: see above; the
  // builder's content is then unspecified.
  bool merge(const Json& layer, ConfigLayer which);
  // config.values[key] = value; config.provenance[key] = which.
  void set(std::string_view key, const Json& value, ConfigLayer which);

  bool empty() const { return entries_.empty(); }
  std::optional<ConfigLayer> layer_of(std::string_view key) const;
  // The value of `key` (nullopt when no layer set it).
  std::optional<Json> value_of(std::string_view key) const;
  // The packed encoding of `key`'s value (packed:: in resolved_config.h); empty when unset.
  std::string_view value_bytes_of(std::string_view key) const {
    const Entry* e = find(key);
    return e ? value_bytes(*e) : std::string_view();
  }
  // The value of `key` when it is a string.
  std::optional<std::string_view> string_of(std::string_view key) const;
  // Whether `key` is unset or a list of strings only.
  bool strings_only(std::string_view key) const;
  // The ResolvedConfig restricted to `keys` (those set), for checks that read only a few.
  ResolvedConfig subset(std::initializer_list<std::string_view> keys) const;

  PackedConfig build() const;

 private:
  struct Entry {
    uint32_t key_off, key_len;
    uint32_t value_off, value_len;
    ConfigLayer layer;
  };
  std::string_view key_of(const Entry& e) const { return {buf_.data() + e.key_off, e.key_len}; }
  std::string_view value_bytes(const Entry& e) const {
    return {buf_.data() + e.value_off, e.value_len};
  }
  // The entry of `key`, created (with no value yet: a null) when absent.
  Entry& slot(std::string_view key, bool& created);
  const Entry* find(std::string_view key) const;
  // Appends the value's encoding to the buffer and points the entry at it.
  void put(Entry& e, const Json& value);
  bool append(Entry& e, bool existed, std::string_view key, const Json& v);
  void update(Entry& e, bool existed, const Json& v);

  std::string buf_;  // keys and values; replaced values stay until clear()
  // Scratch space of append() and update(), kept for its capacity.
  std::string list_, copy_;
  std::vector<std::pair<size_t, size_t>> items_;
  std::vector<Entry> entries_;  // sorted by key
};

}  // namespace dbtpy::compiler
