#pragma once
// dbt's config merge rules, applied one layer at a time from lowest to highest precedence
// (dbt_project.yml folders root-first, then the properties file, then in-file config calls):
//   tags, packages, pre-hook, post-hook    append (lower layer first; exact duplicates dropped)
//   meta, quoting, docs, contract,
//   column_types                           dict update (the higher layer's keys win)
//   grants                                 per key: `+key` appends, `key` replaces
//   everything else                        the higher layer replaces the value
// Each key remembers the layer that set or last merged it (ConfigLayer provenance).
// Pure functions; thread-safe.
#include <string>
#include <string_view>

#include "compiler/model_ir.h"
#include "util/json.h"

namespace dbtpy::compiler {

enum class MergeBehavior { kReplace, kAppend, kUpdate, kDictKeyAppend };

MergeBehavior merge_behavior(std::string_view key);

// dbt's spelling of a config key: leading '+' and spaces dropped, pre_hook -> pre-hook,
// post_hook -> post-hook.
std::string normalize_config_key(std::string_view key);
// The same without a copy when `key` is already spelled dbt's way (most keys); otherwise the
// result is written to `storage` and viewed.
std::string_view normalize_config_key(std::string_view key, std::string& storage);

// pre-hook or post-hook (normalized spelling).
bool is_hook_key(std::string_view key);

// Merges one layer (an object of config keys) into `config`.
void merge_config_layer(ResolvedConfig& config, const Json& layer, ConfigLayer which);

// Hooks as dbt stores them: a list of {"sql": ..., "transaction": bool} objects.
Json normalize_hooks(const Json& value);

std::string_view config_layer_name(ConfigLayer layer);  // default, dbt_project.yml, ...

// The values dbt gives every model config when nothing sets them (dbt's NodeConfig defaults,
// as they appear in manifest.json), for output and for `dbt.config.get` baking.
const Json& model_config_defaults();

// `config.values` completed with model_config_defaults() for keys no layer set.
Json config_with_defaults(const ResolvedConfig& config);

}  // namespace dbtpy::compiler
