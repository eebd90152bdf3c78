// Runs the built `dbtpy` binary on examples/jaffle_py and on the broken projects under
// tests/fixtures/, checking exit codes, stdout and stderr as a user sees them.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "tests/support/temp_dir.h"
#include "util/json.h"
#include "util/strings.h"

namespace dbtpy {
namespace {
namespace fs = std::filesystem;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
  std::vector<std::string> lines() const {
    std::vector<std::string> out_lines;
    for (auto& l : split(out, '\n'))
      if (!l.empty()) out_lines.push_back(l);
    return out_lines;
  }
};

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class CliTest : public ::testing::Test {
 protected:
  // Runs dbtpy with a clean, predictable environment (no DBT_PROFILES_DIR, HOME in a temp
  // folder) plus `env` assignments.
  Result run(const std::vector<std::string>& args, const std::string& env = "") {
    std::string cmd = "cd " + shell_quote(cwd_.string()) +
                      " && env -u DBT_PROFILES_DIR -u DBTPY_TARGET -u DBT_PARTIAL_PARSE "
                      "-u DBT_PARTIAL_PARSE_FILE_PATH HOME=" +
                      shell_quote(home_.path().string()) + " " + env + " " +
                      shell_quote(std::string(DBTPY_BINARY_DIR) + "/cli/dbtpy");
    for (const auto& a : args)
      cmd += " " + shell_quote(a);
    fs::path err = home_.path() / "stderr.txt";
    cmd += " 2>" + shell_quote(err.string());
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

  // A writable copy of the example project (parse writes into target/).
  fs::path example_copy() {
    fs::path dst = work_.path() / "jaffle_py";
    fs::copy(fs::path(DBTPY_SOURCE_DIR) / "examples/jaffle_py", dst,
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    fs::remove_all(dst / "target");
    return dst;
  }

  static fs::path fixture(const std::string& name) {
    return fs::path(DBTPY_SOURCE_DIR) / "tests/fixtures" / name;
  }

  dbtpy::testing::TempDir home_, work_;
  fs::path cwd_ = fs::path(DBTPY_SOURCE_DIR) / "examples/jaffle_py";
};

const std::vector<std::string> kAllModels = {
    "jaffle_py.ml.churn_features",     "jaffle_py.marts.customer_lifetime_value",
    "jaffle_py.marts.customer_orders", "jaffle_py.ml.daily_revenue",
    "jaffle_py.marts.order_payments",  "jaffle_py.marts.payment_method_mix"};

TEST_F(CliTest, LsListsThePythonModelsOfTheExample) {
  Result r = run({"ls"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.lines(), kAllModels);
  EXPECT_EQ(r.err, "");
  Result list = run({"list", "--no-color"});  // dbt's alias
  EXPECT_EQ(list.lines(), kAllModels);
}

TEST_F(CliTest, LsOutputNameAndPath) {
  Result names = run({"ls", "--output", "name", "-s", "tag:ml"});
  EXPECT_EQ(names.lines(), (std::vector<std::string>{"churn_features", "daily_revenue"}));
  Result paths = run({"ls", "-o", "path", "--select", "customer_orders"});
  EXPECT_EQ(paths.lines(), std::vector<std::string>{"models/marts/customer_orders.py"});
}

TEST_F(CliTest, LsJsonHasExactlyTheDocumentedFields) {
  Result r = run({"ls", "--output", "json", "--select", "daily_revenue"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.lines().size(), 1u);
  Json j = Json::parse(r.lines()[0]);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it)
    keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"checksum", "config", "config_keys_used", "depends_on",
                                            "meta_keys_used", "name", "original_file_path", "refs",
                                            "relation", "sources", "unique_id"}));
  EXPECT_EQ(j["unique_id"], "model.jaffle_py.daily_revenue");
  EXPECT_EQ(j["refs"][0], (Json{{"name", "dim_dates"}, {"package", nullptr}, {"version", "2"}}));
  EXPECT_EQ(j["sources"], (Json::array({{"jaffle_raw", "exchange_rates"}})));
  EXPECT_EQ(j["config"]["tags"], Json({"ml", "nightly", "finance"}));
  EXPECT_EQ(j["config"]["meta"]["owner"], "data-science");
  EXPECT_EQ(j["config_keys_used"][0], (Json{{"key", "shop_currency"}, {"default", "EUR"}}));
  EXPECT_EQ(j["relation"], (Json{{"database", "ANALYTICS"},
                                 {"schema", "dbt_dev_ml"},
                                 {"identifier", "daily_revenue"},
                                 {"rendered", "ANALYTICS.dbt_dev_ml.daily_revenue"}}));
  EXPECT_EQ(j["checksum"]["name"], "sha256");
  EXPECT_EQ(j["checksum"]["checksum"].get<std::string>().size(), 64u);
  EXPECT_EQ(j["depends_on"]["nodes"],
            Json({"model.jaffle_py.dim_dates.v2", "model.jaffle_py.order_payments",
                  "source.jaffle_py.jaffle_raw.exchange_rates"}));
  Result narrow =
      run({"ls", "-o", "json", "--output-keys", "name,relation", "-s", "daily_revenue"});
  EXPECT_EQ(Json::parse(narrow.lines()[0]).size(), 2u);
}

TEST_F(CliTest, TargetsRenderRelationsPerPlatform) {
  auto rendered = [&](const std::string& target) {
    Result r = run({"ls", "-o", "json", "-t", target, "-s", "customer_orders"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Json::parse(r.lines().at(0))["relation"]["rendered"].get<std::string>();
  };
  EXPECT_EQ(rendered("snowflake"), "ANALYTICS.dbt_dev_marts.customer_orders");
  EXPECT_EQ(rendered("databricks"), "`main`.`dbt_dev_marts`.`customer_orders`");
  EXPECT_EQ(rendered("bigquery"), "acme-analytics.dbt_dev_marts.customer_orders");
  Result env = run({"ls", "-o", "json", "-s", "customer_orders"},
                   "DBTPY_TARGET=bigquery DBT_SCHEMA=ci_123 GCP_PROJECT=other-proj");
  EXPECT_EQ(Json::parse(env.lines().at(0))["relation"]["rendered"],
            "other-proj.ci_123_marts.customer_orders");
}

TEST_F(CliTest, SelectionSyntaxThroughTheCli) {
  EXPECT_EQ(run({"ls", "-s", "+customer_lifetime_value"}).lines(),
            (std::vector<std::string>{"jaffle_py.marts.customer_lifetime_value",
                                      "jaffle_py.marts.customer_orders",
                                      "jaffle_py.marts.order_payments"}));
  EXPECT_EQ(run({"ls", "-s", "customer_orders+"}).lines(),
            (std::vector<std::string>{"jaffle_py.ml.churn_features",
                                      "jaffle_py.marts.customer_lifetime_value",
                                      "jaffle_py.marts.customer_orders"}));
  EXPECT_EQ(
      run({"ls", "-s", "config.materialized:incremental"}).lines(),
      (std::vector<std::string>{"jaffle_py.ml.churn_features", "jaffle_py.marts.order_payments"}));
  EXPECT_EQ(run({"ls", "-s", "path:models/marts", "--exclude", "tag:finance"}).lines(),
            (std::vector<std::string>{"jaffle_py.marts.customer_lifetime_value",
                                      "jaffle_py.marts.customer_orders",
                                      "jaffle_py.marts.payment_method_mix"}));
  EXPECT_EQ(
      run({"ls", "-s", "source:jaffle_raw+,tag:nightly"}).lines(),
      (std::vector<std::string>{"jaffle_py.ml.churn_features", "jaffle_py.ml.daily_revenue"}));
  EXPECT_EQ(run({"ls", "-s", "customer_orders daily_revenue"}).lines().size(), 2u);
  EXPECT_EQ(run({"ls", "-s", "customer_orders", "-s", "daily_revenue"}).lines().size(), 2u);
  EXPECT_EQ(run({"ls", "-s", "@stg_payments", "--exclude", "ml"}).lines().size(), 4u);
}

TEST_F(CliTest, SelectionProblems) {
  Result none = run({"ls", "-s", "nothing_here"});
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_TRUE(none.out.empty());
  EXPECT_NE(none.err.find("DBTPY251"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find("DBTPY252"), std::string::npos) << none.err;
  Result bad = run({"ls", "-s", "colour:red"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("error[DBTPY250]"), std::string::npos) << bad.err;
}

TEST_F(CliTest, ParseWritesTheManifestAndOneSummaryLine) {
  fs::path project = example_copy();
  Result r = run({"parse", "--project-dir", project.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.lines().size(), 1u) << r.out;
  EXPECT_NE(r.out.find("Parsed 6 Python models"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("target/dbtpy/manifest.json"), std::string::npos) << r.out;
  Json m = Json::parse(slurp(project / "target/dbtpy/manifest.json"));
  EXPECT_EQ(m["metadata"]["project_name"], "jaffle_py");
  EXPECT_EQ(m["metadata"]["target_name"], "snowflake");
  EXPECT_EQ(m["models"].size(), 6u);
  const Json& clv = m["models"]["model.jaffle_py.customer_lifetime_value"];
  EXPECT_EQ(clv["ref_relations"]["customer_orders"], "ANALYTICS.dbt_dev_marts.customer_orders");
  EXPECT_EQ(clv["config_provenance"]["materialized"], "in-file config");
  EXPECT_EQ(clv["config_provenance"]["meta"], "properties");
  EXPECT_EQ(m["nodes"]["source.jaffle_py.jaffle_raw.exchange_rates"]["relation"]["rendered"],
            "ANALYTICS.raw_landing.\"exchange_rates\"");
  // No temp files left next to it (the partial parse file is the loader's).
  std::set<std::string> files;
  for (const auto& e : fs::directory_iterator(project / "target/dbtpy"))
    files.insert(e.path().filename().string());
  EXPECT_EQ(files, (std::set<std::string>{"manifest.json", "partial_parse.bin"}));

  Result json = run({"parse", "--project-dir", project.string(), "--log-format", "json"});
  Json event = Json::parse(json.lines().at(0));
  EXPECT_EQ(event["event"], "parse_done");
  EXPECT_EQ(event["python_models"], 6);
}

// libcurl (and the ~30 libraries it drags in) is loaded only by commands that send HTTP: the
// others start faster and work on a machine without libcurl4. glibc's loader names every
// library it loads in LD_DEBUG=files output.
TEST_F(CliTest, CommandsWithoutHttpNeverLoadLibcurl) {
  fs::path project = example_copy();
  fs::path log = work_.path() / "ld";
  const std::string env = "LD_DEBUG=files LD_DEBUG_OUTPUT=" + shell_quote(log.string());
  const std::vector<std::vector<std::string>> commands = {
      {"--version"},
      {"ls"},
      {"parse", "--project-dir", project.string()},
      {"compile", "--project-dir", project.string(), "--target", "databricks"}};
  for (const auto& args : commands) {
    Result r = run(args, env);
    EXPECT_EQ(r.exit_code, 0) << args[0] << "\n" << r.out << r.err;
    std::string loaded;
    size_t logs = 0;
    for (const auto& e : fs::directory_iterator(work_.path())) {
      if (e.path().filename().string().rfind("ld.", 0) != 0) continue;
      ++logs;
      loaded += slurp(e.path());
      fs::remove(e.path());
    }
    EXPECT_GE(logs, 1u) << args[0] << ": the loader wrote no LD_DEBUG output";
    EXPECT_NE(loaded.find("libstdc++"), std::string::npos) << args[0];  // the log is real
    EXPECT_EQ(loaded.find("libcurl"), std::string::npos) << args[0] << " loaded libcurl";
  }
}

TEST_F(CliTest, ParseWithErrorsKeepsThePreviousManifest) {
  fs::path project = example_copy();
  ASSERT_EQ(run({"parse", "--project-dir", project.string()}).exit_code, 0);
  std::string before = slurp(project / "target/dbtpy/manifest.json");
  std::ofstream(project / "models/marts/broken.py") << "def model(dbt, session):\n    return (\n";
  Result r = run({"parse", "--project-dir", project.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("models/marts/broken.py:2:"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("manifest not written"), std::string::npos) << r.out;
  EXPECT_EQ(slurp(project / "target/dbtpy/manifest.json"), before);
}

TEST_F(CliTest, BrokenModelsAreAllReportedWithLocations) {
  Result r = run({"ls", "--project-dir", fixture("broken_models").string(), "--no-color"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.lines(), std::vector<std::string>{"fixture.good"});
  for (const char* where :
       {"models/bad_refs.py:2:14: error[DBTPY230]", "models/bad_refs.py:3:14: error[DBTPY231]",
        "models/syntax_error.py:2:", "models/two_args.py:1:"})
    EXPECT_NE(r.err.find(where), std::string::npos) << where << "\n" << r.err;
  EXPECT_NE(r.err.find("did you mean 'good'?"), std::string::npos);
}

TEST_F(CliTest, ProjectErrorsExitWithTwo) {
  Result yaml = run({"ls", "--project-dir", fixture("bad_project_yaml").string()});
  EXPECT_EQ(yaml.exit_code, 2);
  EXPECT_NE(yaml.err.find("dbt_project.yml:"), std::string::npos) << yaml.err;
  EXPECT_NE(yaml.err.find("DBTPY202"), std::string::npos);

  Result dup = run({"ls", "--project-dir", fixture("duplicate_models").string()});
  EXPECT_EQ(dup.exit_code, 2);
  EXPECT_NE(dup.err.find("DBTPY222"), std::string::npos) << dup.err;
  EXPECT_NE(dup.err.find("models/schema.yml:4:5: error[DBTPY221]"), std::string::npos) << dup.err;

  Result props = run({"ls", "--project-dir", fixture("bad_properties").string()});
  EXPECT_EQ(props.exit_code, 2);
  EXPECT_NE(props.err.find("models/broken.yml:"), std::string::npos) << props.err;
  EXPECT_NE(props.err.find("models/jinja.yml:4:"), std::string::npos) << props.err;
  EXPECT_EQ(props.lines(), std::vector<std::string>{"fixture.m"});  // still loads the rest

  Result cycle = run({"ls", "--project-dir", fixture("cycle").string()});
  EXPECT_EQ(cycle.exit_code, 1);
  EXPECT_NE(cycle.err.find("model.fixture.a --> model.fixture.b --> model.fixture.a"),
            std::string::npos)
      << cycle.err;
}

TEST_F(CliTest, UsageErrors) {
  dbtpy::testing::TempDir empty;
  Result no_project = run({"ls", "--project-dir", empty.path().string()});
  EXPECT_EQ(no_project.exit_code, 2);
  EXPECT_NE(no_project.err.find("DBTPY201"), std::string::npos);
  Result vars = run({"ls", "--vars", "[1, 2]"});
  EXPECT_EQ(vars.exit_code, 2);
  EXPECT_NE(vars.err.find("DBTPY209"), std::string::npos);
  Result target = run({"ls", "-t", "snowflak"});
  EXPECT_EQ(target.exit_code, 2);
  EXPECT_NE(target.err.find("did you mean 'snowflake'?"), std::string::npos) << target.err;
  Result profiles = run({"ls", "--profiles-dir", empty.path().string()});
  EXPECT_EQ(profiles.exit_code, 2);
  EXPECT_NE(profiles.err.find("DBTPY204"), std::string::npos);
  Result flag = run({"ls", "--output", "xml"});
  EXPECT_EQ(flag.exit_code, 2);
}

TEST_F(CliTest, SecretsAreNeitherNeededNorPrinted) {
  // No secret variables are set: ls works. With them set, nothing prints them.
  Result r = run({"ls", "-o", "json", "-t", "databricks", "--debug"},
                 "DATABRICKS_TOKEN=dapi-super-secret-token-value");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("dapi-super-secret"), std::string::npos);
  EXPECT_EQ(r.err.find("dapi-super-secret"), std::string::npos);
}

// Partial parsing: a second run reuses every stored analysis and prints exactly what the first
// printed; the switches are dbt's.
std::string reuse_line(const std::string& err) {
  const size_t at = err.find("partial parse: ");
  const size_t reused = err.find(" reused", at);
  if (at == std::string::npos || reused == std::string::npos) return "";
  const size_t start = err.rfind("partial parse: ", reused);
  return err.substr(start + 15, reused - start - 15);
}

TEST_F(CliTest, PartialParseRunsPrintWhatFullRunsPrint) {
  fs::path project = example_copy();
  Result ls_cold = run({"ls", "--project-dir", project.string(), "--output", "json", "--debug"});
  ASSERT_EQ(ls_cold.exit_code, 0) << ls_cold.err;
  EXPECT_EQ(reuse_line(ls_cold.err), "0 of 6 Python files' analyses");
  Result ls_warm = run({"ls", "--project-dir", project.string(), "--output", "json", "--debug"});
  EXPECT_EQ(reuse_line(ls_warm.err), "6 of 6 Python files' analyses");
  EXPECT_EQ(ls_warm.out, ls_cold.out);

  ASSERT_EQ(run({"parse", "--project-dir", project.string(), "--no-partial-parse"}).exit_code, 0);
  const std::string cold = slurp(project / "target/dbtpy/manifest.json");
  Result warm = run({"parse", "--project-dir", project.string(), "--debug"});
  ASSERT_EQ(warm.exit_code, 0) << warm.err;
  EXPECT_EQ(reuse_line(warm.err), "6 of 6 Python files' analyses");
  EXPECT_EQ(slurp(project / "target/dbtpy/manifest.json"), cold);

  // Invalid models: the same diagnostics and exit code from stored analyses.
  fs::path broken = work_.path() / "broken_models";
  fs::copy(fixture("broken_models"), broken, fs::copy_options::recursive);
  fs::remove_all(broken / "target");
  Result first = run({"ls", "--project-dir", broken.string(), "--no-color"});
  Result second = run({"ls", "--project-dir", broken.string(), "--no-color"});
  EXPECT_EQ(first.exit_code, 1);
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_EQ(second.err, first.err);
  EXPECT_EQ(second.out, first.out);
  EXPECT_TRUE(fs::exists(broken / "target/dbtpy/partial_parse.bin"));
}

TEST_F(CliTest, PartialParseSwitches) {
  fs::path project = example_copy();
  const std::string dir = project.string();
  ASSERT_EQ(run({"ls", "--project-dir", dir}).exit_code, 0);
  EXPECT_EQ(reuse_line(run({"ls", "--project-dir", dir, "--debug", "--no-partial-parse"}).err),
            "0 of 6 Python files' analyses");
  EXPECT_EQ(reuse_line(run({"ls", "--project-dir", dir, "--debug"}, "DBT_PARTIAL_PARSE=False").err),
            "0 of 6 Python files' analyses");
  // The flag outranks the env var; the last flag wins.
  EXPECT_EQ(reuse_line(run({"ls", "--project-dir", dir, "--debug", "--partial-parse"},
                           "DBT_PARTIAL_PARSE=0")
                           .err),
            "6 of 6 Python files' analyses");
  EXPECT_EQ(reuse_line(run({"ls", "--project-dir", dir, "--debug", "--partial-parse",
                            "--no-partial-parse"})
                           .err),
            "0 of 6 Python files' analyses");
  Result bad = run({"ls", "--project-dir", dir}, "DBT_PARTIAL_PARSE=sometimes");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  Result missing = run({"ls", "--project-dir", dir, "--partial-parse-file-path", dir + "/nope"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  Result elsewhere = run({"ls", "--project-dir", dir, "--debug", "--partial-parse-file-path",
                          dir + "/target/dbtpy/partial_parse.bin"});
  EXPECT_EQ(reuse_line(elsewhere.err), "6 of 6 Python files' analyses");

  // An unwritable target: still exit 0 (parse fails only for its own manifest).
  fs::remove_all(project / "target");
  std::ofstream(project / "target") << "a file where the folder should be";
  Result ls = run({"ls", "--project-dir", dir, "--debug"});
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_NE(ls.err.find("not written"), std::string::npos) << ls.err;
}

}  // namespace
}  // namespace dbtpy
