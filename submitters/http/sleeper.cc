#include "submitters/http/sleeper.h"

#include <thread>

namespace dbtpy::submitters::http {

void RealSleeper::sleep_for(std::chrono::milliseconds d) {
  if (!cancelled_) {
    std::this_thread::sleep_for(d);
    return;
  }
  // Slices short enough that Ctrl-C is felt at once, long enough to cost nothing.
  constexpr auto kSlice = std::chrono::milliseconds(50);
  auto until = std::chrono::steady_clock::now() + d;
  while (!cancelled_->load()) {
    auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::milliseconds::zero()) return;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, kSlice));
  }
}

}  // namespace dbtpy::submitters::http
