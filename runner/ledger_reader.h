#pragma once
// Reads run ledgers back (see run_ledger.h for the format): what a run was, whether it ended,
// and what it may have left behind — handles of models whose remote work was never seen to
// end, and armed cleanups never marked done — as the items submitters::replay_cancel takes.
// A line cut short by a crash, or any line that is not JSON, is skipped and counted: the
// rest of the ledger is still used. Pure functions of the files; thread-safe.
#include <filesystem>
#include <string>
#include <vector>

#include "submitters/execution.h"
#include "util/json.h"

namespace dbtpy::runner {

struct LedgerSummary {
  std::filesystem::path path;
  std::string run_id;
  std::string project, profile, target, platform;
  std::string started_at, finished_at;  // RFC 3339; finished_at empty when it never finished
  long long pid = 0;
  std::string host;
  std::string status;     // run_finished status ("success", "error", "interrupted"), or ""
  bool replayed = false;  // `dbtpy cancel` already replayed it
  bool active = false;    // a live process holds it (the run is still going)
  size_t models = 0;      // models started
  size_t bad_lines = 0;   // lines that could not be read
  std::vector<submitters::LedgerItem> open_items;

  bool open() const { return !open_items.empty(); }
};

// Throws std::runtime_error when the file cannot be read or has no run_started line.
LedgerSummary read_ledger(const std::filesystem::path& path);

// Every ledger (*.jsonl) under `dir`, oldest first. Empty when the folder does not exist.
std::vector<std::filesystem::path> list_ledgers(const std::filesystem::path& dir);

}  // namespace dbtpy::runner
