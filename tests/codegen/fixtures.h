#pragma once
// Hand-built inputs for codegen tests: a realistic model, its IR as the compiler would
// produce it, and one profile target per platform. Tests tweak the config and regenerate.
#include <string>

#include "codegen/codegen.h"
#include "codegen/payload.h"
#include "codegen/placeholders.h"
#include "compiler/model_ir.h"
#include "profiles/endpoints.h"
#include "profiles/target.h"

namespace dbtpy::codegen::testing {

struct Fixture {
  compiler::ModelIR model;
  std::string source;
  profiles::Target target;
  profiles::Endpoints endpoints;

  Payload generate() const;
  // Sets a config key as if written in the model file (in-file layer).
  Fixture& config(const std::string& key, Json value);
  Fixture& remove_config(const std::string& key);
  Fixture& profile(const std::string& key, Json value);
};

// The sample model (orders.py) and its IR on each platform.
Fixture snowflake_fixture();
Fixture databricks_fixture();
Fixture bigquery_fixture();
Fixture fixture_for(profiles::Platform platform);

// Placeholder values used to turn a payload into concrete requests in tests.
PlaceholderValues sample_values(const Payload& payload);

// Reads/writes files for golden tests and python checks.
std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& content);

// /usr/bin/python3 when present (Debian's, with jsonschema and yaml), else empty.
std::string python3();
// Runs a command, returns its exit status; output (stdout+stderr) in `output`.
int run_command(const std::string& command, std::string& output);

}  // namespace dbtpy::codegen::testing
