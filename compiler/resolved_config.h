#pragma once
// A node's resolved config with provenance (which layer set each key), in two forms:
//   ResolvedConfig  the working form: an nlohmann object plus a key -> layer map. Config merging
//                   (config_merge.h) builds it; non-Python nodes keep it.
//   PackedConfig    the form every ModelIR keeps: the same content packed into one byte string.
//                   A resolved config as a JSON tree costs ~1.8 KB of small allocations per
//                   model (10,000 models would not fit the parse memory goal); packed it is
//                   ~250 bytes. unpack() gives back exactly the ResolvedConfig that was packed
//                   (same value types, same keys, same provenance).
// PackedConfig also prints itself as JSON text straight from the packed bytes (no Json tree,
// no map): the manifest formats 10,000 configs that way.
// Value types; immutable once built, so safe to share across threads.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "compiler/json_text.h"
#include "util/json.h"

namespace dbtpy::compiler {

// Which layer set a config key (highest wins: in-file > properties > project > default).
enum class ConfigLayer { kDefault, kProject, kProperties, kInFile };

struct ResolvedConfig {
  Json values = Json::object();                   // resolved config, dbt's key names
  std::map<std::string, ConfigLayer> provenance;  // key -> layer that set (or last merged) it
};

// Provenance layer names as ready-made member tails (`:"name"`), escaped once rather than per
// key of every manifest entry. Immutable once built.
struct ProvenanceNames {
  explicit ProvenanceNames(const std::array<std::string_view, 4>& layer_names);
  std::array<std::string, 4> tails;
  std::string unknown;  // for a layer byte out of range
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

  // Appends values() as compact JSON text, byte for byte what
  // values().dump(-1, ' ', false, Json::error_handler_t::replace) writes. With `defaults`, the
  // values completed with the defaults' members they lack, and a member that is a non-empty
  // object in the defaults and an object in the values merged one level (the values' members
  // win): the dump of config_with_defaults(unpack()) for model_config_defaults().
  void append_json(std::string& out, const JsonMembersText* defaults = nullptr) const;
  // Appends the provenance as a JSON object of key -> layer_names[layer], in key order.
  void append_provenance_json(std::string& out,
                              const std::array<std::string_view, 4>& layer_names) const;
  void append_provenance_json(std::string& out, const ProvenanceNames& names) const;

  size_t packed_size() const { return bytes_.size(); }
  bool operator==(const PackedConfig& other) const = default;

  // A PackedConfig from bytes in its layout (see resolved_config.cc), as
  // PackedConfigBuilder (config_builder.h) writes them; the caller guarantees the layout.
  static PackedConfig from_bytes(std::string_view bytes);
  std::string_view bytes() const { return bytes_; }

 private:
  std::string bytes_;  // empty: no keys (see resolved_config.cc for the layout)
};

// The encoding of one value inside the packed bytes, for code that merges configs straight
// into the packed form (config_builder.h) without a Json tree per node.
namespace packed {
enum Tag : uint8_t {
  kNull,
  kFalse,
  kTrue,
  kInt,
  kUnsigned,
  kFloat,
  kString,
  kArray,
  kObject,
  kBinary,
  kDiscarded
};
void put_varint(std::string& out, uint64_t v);
// Reads what put_varint wrote at `pos` and advances `pos`; throws on truncated bytes.
uint64_t get_varint(std::string_view bytes, size_t& pos);
void put_string(std::string& out, std::string_view s);
void put_value(std::string& out, const Json& v);
// The size of the encoded value at the start of `bytes`.
size_t value_size(std::string_view bytes);
// The encoded value at the start of `bytes`, as Json.
Json value(std::string_view bytes);
}  // namespace packed

}  // namespace dbtpy::compiler
