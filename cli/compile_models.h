#pragma once
// Compiling the selected Python models and writing their payloads for review — the one
// implementation behind `dbtpy compile` and `dbtpy submit` (which writes exactly what it then
// executes, so what ran is what can be reviewed):
//   <target-path>/dbtpy/<target>/manifest.json         the compiled models and their steps
//   <target-path>/dbtpy/<target>/<model>/...           model.py, requests.json, review files
// Every file is written atomically; files a previous compile left in a model's folder that the
// payload no longer has are removed. Problems are reported through the invocation's reporter
// as they are found. Not thread-safe (one call per invocation).
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/invocation.h"
#include "cli/project_context.h"
#include "codegen/payload.h"

namespace dbtpy::cli {

struct CompiledModel {
  size_t node = 0;  // index into Project::nodes
  std::string folder;
  codegen::Payload payload;
  std::chrono::system_clock::time_point started, completed;
};

struct CompileOutput {
  std::vector<CompiledModel> compiled;  // in ctx.selected_python order
  // Selected models that could not be compiled: node index and the first error's text.
  std::vector<std::pair<size_t, std::string>> failed;
  size_t warnings = 0;
  std::filesystem::path manifest_path;
  bool manifest_written = false;
};

struct CompileOptions {
  bool announce = true;  // one `model_compiled` line per model (compile does; submit does not)
};

CompileOutput compile_selected(Invocation& inv, const ProjectContext& ctx,
                               const CompileOptions& options = {});

// `dbtpy compile` (and `dbtpy submit --dry-run`): compile_selected() plus the summary line.
// Returns the exit code.
int run_compile_command(Invocation& inv);

}  // namespace dbtpy::cli
