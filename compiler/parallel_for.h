#pragma once
// Runs fn(index, worker) for index in [0, n) on up to `threads` threads (the calling thread is
// one of them). Work is handed out one index at a time from a shared counter, so uneven items
// (files of 50 or 5,000 lines) balance themselves. `worker` (0..threads-1) lets callers keep
// per-thread scratch buffers. The first exception thrown by fn is rethrown after every thread
// has stopped.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace dbtpy::compiler {

// Threads to use when the caller does not say: the machine's cores, at most 8.
inline int default_thread_count() {
  unsigned hc = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(hc == 0 ? 2u : hc, 1u, 8u));
}

template <typename Fn>
void parallel_for(size_t n, int threads, Fn&& fn) {
  if (threads <= 0) threads = default_thread_count();
  size_t workers = std::min<size_t>(static_cast<size_t>(threads), std::max<size_t>(n, 1));
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mu;
  auto run = [&](size_t worker) {
    while (true) {
      size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n) return;
      try {
        fn(i, worker);
      } catch (...) {
        std::lock_guard lock(error_mu);
        if (!error) error = std::current_exception();
        next.store(n, std::memory_order_relaxed);
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w)
    pool.emplace_back(run, w);
  run(0);
  for (auto& t : pool)
    t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace dbtpy::compiler
