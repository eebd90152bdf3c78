#pragma once
// The dbt context shim appended after the user's code: what `dbt` means inside model(dbt, ...)
// — ref/source lookup tables baked from the compiler's static resolution, config.get /
// config.meta_get backed by the resolved values of the keys the model reads, `this`, and
// `is_incremental`, which the platform driver decides AT RUN TIME and passes to dbtObj (it is
// never baked into the code). The same text serves every platform. Pure; thread-safe.
#include <string>

#include "compiler/model_ir.h"

namespace dbtpy::codegen {

struct ThisRelation {
  std::string database;
  std::string schema;
  std::string identifier;
  std::string rendered;  // repr(dbt.this)
};

// Python source (ends with "\n") defining DbtpyRefError, dbtObj and private helpers.
std::string dbt_context_python(const compiler::ModelIR& model, const ThisRelation& this_relation);

}  // namespace dbtpy::codegen
