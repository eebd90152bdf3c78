// `dbtpy compile` end to end: runs the built binary on a copy of examples/jaffle_py for each
// platform with no credentials in the environment and checks what a reviewer gets — one
// line per model, the folders, requests.json, the manifest, deterministic bytes — and that
// bad configuration fails with exit 1 and a DBTPY error naming model and key.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "compiler/analysis_cache.h"
#include "tests/support/temp_dir.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/strings.h"

namespace dbtpy {
namespace {

namespace fs = std::filesystem;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every file under `dir`, relative path -> content.
std::map<std::string, std::string> tree(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = slurp(e.path());
  return files;
}

class CompileCli : public ::testing::Test {
 protected:
  void SetUp() override {
    project_ = work_.path() / "jaffle_py";
    fs::copy(fs::path(DBTPY_SOURCE_DIR) / "examples/jaffle_py", project_,
             fs::copy_options::recursive);
    fs::remove_all(project_ / "target");
  }

  // No secret variable is set: compile must not need credentials.
  Result run(const std::vector<std::string>& args, const std::string& env = "") {
    std::string cmd = "cd " + quote(project_.string()) +
                      " && env -i PATH=/usr/bin:/bin HOME=" + quote(work_.path().string()) + " " +
                      env + " " + quote(std::string(DBTPY_BINARY_DIR) + "/cli/dbtpy");
    for (const auto& a : args)
      cmd += " " + quote(a);
    fs::path err = work_.path() / "stderr.txt";
    cmd += " 2>" + quote(err.string());
    Result r;
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) return r;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0)
      r.out.append(buf, n);
    int status = ::pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = slurp(err);
    return r;
  }

  testing::TempDir work_;
  fs::path project_;
};

TEST_F(CompileCli, EveryPlatformCompilesTheExampleWithoutCredentials) {
  const std::map<std::string, std::vector<std::string>> review_files = {
      {"snowflake", {"model.py", "procedure.sql", "requests.json"}},
      {"databricks", {"model.py", "requests.json"}},
      {"bigquery", {"model.py", "main.py", "batch.json", "requests.json"}}};
  for (const auto& [target, files] : review_files) {
    Result r = run({"compile", "--profiles-dir", ".", "--target", target});
    ASSERT_EQ(r.exit_code, 0) << target << "\n" << r.out << r.err;
    auto lines = split(r.out, '\n');
    int model_lines = 0;
    for (const auto& l : lines) {
      if (l.rfind(target, 0) == 0) {
        ++model_lines;
        EXPECT_NE(l.find("-> target/dbtpy/" + target + "/"), std::string::npos) << l;
      }
    }
    EXPECT_EQ(model_lines, 6) << r.out;
    EXPECT_NE(r.out.find("Compiled 6 Python models"), std::string::npos) << r.out;

    fs::path out = project_ / "target" / "dbtpy" / target;
    Json manifest = Json::parse(slurp(out / "manifest.json"));
    EXPECT_EQ(manifest["metadata"]["target"], target);
    ASSERT_EQ(manifest["models"].size(), 6u);
    for (auto it = manifest["models"].begin(); it != manifest["models"].end(); ++it) {
      fs::path dir = out / (*it)["folder"].get<std::string>();
      for (const auto& f : files)
        EXPECT_TRUE(fs::exists(dir / f)) << dir / f;
      Json requests = Json::parse(slurp(dir / "requests.json"));
      ASSERT_FALSE(requests.empty());
      for (const auto& req : requests) {
        EXPECT_EQ(req["headers"]["Authorization"], "<redacted>");
        EXPECT_EQ(req["url"].get<std::string>().rfind("https://", 0), 0u) << req["url"];
      }
      std::string model = slurp(dir / "model.py");
      EXPECT_EQ(model.rfind("# dbtpy-model: {", 0), 0u);
      EXPECT_NE(model.find("def model("), std::string::npos);
    }
  }
}

TEST_F(CompileCli, OutputIsByteIdenticalAcrossRunsAndMachines) {
  ASSERT_EQ(run({"compile", "--profiles-dir", ".", "-t", "databricks"}).exit_code, 0);
  auto first = tree(project_ / "target" / "dbtpy");
  // Another checkout location: nothing machine-specific may appear in the output.
  fs::path moved = work_.path() / "elsewhere" / "jaffle_py";
  fs::create_directories(moved.parent_path());
  fs::rename(project_, moved);
  project_ = moved;
  fs::remove_all(project_ / "target");
  ASSERT_EQ(run({"compile", "--profiles-dir", ".", "-t", "databricks"}).exit_code, 0);
  auto second = tree(project_ / "target" / "dbtpy");
  EXPECT_EQ(first, second);
  for (const auto& [name, content] : second)
    EXPECT_EQ(content.find(work_.path().string()), std::string::npos) << name;
}

TEST_F(CompileCli, SelectionCompilesOneModelAndKeepsTheOthersInTheManifest) {
  ASSERT_EQ(run({"compile", "--profiles-dir", ".", "-t", "snowflake"}).exit_code, 0);
  Result r = run({"compile", "--profiles-dir", ".", "-t", "snowflake", "-s", "daily_revenue"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Compiled 1 Python model "), std::string::npos) << r.out;
  Json manifest = Json::parse(slurp(project_ / "target" / "dbtpy" / "snowflake" / "manifest.json"));
  EXPECT_EQ(manifest["models"].size(), 6u);
}

// Partial parsing trusts a file's stamp and does not read it. Should a write ever keep the
// stamp (two writes within one timestamp tick, dbtpy's read between them), compile sees bytes
// that differ from the stored checksum: it refuses the model and drops the stored analyses, so
// that the next run reads every file instead of trusting the same stamp again.
TEST_F(CompileCli, AStaleStoredChecksumFailsOnceAndIsDropped) {
  ASSERT_EQ(run({"parse", "--profiles-dir", ".", "-t", "snowflake"}).exit_code, 0);
  const fs::path cache = compiler::partial_parse_path(project_ / "target");
  const std::string bytes = slurp(cache);
  const auto writer = compiler::AnalysisCache::writer_of(bytes);
  ASSERT_TRUE(writer.has_value());
  compiler::AnalysisCache stored;
  std::string why;
  ASSERT_TRUE(stored.load(bytes, *writer, &why)) << why;
  // daily_revenue's entry as the hole would leave it: the file's stamp, other bytes' checksum.
  const std::string display = "models/ml/daily_revenue.py";
  std::vector<std::string> owned;
  owned.reserve(stored.size());
  std::vector<std::string_view> entries;
  for (size_t i = 0; i < stored.size(); ++i) {
    if (stored.find(display) != i) {
      entries.push_back(stored.entry_bytes(i));
      continue;
    }
    compiler::python::PythonAnalysis analysis;
    ASSERT_TRUE(stored.decode(i, &analysis));
    FileStamp stamp;
    ASSERT_TRUE(FileReader().stamp((project_ / display).string(), &stamp));
    owned.emplace_back();
    ASSERT_TRUE(compiler::encode_entry(display, sha256_hex("the bytes before the second write"),
                                       stamp, analysis, &owned.back()));
    entries.push_back(owned.back());
  }
  ASSERT_EQ(owned.size(), 1u);
  write_file_atomic(cache, compiler::cache_file_bytes(*writer, entries));
  fs::last_write_time(cache, fs::file_time_type::clock::now() + std::chrono::hours(1));

  Result stale = run({"compile", "--profiles-dir", ".", "-t", "snowflake", "-s", "daily_revenue"});
  EXPECT_EQ(stale.exit_code, 1) << stale.out << stale.err;
  EXPECT_NE((stale.out + stale.err).find("the file changed while dbtpy was compiling it"),
            std::string::npos)
      << stale.out << stale.err;
  EXPECT_FALSE(fs::exists(cache));
  Result again = run({"compile", "--profiles-dir", ".", "-t", "snowflake", "-s", "daily_revenue"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
}

TEST_F(CompileCli, JsonLogFormatEmitsOneEventPerModel) {
  Result r = run({"compile", "--profiles-dir", ".", "-t", "bigquery", "--log-format", "json", "-s",
                  "daily_revenue"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto lines = split(r.out, '\n');
  Json first = Json::parse(lines.at(0));
  EXPECT_EQ(first["event"], "model_compiled");
  EXPECT_EQ(first["platform"], "bigquery");
  EXPECT_EQ(first["method"], "dataproc_serverless");
  EXPECT_EQ(first["path"], "target/dbtpy/bigquery/daily_revenue");
}

TEST_F(CompileCli, BadConfigFailsWithExitOneNamingModelAndKey) {
  // A bad submission_method on one model: the others still compile.
  fs::path model = project_ / "models" / "ml" / "daily_revenue.py";
  std::string src = slurp(model);
  size_t pos = src.find("dbt.config(");
  ASSERT_NE(pos, std::string::npos);
  src.insert(pos + 11, "submission_method=\"job-cluster\", ");
  std::ofstream(model, std::ios::binary) << src;
  Result r = run({"compile", "--profiles-dir", ".", "-t", "databricks"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("error[DBTPY302]: model 'daily_revenue': 'job-cluster' is not a valid "
                       "submission_method"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("did you mean 'job_cluster'"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("Compiled 5 Python models, 1 failed"), std::string::npos) << r.out;

  // A missing profile field fails every BigQuery model, pointing at profiles.yml.
  Result b = run({"compile", "--profiles-dir", ".", "-t", "bigquery"}, "DBT_GCS_BUCKET=");
  EXPECT_EQ(b.exit_code, 1);
  EXPECT_NE(b.err.find("profiles.yml"), std::string::npos) << b.err;
  EXPECT_NE(b.err.find("gcs_bucket"), std::string::npos) << b.err;
}

}  // namespace
}  // namespace dbtpy
