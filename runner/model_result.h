#pragma once
// What happened to one model of a run: the status dbt users know (success / error /
// skipped), the message, the remote ids, and whether the remote work is known to have ended.
// Value type, filled by the engine and read by the artifact writer and the printer.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "submitters/execution.h"
#include "util/json.h"

namespace dbtpy::runner {

enum class ResultStatus { kSuccess, kError, kSkipped };

std::string_view result_status_name(ResultStatus s);  // "success", "error", "skipped"

// Why the engine stopped starting models before the DAG was done.
enum class StopReason { kNone, kFailFast, kSignal };

struct ModelResult {
  ResultStatus status = ResultStatus::kSkipped;
  std::string message;  // error text, skip reason, or the success summary
  std::string code;     // a failure's stable DBTPYnnn code (docs/errors.md), when the platform
  std::string hint;     // failed the model; and one line on what to do
  Json adapter_response = Json::object();
  std::string remote_output;                            // driver stdout / procedure return value
  std::vector<std::string> cleanup_failures;            // reported as warnings
  std::optional<submitters::FinalStatus> final_status;  // set when the Execution finished
  std::optional<std::chrono::system_clock::time_point> started_at, completed_at;
  double execution_time = 0;  // seconds from start to completion
  int slot = 0;               // 1..threads: the concurrency lane it ran in (run_results thread_id)
  int index = 0;              // dbt's "index of total": the order models started or were skipped
  int completion = 0;         // 1-based order in which results became final
  bool timed_out = false;     // the model config `timeout` fired
  // False when the engine gave up waiting for the remote work to end (interrupted twice, or
  // a cancellation the platform never confirmed): it may still be running; `handles` says
  // what, and `dbtpy cancel --run <id>` cancels it.
  bool settled = true;
  std::vector<submitters::RemoteHandle> handles;  // everything remote the model created
};

}  // namespace dbtpy::runner
