#pragma once
// The engine's timer queue: which Execution is due again when. A binary heap of (due time,
// model, generation); an entry whose generation is no longer the model's current one was
// superseded (the model was woken early, e.g. to send a cancel) and is dropped when it
// surfaces, which keeps rescheduling O(log n) without searching the heap. Not thread-safe:
// the engine holds its lock.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <queue>
#include <vector>

namespace dbtpy::runner {

class TimerQueue {
 public:
  using Time = std::chrono::steady_clock::time_point;

  struct Entry {
    Time due;
    size_t model = 0;
    uint64_t generation = 0;
  };

  void push(Time due, size_t model, uint64_t generation);
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  // The earliest due time, or nullopt when empty.
  std::optional<Time> next_due() const;
  // Removes and returns the earliest entry if it is due at `now`.
  std::optional<Entry> pop_due(Time now);

 private:
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      if (a.due != b.due) return a.due > b.due;
      return a.model > b.model;  // equal times: lower model first, for reproducible order
    }
  };
  std::priority_queue<Entry, std::vector<Entry>, Later> heap_;
};

}  // namespace dbtpy::runner
