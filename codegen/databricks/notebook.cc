#include "codegen/databricks/notebook.h"

#include "codegen/common/compiled_model.h"

namespace dbtpy::codegen::databricks {

namespace {

// Quotes a pip argument for the IPython %pip line when it holds characters the shell-like
// splitting would break on (spaces, quotes, comparison operators).
std::string pip_arg(const std::string& a) {
  bool plain = !a.empty();
  for (char c : a) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '=' || c == '/' || c == ':' || c == '@' ||
              c == '+' || c == '[' || c == ']' || c == ',' || c == '~';
    plain = plain && ok;
  }
  if (plain) return a;
  std::string out = "'";
  for (char c : a) {
    if (c == '\'')
      out += "'\"'\"'";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace

std::string pip_install_command(const std::vector<std::string>& packages,
                                const std::string& index_url) {
  std::string s = "%pip install";
  if (!index_url.empty()) s += " --index-url " + pip_arg(index_url);
  s += " -q";
  for (const auto& p : packages)
    s += " " + pip_arg(p);
  return s;
}

Notebook notebook_source(const NotebookSpec& spec) {
  const std::string sep = "\n" + std::string(kCellSeparator) + "\n\n";
  Notebook nb;
  nb.text = kNotebookHeader;
  nb.text += spec.metadata_line;
  nb.text += "# Run parameters: set by the job's base_parameters (or run-now notebook_params).\n";
  nb.text += "dbutils.widgets.text(\"run_id\", \"\")\n";
  nb.text += "dbutils.widgets.text(\"full_refresh\", \"false\")\n";
  if (!spec.pip_install.empty()) {
    nb.text += sep + "# MAGIC " + spec.pip_install + "\n";
    nb.text += sep + "dbutils.library.restartPython()\n";
  }
  nb.text += sep;
  nb.model_first_line = count_lines(nb.text) + 1;
  nb.text += spec.model_py;
  return nb;
}

}  // namespace dbtpy::codegen::databricks
