#pragma once
// Databricks notebook source format: the `# Databricks notebook source` header, cells
// separated by `# COMMAND ----------`, magic commands as `# MAGIC` lines. The notebook dbtpy
// imports holds: the metadata line and the widget defaults for the run parameters, optional
// `%pip install` + restartPython cells, then the compiled model (model.py) as the last cell,
// so a traceback line in that cell is the same line of model.py. Pure; thread-safe.
#include <string>
#include <vector>

namespace dbtpy::codegen::databricks {

inline constexpr const char* kNotebookHeader = "# Databricks notebook source\n";
inline constexpr const char* kCellSeparator = "# COMMAND ----------";

struct NotebookSpec {
  std::string metadata_line;  // with trailing "\n"
  std::string pip_install;    // e.g. "%pip install -q pandas" ; empty: no pip cells
  std::string model_py;       // the compiled model
};

struct Notebook {
  std::string text;
  int model_first_line = 0;  // notebook line of model.py's line 1
};

Notebook notebook_source(const NotebookSpec& spec);

// "%pip install [--index-url URL] -q p1 p2" with each requirement shell-quoted when needed.
std::string pip_install_command(const std::vector<std::string>& packages,
                                const std::string& index_url);

}  // namespace dbtpy::codegen::databricks
