#pragma once
// Assembles a compiled model file — metadata line, optional platform prologue, the user's
// code verbatim, the dbt context, the platform driver — and records where the user's code
// landed so tracebacks can be mapped back to the model file. Also the checks every platform
// shares before generating (the file defines `def model`). Pure; thread-safe.
#include <string>

#include "codegen/common/config_reader.h"
#include "codegen/common/model_source.h"
#include "codegen/payload.h"

namespace dbtpy::codegen {

struct CompiledModel {
  std::string text;
  int user_first_line = 0;  // 1-based line of the user's first line in `text`
  int user_line_count = 0;
};

CompiledModel assemble_model(const std::string& metadata_line, const std::string& prologue,
                             const ModelSource& source, const std::string& dbt_context,
                             const std::string& driver);

// A source map entry for `generated_file`, whose user code starts at `user_first_line`.
SourceMapEntry source_map_entry(const std::string& generated_file, int user_first_line,
                                int user_line_count, const std::string& model_file,
                                const std::string& remote, int remote_line_offset);

// Fails (DBTPY326) when the file has no `def model(`: dbt accepts an empty file at parse
// time, but there is nothing to run.
void require_model_function(const ConfigReader& config, const ModelSource& source);

// Lines of `text` (count of '\n'; `text` ends with '\n').
int count_lines(const std::string& text);

}  // namespace dbtpy::codegen
