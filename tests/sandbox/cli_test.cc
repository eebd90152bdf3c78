// The dbtpy-sandbox executable: first stdout line is the bound URL, SIGTERM stops it with
// status 0, config errors exit 2 with a located message, and --state-dir survives restarts.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/sandbox/sandbox_fixture.h"
#include "util/base64.h"
#include "util/fs.h"

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

}  // namespace
}  // namespace dbtpy::sandbox::testing
