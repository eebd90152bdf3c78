#pragma once
// The run ledger: <target-path>/dbtpy/runs/<run_id>.jsonl, one JSON object per line, written
// as the run goes so that whatever the run started remotely can be found again after a crash
// (kill -9, a lost CI runner) and cancelled or cleaned up by `dbtpy cancel`.
//
// Lines (each with "ts" and "event"):
//   run_started     run_id, project, profile, target, platform, pid, host, argv, models
//   model_started   unique_id
//   before_send     unique_id, step, request {method, url, idempotency}   (synced)
//   handle          unique_id, step, kind, id, url, detail                (synced)
//   state           unique_id, step, state, message
//   cleanup         unique_id, step, request, done                       (synced)
//   model_finished  unique_id, status, final_status, settled
//   run_finished    status, elapsed, open_items
//   cancel_replayed pid, items, lines                                     (by dbtpy cancel)
//
// Every line is written with one write(2) on an O_APPEND descriptor before the call that
// reports it returns, so the kernel has it even if the process dies the next instant; lines
// that record remote effects are also fdatasync'ed (group commit: concurrent callers share
// one flush) before the call returns, so they survive a machine crash. Lines
// pass through the redactor. While a run is active its process holds an exclusive flock on
// the file: `dbtpy cancel` uses it to tell a live run from one that died.
//
// Thread-safe: append() may be called from every engine thread at once.
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "util/clock.h"
#include "util/json.h"
#include "util/redactor.h"

namespace dbtpy::runner {

// <target-path>/dbtpy/runs and the ledger of one run in it.
std::filesystem::path ledger_dir(const std::filesystem::path& target_dir);
std::filesystem::path ledger_path(const std::filesystem::path& target_dir, std::string_view run_id);

struct LedgerOptions {
  std::shared_ptr<const Redactor> redactor;  // may be null
  const Clock* clock = nullptr;              // for "ts"; null = the system clock
  bool sync_effects = true;                  // fdatasync lines that record remote effects
};

class RunLedger {
 public:
  // Creates a new ledger (the file must not exist), locks it and writes `run_started` with
  // `header`'s fields. Throws std::runtime_error naming the file.
  static std::unique_ptr<RunLedger> create(const std::filesystem::path& path, const Json& header,
                                           LedgerOptions options);
  // Opens an existing ledger to append to it (`dbtpy cancel`), taking the lock. Returns null
  // when another live process holds it. Throws std::runtime_error when it cannot be opened.
  static std::unique_ptr<RunLedger> open_existing(const std::filesystem::path& path,
                                                  LedgerOptions options);

  ~RunLedger();
  RunLedger(const RunLedger&) = delete;
  RunLedger& operator=(const RunLedger&) = delete;

  // Appends {"ts", "event", ...fields}. `sync`: also fdatasync (when sync_effects is on).
  // Throws std::runtime_error when the line cannot be written: a caller about to create
  // remote work must not go ahead without its record.
  void append(std::string_view event, const Json& fields, bool sync = false);

  const std::filesystem::path& path() const { return path_; }

 private:
  RunLedger(std::filesystem::path path, int fd, LedgerOptions options);

  std::filesystem::path path_;
  int fd_ = -1;
  LedgerOptions options_;
  SystemClock system_clock_;
  std::mutex mu_;         // one write(2) at a time; guards written_
  uint64_t written_ = 0;  // lines written so far
  std::mutex sync_mu_;    // guards synced_ and syncing_ (group commit of fdatasync)
  std::condition_variable sync_cv_;
  uint64_t synced_ = 0;  // lines known durable
  bool syncing_ = false;
};

// True when a live process holds the ledger's lock (the run is still going).
bool ledger_is_active(const std::filesystem::path& path);

}  // namespace dbtpy::runner
