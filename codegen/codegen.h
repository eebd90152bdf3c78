#pragma once
// The entry point of code generation: one Python model in, its Payload out. Each platform is
// one module with this same signature (codegen/<platform>/<platform>_codegen.h); generate()
// dispatches on the target's platform. Pure: no I/O, no clock, no randomness, no secrets —
// the same input gives the same bytes. Thread-safe (no shared state).
#include <string_view>

#include "codegen/payload.h"
#include "compiler/model_ir.h"
#include "profiles/endpoints.h"
#include "profiles/target.h"

namespace dbtpy::codegen {

struct CodegenInput {
  const compiler::ModelIR* model = nullptr;  // resolved config: model->config.unpack()
  std::string_view source;                   // the model file's bytes, as read from disk
  const profiles::Target* target = nullptr;  // non-secret profile fields
  const profiles::Endpoints* endpoints = nullptr;
};

// Throws dbtpy::Error (ErrorKind::kModel) with DBTPY3xx diagnostics naming the model, the
// config key and the allowed values when the model cannot be compiled for its platform.
// Non-fatal findings are returned in Payload::warnings.
Payload generate(const CodegenInput& input);

}  // namespace dbtpy::codegen
