#pragma once
// Snowflake: a Python model becomes one Snowpark stored procedure run through the SQL API v2.
// Default: an anonymous procedure (`WITH <name> AS PROCEDURE ... CALL <name>(?, ?)`, one
// statement). `use_anonymous_sproc: false`: CREATE OR REPLACE PROCEDURE, CALL, and a DROP
// cleanup step the submitter runs on every path. Run-varying values travel as procedure
// arguments through SQL API `bindings`. Pure; thread-safe.
#include "codegen/codegen.h"

namespace dbtpy::codegen::snowflake {

Payload generate(const CodegenInput& input);

}  // namespace dbtpy::codegen::snowflake
