#pragma once
// Writes a synthetic dbt project for the parse benchmark: N Python models of 50-300 lines of
// realistic code (imports, helpers, classes, comprehensions, f-strings, strings and comments
// that look like dbt calls, dbt.config/ref/source/config.get/meta_get), about N/10 SQL models,
// seeds' worth of sources, one properties file per folder describing a third of the models,
// and a dbt_project.yml with folder configs. Deterministic for a given seed; files are written
// one at a time (nothing is kept in memory).
#include <cstdint>
#include <filesystem>

namespace dbtpy::bench {

struct SyntheticStats {
  int python_models = 0;
  int sql_models = 0;
  int yaml_files = 0;
  uint64_t python_bytes = 0;
  uint64_t python_lines = 0;
};

SyntheticStats write_synthetic_project(const std::filesystem::path& dir, int python_models,
                                       uint64_t seed = 42);

}  // namespace dbtpy::bench
