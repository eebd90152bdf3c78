// Every generated Python file compiles with CPython (/usr/bin/python3), as py_compile would:
// the golden cases of all platforms and the adversarial models. Skipped without python3.
#include <gtest/gtest.h>

#include <filesystem>

#include "adversarial.h"
#include "golden_cases.h"

namespace dbtpy::codegen::testing {
namespace {

namespace fs = std::filesystem;

TEST(PythonCompile, EveryGeneratedPythonFileCompiles) {
  std::string py = python3();
  if (py.empty()) GTEST_SKIP() << "/usr/bin/python3 not found";
  fs::path dir = fs::path(DBTPY_BINARY_DIR) / "tests" / "codegen" / "py_compile";
  fs::remove_all(dir);
  std::string args;
  int count = 0;
  auto add = [&](const std::string& name, const Payload& p) {
    for (const auto& f : p.files) {
      if (f.media_type != "text/x-python") continue;
      fs::path out = dir / name / f.name;
      write_text(out.string(), f.content);
      args += " '" + out.string() + "'";
      ++count;
    }
  };
  for (const auto& c : golden_cases())
    add(c.name, c.make().generate());
  for (const auto& a : adversarial_models()) {
    for (auto platform : {profiles::Platform::kSnowflake, profiles::Platform::kDatabricks,
                          profiles::Platform::kBigQuery}) {
      Fixture f = fixture_for(platform);
      f.source = a.source;
      f.model.model_def_line = 0;
      f.config("create_notebook", true);  // Databricks: also produce notebook.py
      add(a.name + "_" + std::string(profiles::platform_name(platform)), f.generate());
    }
  }
  ASSERT_GT(count, 60);
  std::string output;
  int rc = run_command(
      py + " '" + DBTPY_SOURCE_DIR + "/tests/codegen/tools/compile_check.py'" + args, output);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_EQ(output, "[]\n");
}

}  // namespace
}  // namespace dbtpy::codegen::testing

namespace dbtpy::codegen::testing {
namespace {

// The drivers' run-time behaviour, checked by executing the generated model.py of every
// golden case against recording fakes of Snowpark, PySpark, dbutils and the BigQuery client
// (tools/runtime_check.py): is_incremental decided at run time, the table written, each
// strategy's SQL, schema changes, staging tables dropped on success and failure.
TEST(PythonRuntime, DriversBehaveOnFakePlatforms) {
  std::string py = python3();
  if (py.empty()) GTEST_SKIP() << "/usr/bin/python3 not found";
  fs::path dir = fs::path(DBTPY_BINARY_DIR) / "tests" / "codegen" / "runtime";
  fs::remove_all(dir);
  for (const auto& c : golden_cases())
    write_text((dir / c.name / "model.py").string(), c.make().generate().file("model.py")->content);
  std::string output;
  int rc = run_command(py + " '" + DBTPY_SOURCE_DIR + "/tests/codegen/tools/runtime_check.py' '" +
                           dir.string() + "'",
                       output);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_EQ(output, "[]\n");
}

}  // namespace
}  // namespace dbtpy::codegen::testing
