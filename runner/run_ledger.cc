#include "runner/run_ledger.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace dbtpy::runner {
namespace fs = std::filesystem;

fs::path ledger_dir(const fs::path& target_dir) {
  return target_dir / "dbtpy" / "runs";
}

fs::path ledger_path(const fs::path& target_dir, std::string_view run_id) {
  return ledger_dir(target_dir) / (std::string(run_id) + ".jsonl");
}

namespace {

[[noreturn]] void fail(const std::string& what, const fs::path& path) {
  throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

// Makes the file's directory entry durable, so a ledger created just before a machine crash
// is still there after it.
void sync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

RunLedger::RunLedger(fs::path path, int fd, LedgerOptions options)
    : path_(std::move(path)), fd_(fd), options_(std::move(options)) {}

RunLedger::~RunLedger() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

std::unique_ptr<RunLedger> RunLedger::create(const fs::path& path, const Json& header,
                                             LedgerOptions options) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    throw std::runtime_error("cannot create " + path.parent_path().string() + ": " + ec.message());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create the run ledger", path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    fail("cannot lock the run ledger", path);
  }
  sync_dir(path.parent_path());
  std::unique_ptr<RunLedger> ledger(new RunLedger(path, fd, std::move(options)));
  ledger->append("run_started", header, /*sync=*/true);
  return ledger;
}

std::unique_ptr<RunLedger> RunLedger::open_existing(const fs::path& path, LedgerOptions options) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) fail("cannot open the run ledger", path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return nullptr;
    errno = err;
    fail("cannot lock the run ledger", path);
  }
  return std::unique_ptr<RunLedger>(new RunLedger(path, fd, std::move(options)));
}

void RunLedger::append(std::string_view event, const Json& fields, bool sync) {
  Json line = fields.is_object() ? fields : Json::object();
  const Clock& clock = options_.clock ? *options_.clock : system_clock_;
  line["ts"] = format_rfc3339(clock.now());
  line["event"] = std::string(event);
  std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (options_.redactor) text = options_.redactor->redact(text);
  text += '\n';

  uint64_t mine = 0;
  {
    std::lock_guard lock(mu_);
    const char* p = text.data();
    size_t left = text.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail("cannot append to the run ledger", path_);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    mine = ++written_;
  }
  if (!sync || !options_.sync_effects) return;
  // Group commit: the write above is in the kernel already (readers and `dbtpy cancel` see
  // it); what waits is durability. One fdatasync covers every line written before it, so
  // threads that need a sync while one is in progress wait for the next and share it,
  // instead of queueing one disk flush each behind the lock that every append takes (which
  // stalled all workers for seconds when 50 models started at once).
  std::unique_lock sl(sync_mu_);
  while (synced_ < mine) {
    if (syncing_) {
      sync_cv_.wait(sl);
      continue;
    }
    syncing_ = true;
    uint64_t target = 0;
    {
      std::lock_guard lock(mu_);
      target = written_;
    }
    sl.unlock();
    const bool ok = ::fdatasync(fd_) == 0;
    sl.lock();
    syncing_ = false;
    if (ok) synced_ = std::max(synced_, target);
    sync_cv_.notify_all();
    if (!ok) fail("cannot flush the run ledger", path_);
  }
}

bool ledger_is_active(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool active = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return active;
}

}  // namespace dbtpy::runner
