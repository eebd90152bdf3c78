#pragma once
// A node's resolved config with provenance (which layer set each key), in two forms:
//   ResolvedConfig  the working form: an nlohmann object plus a key -> layer map. Config merging
//                   (config_merge.h) builds it; non-Python nodes keep it.
//   PackedConfig    the form every ModelIR keeps: the same content packed into one byte string.
//                   A resolved config as a JSON tree costs ~1.8 KB of small allocations per
//                   model (10,000 models would not fit the parse memory goal); packed it is
//                   ~250 bytes. unpack() gives back exactly the ResolvedConfig that was packed
//                   (same value types, same keys, same provenance).
// Value types; immutable once built, so safe to share across threads.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/json.h"

namespace dbtpy::compiler {

// Which layer set a config key (highest wins: in-file > properties > project > default).
enum class ConfigLayer { kDefault, kProject, kProperties, kInFile };

struct ResolvedConfig {
  Json values = Json::object();                   // resolved config, dbt's key names
  std::map<std::string, ConfigLayer> provenance;  // key -> layer that set (or last merged) it
};

class PackedConfig {
 public:
  PackedConfig() = default;                    // as a default ResolvedConfig: no keys
  PackedConfig(const ResolvedConfig& config);  // NOLINT(google-explicit-constructor): IR fields
                                               // are assigned from the working form

  ResolvedConfig unpack() const;
  Json values() const;                                    // unpack().values
  std::map<std::string, ConfigLayer> provenance() const;  // unpack().provenance
  // provenance().find(key) without building the map.
  std::optional<ConfigLayer> layer_of(std::string_view key) const;

  size_t packed_size() const { return bytes_.size(); }
  bool operator==(const PackedConfig& other) const = default;

 private:
  std::string bytes_;  // empty: no keys (see resolved_config.cc for the layout)
};

}  // namespace dbtpy::compiler
