#pragma once
// Test support for the engine's end-to-end tests: the real dbtpy-sandbox executable on a free
// port, with throw-away credentials from scripts/sandbox_credentials.sh, and the real dbtpy
// binary as a child process (so signals, exit codes and kill -9 are the user's). Each test
// owns its folder, sandbox and processes; nothing is shared, so ctest may run tests in
// parallel. Test-only; not thread-safe.
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "util/json.h"

namespace dbtpy::runner::e2e {

// A child process with stdout/stderr captured into files.
struct Child {
  pid_t pid = -1;
  std::filesystem::path out, err;
  std::string stdout_text() const;
  std::string stderr_text() const;
};

// Starts `argv` with the current environment plus `env`.
Child spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const std::filesystem::path& out, const std::filesystem::path& err);
// Waits for the child; returns its exit status, or 128 + the signal that killed it.
int wait_exit(Child& child);

class SandboxProcess {
 public:
  // `sections`: the top-level `defaults:`, `rules:` and `faults:` YAML of the sandbox.yml
  // (they replace those the credentials script writes).
  SandboxProcess(const std::filesystem::path& dir, const std::string& sections);
  ~SandboxProcess();  // SIGTERM, wait
  SandboxProcess(const SandboxProcess&) = delete;
  SandboxProcess& operator=(const SandboxProcess&) = delete;

  const std::string& url() const { return url_; }
  // sandbox.env's variables: what examples/jaffle_py's profiles.yml reads.
  const std::map<std::string, std::string>& env() const { return env_; }
  Json stats() const;
  Json relations() const;  // the catalog: platform -> relation -> {unique_id, writes, ...}

 private:
  Child child_;
  std::string url_;
  std::map<std::string, std::string> env_;
};

// Runs `dbtpy args...` to completion (env: the sandbox's).
struct DbtpyResult {
  int exit_code = -1;
  std::string out, err;
};
DbtpyResult run_dbtpy(const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env,
                      const std::filesystem::path& dir);
Child start_dbtpy(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env, const std::filesystem::path& dir);

// Copies examples/jaffle_py to `dir`/jaffle_py (without target/) and returns the copy.
std::filesystem::path copy_example(const std::filesystem::path& dir);

// /usr/bin/python3 tests/runner/validate_run_results.py: "" when valid, else the violations.
std::string run_results_violations(const std::filesystem::path& run_results);

// Polls `f` until true or `seconds` pass (a generous bound, not a timing assertion).
bool eventually(const std::function<bool()>& f, double seconds = 30);

// Sum of a stats object's values (e.g. runs[platform] by final state).
long long total(const Json& counts);

}  // namespace dbtpy::runner::e2e
