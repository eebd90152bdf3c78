#pragma once
// Builds a dbt project in a temporary folder and loads it with a fixed Snowflake target
// (ANALYTICS / dbt_me), for tests of the project loader. Test-only.
#include <map>
#include <string>

#include "compiler/project_loader.h"
#include "tests/support/temp_dir.h"

namespace dbtpy::compiler::testing {

class ProjectFixture {
 public:
  ProjectFixture() {
    target.profile_name = "jaffle";
    target.name = "dev";
    target.type = "snowflake";
    target.platform = profiles::Platform::kSnowflake;
    target.fields = {{"database", "ANALYTICS"}, {"schema", "dbt_me"}, {"type", "snowflake"}};
    options.env = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    options.threads = 2;
    write("dbt_project.yml", "name: jaffle\nprofile: jaffle\n");
  }

  void write(const std::string& path, const std::string& text) { dir.write(path, text); }

  Project load() {
    DbtProjectFile header = read_project_header(dir.path(), options);
    return load_project(std::move(header), target, options);
  }

  // "file:line: CODE" of each diagnostic, for compact assertions.
  static std::vector<std::string> codes(const Project& p) {
    std::vector<std::string> out;
    for (const auto& d : p.diagnostics)
      out.push_back(d.file + ":" + std::to_string(d.line) + ": " + d.code);
    return out;
  }

  static const ModelIR& model(const Project& p, const std::string& unique_id) {
    const Node* n = p.find(unique_id);
    if (!n || n->python_model < 0) throw std::runtime_error("no Python model " + unique_id);
    return p.python_models[static_cast<size_t>(n->python_model)];
  }

  dbtpy::testing::TempDir dir;
  profiles::Target target;
  LoadOptions options;
  std::map<std::string, std::string> env;
};

// A minimal valid Python model body.
inline std::string py_model(const std::string& body = "    return dbt.ref('upstream')\n") {
  return "def model(dbt, session):\n" + body;
}

}  // namespace dbtpy::compiler::testing
