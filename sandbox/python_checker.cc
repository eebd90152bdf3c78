#include "sandbox/python_checker.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/json.h"

namespace dbtpy::sandbox {
namespace {

// The worker: reads "<length>\n<name length>\n<name><source bytes>" and answers one JSON line.
constexpr const char* kWorker = R"PY(
import sys, json
inp = sys.stdin.buffer
out = sys.stdout
while True:
    head = inp.readline()
    if not head:
        break
    n = int(head)
    name_len = int(inp.readline())
    name = inp.read(name_len).decode("utf-8", "replace")
    src = inp.read(n)
    try:
        compile(src, name, "exec", dont_inherit=True)
        res = {"ok": True}
    except SyntaxError as e:
        res = {"ok": False, "type": type(e).__name__, "msg": str(e.msg), "lineno": e.lineno or 0,
               "offset": e.offset or 0, "text": e.text or ""}
    except Exception as e:
        res = {"ok": False, "type": type(e).__name__, "msg": str(e), "lineno": 0, "offset": 0,
               "text": ""}
    out.write(json.dumps(res) + "\n")
    out.flush()
)PY";

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

PythonChecker::PythonChecker(std::string interpreter) : interpreter_(std::move(interpreter)) {}

PythonChecker::~PythonChecker() {
  std::lock_guard<std::mutex> lock(mu_);
  stop_locked();
}

bool PythonChecker::start_locked() {
  int in_pipe[2];   // parent -> child
  int out_pipe[2];  // child -> parent
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) return false;
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    return false;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]})
      ::close(fd);
    return false;
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 2);
    const char* argv[] = {interpreter_.c_str(), "-I", "-c", kWorker, nullptr};
    ::execv(interpreter_.c_str(), const_cast<char* const*>(argv));
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  pid_ = pid;
  to_child_ = in_pipe[1];
  from_child_ = out_pipe[0];
  pending_.clear();
  return true;
}

void PythonChecker::stop_locked() {
  if (to_child_ >= 0) ::close(to_child_);
  if (from_child_ >= 0) ::close(from_child_);
  to_child_ = from_child_ = -1;
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
}

std::optional<CompileError> PythonChecker::check(std::string_view source,
                                                 const std::string& filename) {
  if (!enabled()) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (pid_ < 0 && !start_locked()) return std::nullopt;
    std::string msg =
        std::to_string(source.size()) + "\n" + std::to_string(filename.size()) + "\n" + filename;
    msg.append(source);
    if (!write_all(to_child_, msg)) {
      stop_locked();
      continue;
    }
    std::string line;
    bool ok = true;
    for (;;) {
      size_t nl = pending_.find('\n');
      if (nl != std::string::npos) {
        line = pending_.substr(0, nl);
        pending_.erase(0, nl + 1);
        break;
      }
      char buf[4096];
      ssize_t n = ::read(from_child_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ok = false;
        break;
      }
      pending_.append(buf, static_cast<size_t>(n));
    }
    if (!ok) {
      stop_locked();
      continue;
    }
    Json res = Json::parse(line, nullptr, false);
    if (!res.is_object() || res.value("ok", false)) return std::nullopt;
    CompileError err;
    err.type = res.value("type", "SyntaxError");
    err.message = res.value("msg", "");
    err.line = res.value("lineno", 0);
    int offset = res.value("offset", 0);
    std::string text = res.value("text", "");
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
      text.pop_back();
    // CPython's layout: File line, the offending source line, a caret, then "Type: msg".
    std::string tb = "  File \"" + filename + "\"";
    if (err.line > 0) tb += ", line " + std::to_string(err.line);
    tb += "\n";
    if (!text.empty()) {
      size_t lead = text.find_first_not_of(" \t");
      if (lead == std::string::npos) lead = text.size();
      tb += "    " + text.substr(lead) + "\n";
      if (offset > 0) {
        int caret = offset - 1 - static_cast<int>(lead);
        tb += "    " + std::string(static_cast<size_t>(std::max(0, caret)), ' ') + "^\n";
      }
    }
    tb += err.type + ": " + err.message;
    err.traceback = tb;
    return err;
  }
  return std::nullopt;
}

}  // namespace dbtpy::sandbox
