#include "tests/runner/e2e/sandbox_process.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace dbtpy::runner::e2e {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void shell(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

}  // namespace

std::string Child::stdout_text() const {
  return slurp(out);
}
std::string Child::stderr_text() const {
  return slurp(err);
}

Child spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const fs::path& out, const fs::path& err) {
  std::map<std::string, std::string> all;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) all[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : env)
    all[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : all)
    env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings)
    envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy)
    args.push_back(s.data());
  args.push_back(nullptr);
  Child c;
  c.out = out;
  c.err = err;
  c.pid = fork();
  if (c.pid == 0) {
    // Dies with the test: a failed or killed test must not leave a sandbox or a run behind.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0) _exit(126);
    dup2(o, 1);
    dup2(e, 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    // The test runner may block signals in its threads; the child starts with defaults.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  if (c.pid < 0) throw std::runtime_error("fork failed");
  return c;
}

int wait_exit(Child& child) {
  if (child.pid <= 0) return -1;
  int status = 0;
  while (waitpid(child.pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  child.pid = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

SandboxProcess::SandboxProcess(const fs::path& dir, const std::string& sections) {
  const fs::path creds = dir / "creds";
  const std::string script = std::string(DBTPY_SOURCE_DIR) + "/scripts/sandbox_credentials.sh";
  shell(quote(script) + " " + quote(creds.string()) + " >/dev/null");
  std::string yml = slurp(creds / "sandbox.yml");
  auto cut = yml.find("\ndefaults:");
  if (cut != std::string::npos) yml.resize(cut + 1);
  yml += sections;
  std::ofstream(creds / "sandbox.yml", std::ios::binary | std::ios::trunc) << yml;

  child_ = spawn(
      {std::string(DBTPY_SANDBOX_BIN), "--port", "0", "--config", (creds / "sandbox.yml").string(),
       "--state-dir", (creds / "state").string(), "--log", (creds / "requests.jsonl").string()},
      {}, creds / "url", creds / "sandbox.stderr");
  if (!eventually([&] { return slurp(creds / "url").find('\n') != std::string::npos; }, 20)) {
    kill(child_.pid, SIGKILL);
    wait_exit(child_);
    throw std::runtime_error("the sandbox printed no URL: " + slurp(creds / "sandbox.stderr"));
  }
  url_ = slurp(creds / "url");
  url_.resize(url_.find('\n'));
  shell(quote(script) + " " + quote(creds.string()) + " " + quote(url_) + " >/dev/null");
  std::ifstream env(creds / "sandbox.env");
  std::string line;
  while (std::getline(env, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos && line[0] != '#') env_[line.substr(0, eq)] = line.substr(eq + 1);
  }
}

SandboxProcess::~SandboxProcess() {
  if (child_.pid > 0) {
    kill(child_.pid, SIGTERM);
    wait_exit(child_);
  }
}

Json SandboxProcess::stats() const {
  httplib::Client client(url_);
  client.set_read_timeout(10, 0);
  auto r = client.Get("/_sandbox/stats");
  if (!r || r->status != 200) return Json::object();
  return Json::parse(r->body);
}

Json SandboxProcess::relations() const {
  httplib::Client client(url_);
  client.set_read_timeout(10, 0);
  auto r = client.Get("/_sandbox/relations");
  if (!r || r->status != 200) return Json::object();
  return Json::parse(r->body);
}

Child start_dbtpy(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env, const fs::path& dir) {
  static int n = 0;
  ++n;
  std::vector<std::string> argv = {std::string(DBTPY_BINARY_DIR) + "/cli/dbtpy"};
  argv.insert(argv.end(), args.begin(), args.end());
  return spawn(argv, env, dir / ("dbtpy" + std::to_string(n) + ".out"),
               dir / ("dbtpy" + std::to_string(n) + ".err"));
}

DbtpyResult run_dbtpy(const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env, const fs::path& dir) {
  Child c = start_dbtpy(args, env, dir);
  DbtpyResult r;
  r.exit_code = wait_exit(c);
  r.out = c.stdout_text();
  r.err = c.stderr_text();
  return r;
}

fs::path copy_example(const fs::path& dir) {
  const fs::path project = dir / "jaffle_py";
  fs::copy(fs::path(DBTPY_SOURCE_DIR) / "examples/jaffle_py", project, fs::copy_options::recursive);
  fs::remove_all(project / "target");
  fs::remove_all(project / ".sandbox");
  return project;
}

std::string run_results_violations(const fs::path& run_results) {
  const std::string cmd =
      "/usr/bin/python3 " +
      quote(std::string(DBTPY_SOURCE_DIR) + "/tests/runner/validate_run_results.py") + " " +
      quote(run_results.string()) + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "cannot run the validator";
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    out.append(buf, n);
  int rc = pclose(p);
  return rc == 0 ? "" : out;
}

bool eventually(const std::function<bool()>& f, double seconds) {
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  while (std::chrono::steady_clock::now() < until) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return f();
}

long long total(const Json& counts) {
  long long sum = 0;
  if (counts.is_object())
    for (const auto& [k, v] : counts.items())
      if (v.is_number_integer()) sum += v.get<long long>();
  return sum;
}

}  // namespace dbtpy::runner::e2e
