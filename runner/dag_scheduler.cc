#include "runner/dag_scheduler.h"

#include <algorithm>
#include <stdexcept>

namespace dbtpy::runner {

DagScheduler::DagScheduler(const RunPlan& plan)
    : state_(plan.models.size(), State::kWaiting),
      missing_(plan.models.size(), 0),
      children_(plan.models.size()),
      not_started_(plan.models.size()) {
  for (size_t i = 0; i < plan.models.size(); ++i) {
    std::vector<size_t> up = plan.models[i].upstream;
    std::sort(up.begin(), up.end());
    up.erase(std::unique(up.begin(), up.end()), up.end());
    for (size_t parent : up) {
      // Parents come first in a plan; anything else would make the run wait forever.
      if (parent >= i) throw std::invalid_argument("run plan: a model waits for a later model");
      children_[parent].push_back(i);
    }
    missing_[i] = up.size();
    if (up.empty()) {
      state_[i] = State::kReady;
      ready_.insert(i);
    }
  }
}

std::optional<size_t> DagScheduler::take_ready() {
  if (ready_.empty()) return std::nullopt;
  size_t model = *ready_.begin();
  ready_.erase(ready_.begin());
  state_[model] = State::kRunning;
  --not_started_;
  return model;
}

std::vector<DagScheduler::Skip> DagScheduler::finished(size_t model, bool succeeded) {
  std::vector<Skip> skipped;
  if (state_[model] != State::kRunning) return skipped;
  state_[model] = State::kDone;
  ++final_;
  if (succeeded) {
    for (size_t child : children_[model]) {
      if (state_[child] == State::kWaiting && --missing_[child] == 0) {
        state_[child] = State::kReady;
        ready_.insert(child);
      }
    }
    return skipped;
  }
  // Children always have larger indices, so one ascending sweep reaches every descendant.
  std::set<size_t> frontier(children_[model].begin(), children_[model].end());
  while (!frontier.empty()) {
    size_t n = *frontier.begin();
    frontier.erase(frontier.begin());
    if (state_[n] != State::kWaiting && state_[n] != State::kReady) continue;
    ready_.erase(n);
    state_[n] = State::kDone;
    ++final_;
    --not_started_;
    skipped.push_back({n, model});
    frontier.insert(children_[n].begin(), children_[n].end());
  }
  return skipped;
}

std::vector<size_t> DagScheduler::skip_not_started() {
  std::vector<size_t> skipped;
  for (size_t i = 0; i < state_.size(); ++i) {
    if (state_[i] == State::kWaiting || state_[i] == State::kReady) {
      state_[i] = State::kDone;
      ++final_;
      skipped.push_back(i);
    }
  }
  ready_.clear();
  not_started_ = 0;
  return skipped;
}

}  // namespace dbtpy::runner
