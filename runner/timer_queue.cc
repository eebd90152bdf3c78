#include "runner/timer_queue.h"

namespace dbtpy::runner {

void TimerQueue::push(Time due, size_t model, uint64_t generation) {
  heap_.push(Entry{due, model, generation});
}

std::optional<TimerQueue::Time> TimerQueue::next_due() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.top().due;
}

std::optional<TimerQueue::Entry> TimerQueue::pop_due(Time now) {
  if (heap_.empty() || heap_.top().due > now) return std::nullopt;
  Entry e = heap_.top();
  heap_.pop();
  return e;
}

}  // namespace dbtpy::runner
