#pragma once
// Compiles submitted Python with the real CPython (`compile(src, name, "exec")`), so a payload
// that would not even parse on Snowflake/Databricks/Dataproc fails here with Python's own
// message. One long-lived interpreter process answers all checks (spawning python3 per
// submission would cost tens of milliseconds each); calls are serialized by a mutex and the
// worker is restarted if it dies. Thread-safe.
#include <sys/types.h>

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace dbtpy::sandbox {

struct CompileError {
  std::string type;       // "SyntaxError", "IndentationError", ...
  std::string message;    // Python's msg, e.g. "expected ':'"
  int line = 0;           // 1-based; 0 when unknown
  std::string traceback;  // formatted as CPython prints it
};

class PythonChecker {
 public:
  // `interpreter` empty = checks disabled (every payload "compiles").
  explicit PythonChecker(std::string interpreter);
  ~PythonChecker();
  PythonChecker(const PythonChecker&) = delete;
  PythonChecker& operator=(const PythonChecker&) = delete;

  bool enabled() const { return !interpreter_.empty(); }

  // nullopt when the source compiles (or checks are disabled / python is unusable).
  std::optional<CompileError> check(std::string_view source, const std::string& filename);

 private:
  bool start_locked();
  void stop_locked();

  std::string interpreter_;
  std::mutex mu_;
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string pending_;  // bytes read past the last newline
};

}  // namespace dbtpy::sandbox
