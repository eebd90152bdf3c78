#include "compiler/config_merge.h"

#include <algorithm>
#include <cctype>

#include "util/strings.h"

namespace dbtpy::compiler {
namespace {

Json listify(const Json& v) {
  if (v.is_null()) return Json::array();
  if (v.is_array()) return v;
  return Json::array({v});
}

void append_unique_item(Json& into, const Json& item) {
  if (std::find(into.begin(), into.end(), item) == into.end()) into.push_back(item);
}

// Appends `items` (a list, or one value standing for a list of one) without copying it first.
void append_unique(Json& into, const Json& items) {
  if (items.is_null()) return;
  if (!items.is_array()) {
    append_unique_item(into, items);
    return;
  }
  for (const auto& item : items)
    append_unique_item(into, item);
}

}  // namespace

bool is_hook_key(std::string_view key) {
  return key == "pre-hook" || key == "post-hook";
}

MergeBehavior merge_behavior(std::string_view key) {
  // By length first: every config key of every model goes through here.
  switch (key.size()) {
    case 4:
      if (key == "tags") return MergeBehavior::kAppend;
      if (key == "meta" || key == "docs") return MergeBehavior::kUpdate;
      break;
    case 6:
      if (key == "grants") return MergeBehavior::kDictKeyAppend;
      break;
    case 7:
      if (key == "quoting") return MergeBehavior::kUpdate;
      break;
    case 8:
      if (key == "packages" || key == "pre-hook") return MergeBehavior::kAppend;
      if (key == "contract") return MergeBehavior::kUpdate;
      break;
    case 9:
      if (key == "post-hook") return MergeBehavior::kAppend;
      break;
    case 12:
      if (key == "column_types") return MergeBehavior::kUpdate;
      break;
    default:
      break;
  }
  return MergeBehavior::kReplace;
}

std::string_view normalize_config_key(std::string_view key, std::string& storage) {
  // Most keys are already spelled dbt's way: no copy, no trimming passes.
  auto plain = [](char c) { return c != '+' && !std::isspace(static_cast<unsigned char>(c)); };
  if (!key.empty() && plain(key.front()) && plain(key.back()) && key != "pre_hook" &&
      key != "post_hook")
    return key;
  std::string k(trim(key));
  while (!k.empty() && k.front() == '+')
    k.erase(k.begin());
  k = std::string(trim(k));
  if (k == "pre_hook") k = "pre-hook";
  if (k == "post_hook") k = "post-hook";
  storage = std::move(k);
  return storage;
}

std::string normalize_config_key(std::string_view key) {
  std::string storage;
  std::string_view k = normalize_config_key(key, storage);
  return k.data() == storage.data() ? std::move(storage) : std::string(k);
}

Json normalize_hooks(const Json& value) {
  Json out = Json::array();
  for (const auto& h : listify(value)) {
    if (h.is_string()) {
      out.push_back({{"sql", h}, {"transaction", true}});
    } else if (h.is_object()) {
      Json hook = {{"sql", h.value("sql", Json(""))},
                   {"transaction", h.value("transaction", true)}};
      out.push_back(std::move(hook));
    } else if (!h.is_null()) {
      out.push_back({{"sql", h.dump()}, {"transaction", true}});
    }
  }
  return out;
}

void merge_config_layer(ResolvedConfig& config, const Json& layer, ConfigLayer which) {
  if (!layer.is_object()) return;
  Json& values = config.values;
  for (auto it = layer.begin(); it != layer.end(); ++it) {
    std::string key = normalize_config_key(it.key());
    const Json& v = *it;
    switch (merge_behavior(key)) {
      case MergeBehavior::kAppend: {
        Json& into = values[key];
        if (!into.is_array()) into = Json::array();
        // Not a ?: expression: its Json result would copy `v` for every non-hook key.
        if (is_hook_key(key)) {
          append_unique(into, normalize_hooks(v));
        } else {
          append_unique(into, v);
        }
        break;
      }
      case MergeBehavior::kUpdate: {
        Json& into = values[key];
        if (v.is_object() && (into.is_object() || into.is_null())) {
          if (into.is_null()) into = Json::object();
          for (auto f = v.begin(); f != v.end(); ++f)
            into[f.key()] = *f;
        } else {
          into = v;
        }
        break;
      }
      case MergeBehavior::kDictKeyAppend: {
        Json& into = values[key];
        if (!v.is_object()) {
          into = v;
          break;
        }
        if (!into.is_object()) into = Json::object();
        for (auto g = v.begin(); g != v.end(); ++g) {
          const std::string& gk = g.key();
          if (!gk.empty() && gk.front() == '+') {
            std::string base = gk.substr(1);
            Json merged = listify(into.contains(base) ? into[base] : Json());
            append_unique(merged, *g);
            into[base] = std::move(merged);
          } else {
            into[gk] = *g;
          }
        }
        break;
      }
      case MergeBehavior::kReplace:
        values[key] = v;
        break;
    }
    config.provenance[key] = which;
  }
}

std::string_view config_layer_name(ConfigLayer layer) {
  switch (layer) {
    case ConfigLayer::kDefault:
      return "default";
    case ConfigLayer::kProject:
      return "dbt_project.yml";
    case ConfigLayer::kProperties:
      return "properties";
    case ConfigLayer::kInFile:
      return "in-file config";
  }
  return "unknown";
}

const Json& model_config_defaults() {
  static const Json kDefaults = {
      {"enabled", true},
      {"alias", nullptr},
      {"schema", nullptr},
      {"database", nullptr},
      {"tags", Json::array()},
      {"meta", Json::object()},
      {"group", nullptr},
      {"materialized", "table"},
      {"incremental_strategy", nullptr},
      {"batch_size", nullptr},
      {"lookback", 1},
      {"begin", nullptr},
      {"persist_docs", Json::object()},
      {"post-hook", Json::array()},
      {"pre-hook", Json::array()},
      {"quoting", Json::object()},
      {"column_types", Json::object()},
      {"full_refresh", nullptr},
      {"unique_key", nullptr},
      {"on_schema_change", "ignore"},
      {"on_configuration_change", "apply"},
      {"grants", Json::object()},
      {"packages", Json::array()},
      {"docs", {{"show", true}, {"node_color", nullptr}}},
      {"contract", {{"enforced", false}, {"alias_types", true}}},
      {"event_time", nullptr},
      {"concurrent_batches", nullptr},
      {"access", "protected"},
  };
  return kDefaults;
}

Json config_with_defaults(const ResolvedConfig& config) {
  Json out = model_config_defaults();
  if (config.values.is_object()) {
    for (auto it = config.values.begin(); it != config.values.end(); ++it) {
      Json& slot = out[it.key()];
      if (slot.is_object() && it->is_object() && !slot.empty()) {
        for (auto f = it->begin(); f != it->end(); ++f)
          slot[f.key()] = *f;  // docs/contract keep the sub-defaults they do not set
      } else {
        slot = *it;
      }
    }
  }
  return out;
}

}  // namespace dbtpy::compiler
