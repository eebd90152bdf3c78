#pragma once
// Phase timings for --debug: "<scope>: <phase> took Xs (Ys CPU, peak N MB resident, M MB
// allocated)", one line per lap, so `dbtpy --debug parse` and `parse_bench --profile` show where
// the time and memory of a command go. Costs nothing unless debug logging is on. One object per
// thread that times (laps are not synchronized); CPU time is the whole process's.
#include <chrono>

namespace dbtpy {

class PhaseTimer {
 public:
  explicit PhaseTimer(const char* scope);
  // Logs the time since construction or the previous lap, and starts the next phase.
  void lap(const char* phase);

 private:
  const char* scope_;
  std::chrono::steady_clock::time_point last_;
  double last_cpu_;
};

}  // namespace dbtpy
