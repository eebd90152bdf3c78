#include "runner/signal_watcher.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace dbtpy::runner {

namespace {

sigset_t watched() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

SignalWatcher::SignalWatcher(Handler handler) : handler_(std::move(handler)) {
  sigset_t set = watched();
  if (int err = pthread_sigmask(SIG_BLOCK, &set, &previous_mask_); err != 0)
    throw std::system_error(err, std::generic_category(), "pthread_sigmask");
  signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (signal_fd_ < 0 || stop_fd_ < 0) {
    int err = errno;
    if (signal_fd_ >= 0) ::close(signal_fd_);
    if (stop_fd_ >= 0) ::close(stop_fd_);
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
    throw std::system_error(err, std::generic_category(), "signalfd");
  }
  thread_ = std::thread([this] { loop(); });
}

SignalWatcher::~SignalWatcher() {
  uint64_t one = 1;
  ssize_t ignored = ::write(stop_fd_, &one, sizeof one);
  (void)ignored;
  if (thread_.joinable()) thread_.join();
  ::close(signal_fd_);
  ::close(stop_fd_);
  // Signals that arrived after the last read stay pending and are delivered here, with their
  // default action, once unblocked: the process was asked to stop, so it stops.
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void SignalWatcher::set_handler(Handler handler) {
  std::lock_guard lock(mu_);
  handler_ = std::move(handler);
}

int SignalWatcher::received() const {
  std::lock_guard lock(mu_);
  return count_;
}

int SignalWatcher::first_signal() const {
  std::lock_guard lock(mu_);
  return first_;
}

void SignalWatcher::loop() {
  pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  while (true) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents & POLLIN) return;
    if (!(fds[0].revents & POLLIN)) continue;
    signalfd_siginfo info{};
    if (::read(signal_fd_, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) continue;
    Handler handler;
    int count;
    {
      std::lock_guard lock(mu_);
      count = ++count_;
      if (first_ == 0) first_ = static_cast<int>(info.ssi_signo);
      handler = handler_;
    }
    if (handler) handler(static_cast<int>(info.ssi_signo), count);
  }
}

}  // namespace dbtpy::runner
