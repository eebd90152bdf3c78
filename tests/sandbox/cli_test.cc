// The dbtpy-sandbox executable: first stdout line is the bound URL, SIGTERM stops it with
// status 0, config errors exit 2 with a located message, and --state-dir survives restarts.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/snowflake/auth.h"
#include "tests/sandbox/sandbox_fixture.h"
#include "util/base64.h"
#include "util/fs.h"
#include "util/jwt.h"
#include "util/strings.h"

extern char** environ;

namespace dbtpy::sandbox::testing {
namespace {

struct Process {
  pid_t pid = -1;
  int out = -1;  // stdout pipe
  std::string url;

  ~Process() { stop(); }
  int stop() {
    if (pid <= 0) return -1;
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    if (out >= 0) ::close(out);
    out = -1;
    return status;
  }
};

// Starts dbtpy-sandbox with `args` and reads the first stdout line.
void start(Process& p, const std::vector<std::string>& args, const std::filesystem::path& err) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> full = {DBTPY_SANDBOX_BIN};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  ASSERT_EQ(::posix_spawn(&p.pid, DBTPY_SANDBOX_BIN, &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  p.out = fds[0];
  char c;
  while (::read(p.out, &c, 1) == 1 && c != '\n')
    p.url += c;
}

std::filesystem::path temp_dir() {
  char tmpl[] = "/tmp/dbtpy-sandbox-cli-XXXXXX";
  return ::mkdtemp(tmpl);
}

TEST(Cli, PrintsTheUrlFirstAndStopsCleanlyOnSigterm) {
  auto dir = temp_dir();
  write_file_atomic(dir / "sandbox.yml", test_config());
  Process p;
  start(p,
        {"--port", "0", "--config", (dir / "sandbox.yml").string(), "--log",
         (dir / "requests.jsonl").string()},
        dir / "stderr.txt");
  ASSERT_EQ(p.url.rfind("http://127.0.0.1:", 0), 0u) << read_file(dir / "stderr.txt");
  httplib::Client c(p.url);
  auto r = c.Get("/_sandbox/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  int status = p.stop();
  ASSERT_TRUE(WIFEXITED(status)) << "killed by a signal";
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(read_file(dir / "requests.jsonl").find("/_sandbox/health"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Cli, ConfigErrorsExitTwoWithTheLocation) {
  auto dir = temp_dir();
  write_file_atomic(dir / "sandbox.yml",
                    "snowflake:\n  users:\n    - name: u\n      public_key_file: nope.pem\n");
  Process p;
  start(p, {"--config", (dir / "sandbox.yml").string()}, dir / "stderr.txt");
  int status = 0;
  ::waitpid(p.pid, &status, 0);
  p.pid = -1;
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  std::string err = read_file(dir / "stderr.txt");
  EXPECT_NE(err.find("sandbox.yml:4:24: error: cannot read public_key_file"), std::string::npos)
      << err;
  EXPECT_NE(err.find("= help:"), std::string::npos) << err;
  EXPECT_TRUE(p.url.empty());
  std::filesystem::remove_all(dir);
}

TEST(Cli, StateDirSurvivesARestart) {
  auto dir = temp_dir();
  write_file_atomic(dir / "sandbox.yml", test_config());
  std::vector<std::string> args = {"--config", (dir / "sandbox.yml").string(), "--state-dir",
                                   (dir / "state").string()};
  {
    Process p;
    start(p, args, dir / "stderr.txt");
    httplib::Client c(p.url);
    Json create = {{"database", "DB"},
                   {"schema", "S"},
                   {"statement",
                    "CREATE PROCEDURE P() RETURNS VARCHAR LANGUAGE PYTHON RUNTIME_VERSION = '3.11' "
                    "PACKAGES = ('snowflake-snowpark-python') HANDLER = 'main' AS $$" +
                        model_source("model.p.kept", "DB.S.KEPT", "snowflake") + "$$"}};
    ASSERT_EQ(c.Post("/api/v2/statements", snowflake_headers(), create.dump(), "application/json")
                  ->status,
              200);
    Json call = {{"database", "DB"}, {"schema", "S"}, {"statement", "CALL P()"}};
    ASSERT_EQ(
        c.Post("/api/v2/statements", snowflake_headers(), call.dump(), "application/json")->status,
        200);
    ASSERT_EQ(c.Post("/api/2.0/workspace/import", bearer(kDatabricksPat),
                     Json{{"path", "/Shared/kept"},
                          {"format", "SOURCE"},
                          {"language", "PYTHON"},
                          {"content", base64_encode("x = 1\n")}}
                         .dump(),
                     "application/json")
                  ->status,
              200);
    EXPECT_EQ(WEXITSTATUS(p.stop()), 0);
  }
  Process p;
  start(p, args, dir / "stderr.txt");
  httplib::Client c(p.url);
  EXPECT_TRUE(json_of(c.Get("/_sandbox/relations"))["snowflake"].contains("DB.S.KEPT"));
  auto st = c.Get("/api/2.0/workspace/get-status?path=/Shared/kept", bearer(kDatabricksPat));
  EXPECT_EQ(st->status, 200);
  p.stop();
  std::filesystem::remove_all(dir);
}

int run(const std::string& cmd) {
  return std::system(cmd.c_str());
}

std::string env_value(const std::string& env_file, const std::string& key) {
  for (const auto& line : split(read_file(env_file), '\n')) {
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  }
  return {};
}

TEST(Cli, ServesHttpsWithTheGivenCertificate) {
  auto dir = temp_dir();
  ASSERT_EQ(run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " +
                (dir / "key.pem").string() + " -out " + (dir / "cert.pem").string() +
                " > /dev/null 2>&1"),
            0);
  write_file_atomic(dir / "sandbox.yml", test_config());
  Process p;
  start(p,
        {"--config", (dir / "sandbox.yml").string(), "--tls-cert", (dir / "cert.pem").string(),
         "--tls-key", (dir / "key.pem").string()},
        dir / "stderr.txt");
  ASSERT_EQ(p.url.rfind("https://127.0.0.1:", 0), 0u) << read_file(dir / "stderr.txt");
  httplib::SSLClient c("127.0.0.1", std::stoi(p.url.substr(p.url.rfind(':') + 1)));
  c.set_ca_cert_path((dir / "cert.pem").c_str());
  c.enable_server_certificate_verification(false);
  auto r = c.Get("/_sandbox/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  p.stop();
  std::filesystem::remove_all(dir);
}

TEST(Cli, CredentialsScriptMakesAWorkingSetup) {
  auto dir = temp_dir();
  const std::string script = std::string(DBTPY_SOURCE_DIR) + "/scripts/sandbox_credentials.sh";
  ASSERT_EQ(run(script + " " + dir.string() + " > /dev/null"), 0);
  Process p;
  start(p, {"--config", (dir / "sandbox.yml").string(), "--port", "0"}, dir / "stderr.txt");
  ASSERT_FALSE(p.url.empty()) << read_file(dir / "stderr.txt");
  ASSERT_EQ(run(script + " " + dir.string() + " " + p.url + " > /dev/null"), 0);
  httplib::Client c(p.url);

  // Snowflake: a key-pair JWT signed with the generated private key.
  auto sf_key = load_private_key_pem(read_file(dir / "snowflake_rsa_key.p8"), std::nullopt);
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  std::string fp = snowflake::public_key_fingerprint(sf_key.get());
  std::string jwt = jwt_encode_rs256(
      {{"iss", "SANDBOX.DBTPY." + fp}, {"sub", "SANDBOX.DBTPY"}, {"iat", now}, {"exp", now + 300}},
      sf_key.get());
  EXPECT_EQ(c.Post("/api/v2/statements", snowflake_headers(jwt), R"({"statement":"select 1"})",
                   "application/json")
                ->status,
            200);

  // Google: the service-account key file, its token_uri and key id.
  Json sa = Json::parse(read_file(dir / "google-service-account.json"));
  EXPECT_EQ(sa["token_uri"], p.url + "/token");
  auto g_key = load_private_key_pem(sa["private_key"].get<std::string>(), std::nullopt);
  std::string assertion =
      jwt_encode_rs256({{"iss", sa["client_email"]},
                        {"scope", "https://www.googleapis.com/auth/cloud-platform"},
                        {"aud", sa["token_uri"]},
                        {"iat", now},
                        {"exp", now + 3600}},
                       g_key.get(), {{"kid", sa["private_key_id"]}});
  auto tok = c.Post(
      "/token",
      "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + assertion,
      "application/x-www-form-urlencoded");
  ASSERT_EQ(tok->status, 200) << tok->body;

  // Databricks: the personal access token.
  std::string pat = env_value((dir / "tokens.env").string(), "DATABRICKS_TOKEN");
  EXPECT_EQ(c.Get("/api/2.0/preview/scim/v2/Me", bearer(pat))->status, 200);
  EXPECT_NE(read_file(dir / "profiles.yml").find("sandbox_bigquery:"), std::string::npos);
  // sandbox.env carries what examples/jaffle_py/profiles.yml reads.
  std::string env = read_file(dir / "sandbox.env");
  EXPECT_EQ(env_value((dir / "sandbox.env").string(), "DATABRICKS_TOKEN"), pat);
  EXPECT_EQ(env_value((dir / "sandbox.env").string(), "STORAGE_ENDPOINT"), p.url);
  for (const char* var : {"SNOWFLAKE_HOST", "SNOWFLAKE_PORT", "SNOWFLAKE_PRIVATE_KEY_PATH",
                          "GOOGLE_APPLICATION_CREDENTIALS", "DATAPROC_ENDPOINT",
                          "BIGQUERY_ENDPOINT", "DATABRICKS_HOST", "GCP_PROJECT"}) {
    EXPECT_NE(env.find(std::string(var) + "="), std::string::npos) << var;
  }
  p.stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dbtpy::sandbox::testing
