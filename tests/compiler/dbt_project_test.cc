#include "compiler/dbt_project.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"
#include "util/error.h"

namespace dbtpy::compiler {
namespace {

using dbtpy::testing::TempDir;

class DbtProjectTest : public ::testing::Test {
 protected:
  DbtProjectTest() {
    ctx_.env = [](std::string_view name) -> std::optional<std::string> {
      if (name == "PROFILE") return "from_env";
      return std::nullopt;
    };
    ctx_.vars = &cli_vars_;
    target_.name = "prod";
    target_.fields = {{"schema", "analytics"}, {"database", "DB"}};
  }

  DbtProjectFile load(const std::string& text) {
    dir_.write("dbt_project.yml", text);
    DbtProjectFile p = read_dbt_project(dir_.path(), ctx_, dir_.path());
    profiles::JinjaValueContext full = ctx_;
    full.target = &target_;
    render_dbt_project(p, full, warnings_);
    return p;
  }

  Diagnostic error_of(const std::string& text) {
    try {
      load(text);
    } catch (const Error& e) {
      return e.diagnostics().at(0);
    }
    ADD_FAILURE() << "no error";
    return {};
  }

  TempDir dir_;
  Json cli_vars_ = {{"mart_schema", "finance"}};
  profiles::JinjaValueContext ctx_;
  profiles::Target target_;
  std::vector<Diagnostic> warnings_;
};

TEST_F(DbtProjectTest, ReadsFieldsWithDbtDefaults) {
  DbtProjectFile p = load("name: jaffle\nprofile: \"{{ env_var('PROFILE') }}\"\n");
  EXPECT_EQ(p.name, "jaffle");
  EXPECT_EQ(p.profile, "from_env");
  EXPECT_EQ(p.model_paths, std::vector<std::string>{"models"});
  EXPECT_EQ(p.seed_paths, std::vector<std::string>{"seeds"});
  EXPECT_EQ(p.snapshot_paths, std::vector<std::string>{"snapshots"});
  EXPECT_EQ(p.target_path, "target");
  EXPECT_EQ(p.packages_install_path, "dbt_packages");
  EXPECT_EQ(p.file, "dbt_project.yml");
}

TEST_F(DbtProjectTest, RendersConfigsButNotVarsOrHooks) {
  DbtProjectFile p = load(
      "name: jaffle\n"
      "model-paths: [src, more]\n"
      "target-path: \"{{ 'out_' ~ target.name }}\"\n"
      "quoting: {identifier: true}\n"
      "vars:\n"
      "  raw_var: \"{{ not_rendered_yet }}\"\n"
      "models:\n"
      "  jaffle:\n"
      "    +schema: \"{{ var('mart_schema') }}\"\n"
      "    +post-hook: \"grant select on {{ this }} to role x\"\n");
  EXPECT_EQ(p.model_paths, (std::vector<std::string>{"src", "more"}));
  EXPECT_EQ(p.target_path, "out_prod");
  EXPECT_EQ(p.quoting["identifier"], true);
  EXPECT_EQ(p.vars["raw_var"], "{{ not_rendered_yet }}");
  EXPECT_EQ(p.models["jaffle"]["+schema"], "finance");
  EXPECT_EQ(p.models["jaffle"]["+post-hook"], "grant select on {{ this }} to role x");
}

TEST_F(DbtProjectTest, InvalidProjects) {
  EXPECT_EQ(error_of("version: 2\n").code, "DBTPY203");                // no name
  EXPECT_EQ(error_of("name: 1bad-name\n").code, "DBTPY203");           // not an identifier
  EXPECT_EQ(error_of("name: ok\nmodel-paths: 3\n").code, "DBTPY203");  // wrong type
  Diagnostic yaml = error_of("name: ok\nmodels: [\n");
  EXPECT_EQ(yaml.code, "DBTPY202");
  EXPECT_EQ(yaml.file, "dbt_project.yml");
  EXPECT_GT(yaml.line, 0);
  Diagnostic secret = error_of("name: ok\nprofile: \"{{ env_var('DBT_ENV_SECRET_X', 'a') }}\"\n");
  EXPECT_EQ(secret.code, "DBTPY216");
  TempDir empty;
  try {
    read_dbt_project(empty.path(), ctx_, empty.path());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.diagnostics()[0].code, "DBTPY201");
  }
}

TEST(ProjectConfigLayers, WalksTheFqnRootFirstAndRecordsVisits) {
  Json tree = {{"+materialized", "view"},
               {"jaffle",
                {{"+tags", "all"},
                 {"enabled", true},
                 {"meta", {{"+x", 1}}},  // a plain mapping is a folder named `meta`
                 {"marts", {{"+schema", "marts"}, {"finance", {{"+schema", "fin"}}}}}}},
               {"unused_pkg", {{"+schema", "z"}}}};
  std::set<std::string> visited;
  auto layers = project_config_layers(tree, {"jaffle", "marts", "finance", "orders"}, &visited);
  ASSERT_EQ(layers.size(), 4u);
  EXPECT_EQ(layers[0], (Json{{"+materialized", "view"}}));
  EXPECT_EQ(layers[1], (Json{{"+tags", "all"}, {"enabled", true}}));
  EXPECT_EQ(layers[2], (Json{{"+schema", "marts"}}));
  EXPECT_EQ(layers[3], (Json{{"+schema", "fin"}}));
  EXPECT_EQ(visited, (std::set<std::string>{"jaffle", "jaffle.marts", "jaffle.marts.finance"}));
  auto paths = config_tree_paths(tree, "");
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (std::vector<std::string>{"jaffle", "jaffle.marts", "jaffle.marts.finance",
                                             "jaffle.meta", "unused_pkg"}));
}

}  // namespace
}  // namespace dbtpy::compiler
