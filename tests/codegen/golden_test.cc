// Golden tests: every platform x materialization x submission method compiles to exactly the
// reviewed files under tests/golden/codegen/<case>/. Regenerate only with
// scripts/update_golden.sh, then review the diff line by line.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "golden_cases.h"

namespace dbtpy::codegen::testing {
namespace {

namespace fs = std::filesystem;

fs::path golden_dir(const std::string& name) {
  return fs::path(DBTPY_SOURCE_DIR) / "tests" / "golden" / "codegen" / name;
}

std::map<std::string, std::string> expected_files(const Payload& p) {
  std::map<std::string, std::string> files;
  for (const auto& f : p.files)
    files[f.name] = f.content;
  files["_payload.json"] = payload_summary(p);
  return files;
}

std::string first_difference(const std::string& a, const std::string& b) {
  size_t line = 1, i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) {
    if (a[i] == '\n') ++line;
    ++i;
  }
  auto line_at = [](const std::string& s, size_t pos) {
    size_t start = s.rfind('\n', pos == 0 ? 0 : pos - 1);
    start = start == std::string::npos ? 0 : start + 1;
    size_t end = s.find('\n', pos);
    return s.substr(start, end == std::string::npos ? std::string::npos : end - start);
  };
  return "first difference at line " + std::to_string(line) + "\n  golden: " + line_at(a, i) +
         "\n  actual: " + line_at(b, i);
}

class Golden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(Golden, MatchesReviewedFiles) {
  const GoldenCase& c = GetParam();
  Payload p = c.make().generate();
  auto files = expected_files(p);
  fs::path dir = golden_dir(c.name);
  if (std::getenv("DBTPY_UPDATE_GOLDEN")) {
    fs::remove_all(dir);
    for (const auto& [name, content] : files)
      write_text((dir / name).string(), content);
    GTEST_SKIP() << "golden files of " << c.name << " rewritten; review the diff";
  }
  ASSERT_TRUE(fs::exists(dir)) << dir << " is missing; run scripts/update_golden.sh";
  std::set<std::string> on_disk;
  for (const auto& e : fs::directory_iterator(dir))
    on_disk.insert(e.path().filename().string());
  for (const auto& [name, content] : files) {
    EXPECT_TRUE(on_disk.count(name)) << c.name << ": " << name << " is not in the golden folder";
    if (!on_disk.count(name)) continue;
    std::string golden = read_text((dir / name).string());
    EXPECT_TRUE(golden == content)
        << c.name << "/" << name << ": " << first_difference(golden, content);
    on_disk.erase(name);
  }
  for (const auto& extra : on_disk)
    ADD_FAILURE() << c.name << ": golden file " << extra << " is no longer generated";
}

INSTANTIATE_TEST_SUITE_P(Codegen, Golden, ::testing::ValuesIn(golden_cases()),
                         [](const ::testing::TestParamInfo<GoldenCase>& param_info) {
                           return param_info.param.name;
                         });

}  // namespace
}  // namespace dbtpy::codegen::testing
