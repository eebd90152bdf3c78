#pragma once
// SIGINT and SIGTERM as ordinary events: while a SignalWatcher exists, both signals are
// blocked in the thread that created it and in every thread created afterwards, and a
// watcher thread reads them from a signalfd and calls the handler — on a normal thread, so
// the handler may lock, allocate, print and cancel remote work, which a signal handler
// cannot. Create it before any other thread of the process (engine workers, libcurl's
// resolver threads), so none of them receives a signal with its default (fatal) action.
//
// Thread-safety: the handler runs on the watcher thread, one signal at a time. set_handler()
// may be called from any thread. The destructor stops the watcher and unblocks the signals
// in its own thread.
#include <csignal>
#include <functional>
#include <mutex>
#include <thread>

namespace dbtpy::runner {

class SignalWatcher {
 public:
  // `count` is 1 for the first SIGINT/SIGTERM received, 2 for the second, ...
  using Handler = std::function<void(int signal, int count)>;

  explicit SignalWatcher(Handler handler);  // throws std::system_error
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  void set_handler(Handler handler);
  int received() const;      // signals received so far
  int first_signal() const;  // the first signal received, or 0

 private:
  void loop();

  mutable std::mutex mu_;
  Handler handler_;
  int count_ = 0;
  int first_ = 0;
  sigset_t previous_mask_{};
  int signal_fd_ = -1;
  int stop_fd_ = -1;
  std::thread thread_;
};

// The conventional exit status of a process stopped by `signal`: 128 + its number (130 for
// SIGINT, 143 for SIGTERM).
inline int exit_code_for_signal(int signal) {
  return 128 + signal;
}

}  // namespace dbtpy::runner
