#pragma once
// Shows a run as dbt users know it: timestamped log lines (`12:00:01  1 of 5 START python
// table model analytics.orders .... [RUN]`, OK / ERROR / SKIP lines, the closing summary),
// the run page URL of each remote run, and on a terminal a live one-line progress display
// (stderr, redrawn in place, erased before every log line; never in JSON mode or when stderr
// is not a TTY). In `--log-format json` every line is one JSON event with its fields.
//
// Thread-safety: a RunListener (runner/run_listener.h) — callbacks may come from the
// engine's workers concurrently; every method takes the printer's lock and writes whole
// lines through the Reporter.
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "cli/reporter.h"
#include "runner/engine.h"
#include "runner/run_listener.h"
#include "runner/run_plan.h"

namespace dbtpy::cli {

struct RunPrinterOptions {
  bool live_progress = false;  // a TTY in text mode
  bool show_output = false;    // print each model's remote output after its OK line
};

class RunPrinter final : public runner::RunListener {
 public:
  RunPrinter(Reporter& reporter, RunPrinterOptions options);

  // A plain timestamped info line (`12:00:01  text`), or an event in JSON mode.
  void info(std::string_view event, std::string_view text, const Json& fields = Json::object(),
            Tone tone = Tone::kPlain);

  void model_started(const runner::PlannedModel& model, int index, int total) override;
  void remote_handle(const runner::PlannedModel& model,
                     const submitters::RemoteHandle& handle) override;
  void remote_state(const runner::PlannedModel& model, std::string_view step,
                    std::string_view state, std::string_view message) override;
  void model_finished(const runner::PlannedModel& model, const runner::ModelResult& result,
                      int total) override;
  void stopping(runner::StopReason reason, int signal, size_t in_flight,
                std::chrono::milliseconds wait) override;
  void heartbeat(const runner::Progress& progress) override;

  // dbt's closing lines: "Finished running ...", every failure with its message, "Done. PASS=".
  void summary(const runner::RunPlan& plan, const runner::RunOutcome& outcome);
  // Removes the live line (before the process exits or prints something else).
  void clear_live();

 private:
  void line(std::string_view event, const std::string& text, const Json& fields, Tone tone,
            bool force = false);
  void clear_live_locked();

  Reporter& reporter_;
  RunPrinterOptions options_;
  std::mutex mu_;
  bool live_shown_ = false;
  std::set<std::string> urls_shown_;  // run page URLs printed once per model and URL
  long long last_countdown_ = -1;
};

// "HH:MM:SS" of the local time, as dbt prefixes its log lines.
std::string clock_prefix();

}  // namespace dbtpy::cli
