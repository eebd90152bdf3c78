#pragma once
// Typed, validated access to a model's resolved config for code generation. Every problem
// becomes a DBTPY3xx diagnostic that names the model, the key, where the value was set and
// the allowed values. Holds references to the model and its source; use within one
// generate() call only. Not thread-safe (collects warnings).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/model_ir.h"
#include "profiles/target.h"
#include "util/diagnostic.h"
#include "util/json.h"

namespace dbtpy::codegen {

class ConfigReader {
 public:
  ConfigReader(const compiler::ModelIR& model, std::string_view source,
               const profiles::Target& target);

  const compiler::ModelIR& model() const { return model_; }
  // The model's resolved config, unpacked once (ModelIR keeps it packed).
  const Json& values() const { return config_.values; }
  const profiles::Target& target() const { return target_; }

  // The raw value; nullptr when absent or null.
  const Json* get(std::string_view key) const;
  bool has(std::string_view key) const { return get(key) != nullptr; }

  std::optional<std::string> string(std::string_view key) const;  // error unless a string
  std::optional<bool> boolean(std::string_view key) const;        // bool or "true"/"false"
  std::optional<long long> integer(std::string_view key) const;   // int or numeric string
  // A string or a list of strings (a lone string becomes one element: dbt iterates a string
  // `cluster_by` character by character, which is a known defect we do not repeat).
  std::vector<std::string> string_list(std::string_view key) const;
  const Json* object(std::string_view key) const;  // error unless a mapping
  const Json* array(std::string_view key) const;   // error unless a list

  // One of `allowed` (compared case-sensitively after trimming); error listing them.
  std::string choice(std::string_view key, const std::vector<std::string>& allowed,
                     std::string_view default_value) const;

  // Profile (target) fields, with errors pointing at profiles.yml.
  std::optional<std::string> profile_string(std::string_view key) const;
  std::string required_profile_string(std::string_view key, std::string_view why) const;

  // A DBTPY error about config `key` of this model; never returns.
  [[noreturn]] void fail(std::string_view code, std::string_view key, std::string message,
                         std::string hint) const;
  // Same, for a problem not tied to one key (file-level location).
  [[noreturn]] void fail_model(std::string_view code, std::string message, std::string hint,
                               int line = 0) const;
  [[noreturn]] void fail_profile(std::string_view code, std::string message,
                                 std::string hint) const;
  void warn(std::string_view code, std::string_view key, std::string message, std::string hint);
  void warn_model(std::string_view code, std::string message, std::string hint, int line = 0);

  const std::vector<Diagnostic>& warnings() const { return warnings_; }

  // "model 'orders'" — the prefix every message starts with.
  std::string model_label() const;
  // Where a key was set: "in models/orders.py", "in a properties file", "in dbt_project.yml".
  std::string where_set(std::string_view key) const;

 private:
  Diagnostic located(std::string_view code, std::string_view key, Severity sev, std::string message,
                     std::string hint) const;
  int line_of_key(std::string_view key) const;

  const compiler::ModelIR& model_;
  const compiler::ResolvedConfig config_;
  std::string_view source_;
  const profiles::Target& target_;
  std::vector<Diagnostic> warnings_;
};

// "a", "b" and "c" — for "allowed values" lists.
std::string quoted_list(const std::vector<std::string>& items);

}  // namespace dbtpy::codegen
