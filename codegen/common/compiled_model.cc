#include "codegen/common/compiled_model.h"

namespace dbtpy::codegen {

int count_lines(const std::string& text) {
  int n = 0;
  for (char c : text)
    if (c == '\n') ++n;
  return n;
}

CompiledModel assemble_model(const std::string& metadata_line, const std::string& prologue,
                             const ModelSource& source, const std::string& dbt_context,
                             const std::string& driver) {
  CompiledModel m;
  m.text = metadata_line + prologue;
  m.user_first_line = count_lines(m.text) + 1;
  m.user_line_count = source.line_count;
  m.text += source.text;
  m.text += dbt_context;
  m.text += driver;
  if (m.text.back() != '\n') m.text += '\n';
  return m;
}

SourceMapEntry source_map_entry(const std::string& generated_file, int user_first_line,
                                int user_line_count, const std::string& model_file,
                                const std::string& remote, int remote_line_offset) {
  SourceMapEntry e;
  e.generated_file = generated_file;
  e.first_line = user_first_line;
  e.line_count = user_line_count;
  e.model_file = model_file;
  e.model_first_line = 1;
  e.remote = remote;
  e.remote_line_offset = remote_line_offset;
  return e;
}

void require_model_function(const ConfigReader& config, const ModelSource& source) {
  if (config.model().model_def_line > 0) return;
  // Hand-built or older IRs may not carry the line: look for the definition itself.
  size_t pos = 0;
  while ((pos = source.text.find("def model", pos)) != std::string::npos) {
    bool line_start = pos == 0 || source.text[pos - 1] == '\n';
    size_t after = pos + 9;
    while (after < source.text.size() && source.text[after] == ' ')
      ++after;
    if (line_start && after < source.text.size() && source.text[after] == '(') return;
    pos += 9;
  }
  config.fail_model("DBTPY326", "the file defines no `def model(dbt, session)`: nothing to run",
                    "define `def model(dbt, session):` returning a DataFrame, or disable the model "
                    "with `enabled: false`");
}

}  // namespace dbtpy::codegen
