// The redaction test of issue 4 on the real binary: canary secrets in profiles.yml and in the
// environment, every command run (passing and failing ones, text and JSON output, --debug
// logs on), then stdout, stderr and every file the runs wrote are searched: the canaries
// must appear nowhere. `dbtpy debug` talks to local stand-ins of the three platforms, so the
// secrets really are used (and some are rejected) along the way.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "submitters/http/url.h"
#include "tests/support/fake_platforms.h"
#include "tests/support/temp_dir.h"
#include "util/json.h"

namespace dbtpy {
namespace {

namespace fs = std::filesystem;

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

const testing::TestCa& ca() {
  static testing::TestCa instance;
  return instance;
}

TEST(Redaction, CanarySecretsNeverLeaveThroughAnyCommand) {
  const std::string kPass = "CANARY-passphrase-5d1e";      // env: key passphrase
  const std::string kDapi = "CANARY-dapi-env-77aa";        // env: Databricks token (rejected)
  const std::string kLiteral = "CANARY-literal-tok-0f9b";  // written in profiles.yml
  const std::string kClientSecret = "CANARY-client-secret-3c3c";
  const std::string kSaKey = "CANARY-sa-key-id-8e8e";
  testing::TempDir home, work, secrets;

  // The example project, with two extra targets whose secrets are written in the file.
  fs::path project = work.path() / "jaffle_py";
  fs::copy(fs::path(DBTPY_SOURCE_DIR) / "examples/jaffle_py", project, fs::copy_options::recursive);
  fs::remove_all(project / "target");
  std::string profiles = slurp(project / "profiles.yml");
  profiles +=
      "    literal_databricks:\n"
      "      type: databricks\n"
      "      host: \"{{ env_var('DATABRICKS_HOST') }}\"\n"
      "      catalog: main\n"
      "      schema: dbt_dev\n"
      "      client_id: sp-1\n"
      "      client_secret: " +
      kClientSecret +
      "\n"
      "      cluster_id: 0123-456789-abcdefgh\n"
      "    literal_snowflake:\n"
      "      type: snowflake\n"
      "      account: myorg-acct\n"
      "      user: DBT_RUNNER\n"
      "      host: 127.0.0.1\n"
      "      port: \"{{ env_var('SNOWFLAKE_PORT') | int }}\"\n"
      "      authenticator: oauth\n"
      "      token: " +
      kLiteral +
      "\n"
      "      database: ANALYTICS\n"
      "      schema: dbt_dev\n";
  std::ofstream(project / "profiles.yml", std::ios::binary) << profiles;

  PkeyPtr key = testing::generate_rsa_key();
  testing::FakeSnowflake sf(ca(), "MYORG-ACCT", "DBT_RUNNER", public_key_pem(key.get()));
  testing::FakeDatabricks dbx(ca(), "sp-1", kClientSecret);
  testing::FakeGoogle goog(ca(), "runner@p.iam.gserviceaccount.com", public_key_pem(key.get()),
                           "acme-dbt-python");
  fs::path key_file = secrets.write("rsa_key.p8", testing::private_key_pkcs8_pem(key.get(), kPass));
  fs::path sa_file =
      secrets.write("sa.json", Json{{"type", "service_account"},
                                    {"client_email", "runner@p.iam.gserviceaccount.com"},
                                    {"private_key_id", kSaKey},
                                    {"private_key", testing::private_key_pkcs8_pem(key.get())},
                                    {"token_uri", goog.token_uri()}}
                                   .dump());
  fs::path ca_file = secrets.path() / "ca.pem";
  ca().write_cert_pem(ca_file.string());

  std::string env = "env -u DBT_PROFILES_DIR -u DBTPY_TARGET HOME=" + quote(home.path().string()) +
                    " SSL_CERT_FILE=" + quote(ca_file.string()) +
                    " SNOWFLAKE_ACCOUNT=myorg-acct SNOWFLAKE_HOST=127.0.0.1 SNOWFLAKE_PORT=" +
                    std::to_string(sf.server().port()) +
                    " SNOWFLAKE_PRIVATE_KEY_PATH=" + quote(key_file.string()) +
                    " SNOWFLAKE_PRIVATE_KEY_PASSPHRASE=" + quote(kPass) +
                    " DATABRICKS_HOST=" + quote(dbx.url()) + " DATABRICKS_TOKEN=" + quote(kDapi) +
                    " GOOGLE_APPLICATION_CREDENTIALS=" + quote(sa_file.string()) +
                    " STORAGE_ENDPOINT=" + quote(goog.url());
  // The inputs (profiles.yml holds two canaries on purpose), to tell written files from them.
  std::map<fs::path, std::string> before;
  for (const fs::path& root : {project, home.path()}) {
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (e.is_regular_file()) before[e.path()] = slurp(e.path());
    }
  }
  std::string binary = std::string(DBTPY_BINARY_DIR) + "/cli/dbtpy";
  std::string output;
  int runs = 0, failures = 0;
  auto run = [&](const std::vector<std::string>& args) {
    std::string cmd = "cd " + quote(project.string()) + " && " + env + " " + quote(binary);
    for (const auto& a : args)
      cmd += " " + quote(a);
    fs::path out = work.path() / ("out" + std::to_string(runs++) + ".txt");
    cmd += " >" + quote(out.string()) + " 2>&1";
    int status = std::system(cmd.c_str());
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
    output += slurp(out);
    fs::remove(out);
  };
  for (const std::string target :
       {"snowflake", "databricks", "bigquery", "literal_databricks", "literal_snowflake"}) {
    for (const std::string format : {"text", "json"}) {
      for (const char* cmd : {"ls", "parse", "compile", "debug"}) {
        run({cmd, "--target", target, "--log-format", format, "--debug"});
      }
    }
  }
  run({"debug", "--target", "no_such_target"});
  run({"compile", "--select", "no_such_model", "--target", "literal_databricks"});
  run({"parse", "--vars", "{broken"});
  if (getenv("DBTPY_SHOW_OUTPUT")) std::cerr << output;

  // What the runs proved: they talked to the stand-ins, and some of them failed.
  EXPECT_GT(sf.statements_ok(), 0) << output.substr(0, 4000);
  EXPECT_GT(dbx.tokens_issued(), 0);
  EXPECT_GT(goog.bucket_ok(), 0);
  EXPECT_GT(failures, 3);
  EXPECT_NE(output.find("error[DBTPY402]"), std::string::npos) << "a rejected token was reported";

  // Everything the runs wrote: new or changed files in the project (target/ ...) and home.
  std::string written;
  int files_written = 0;
  for (const fs::path& root : {project, home.path()}) {
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file()) continue;
      std::string content = slurp(e.path());
      auto it = before.find(e.path());
      if (it != before.end() && it->second == content) continue;
      written += content;
      ++files_written;
    }
  }
  EXPECT_GT(files_written, 0) << "parse and compile write artifacts";
  for (const std::string& canary : {kPass, kDapi, kLiteral, kClientSecret}) {
    for (const std::string& form : {canary, submitters::http::url_encode(canary)}) {
      EXPECT_EQ(output.find(form), std::string::npos) << form << " leaked to the output";
      EXPECT_EQ(written.find(form), std::string::npos) << form << " leaked to a file";
    }
  }
  EXPECT_EQ(output.find("PRIVATE KEY"), std::string::npos);
  for (const auto& jwt : sf.seen_jwts())
    EXPECT_EQ(output.find(jwt), std::string::npos);
}

}  // namespace
}  // namespace dbtpy
