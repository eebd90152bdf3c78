#pragma once
// Which model may start next: the DAG bookkeeping of a run, without threads or time. A model
// becomes ready once every upstream model succeeded; when a model fails, every model
// downstream of it (transitively) is skipped at once, since it can no longer run. Ready
// models start in plan order (parents first, then by unique_id), so runs are reproducible.
// Not thread-safe: the engine calls it under its own lock.
#include <cstddef>
#include <optional>
#include <set>
#include <vector>

#include "runner/run_plan.h"

namespace dbtpy::runner {

class DagScheduler {
 public:
  explicit DagScheduler(const RunPlan& plan);

  bool has_ready() const { return !ready_.empty(); }
  // The ready model with the lowest plan index, now marked running.
  std::optional<size_t> take_ready();

  // A running model ended. On failure, returns the models it skips (plan order), each
  // paired with the failed model that caused it.
  struct Skip {
    size_t model;
    size_t because_of;
  };
  std::vector<Skip> finished(size_t model, bool succeeded);

  // Stops the run: every model not started yet is skipped (plan order). Running ones are
  // left to finish.
  std::vector<size_t> skip_not_started();

  bool all_final() const { return final_ == state_.size(); }
  size_t not_started() const { return not_started_; }

 private:
  enum class State { kWaiting, kReady, kRunning, kDone };

  std::vector<State> state_;
  std::vector<size_t> missing_;                // upstream models not yet succeeded
  std::vector<std::vector<size_t>> children_;  // downstream models, ascending
  std::set<size_t> ready_;
  size_t final_ = 0;
  size_t not_started_ = 0;
};

}  // namespace dbtpy::runner
