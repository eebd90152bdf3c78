#pragma once
// The relations that successful runs materialized, per platform, so existence checks,
// `is_incremental` and merges see the same world across runs (and across sandbox restarts:
// the catalog is saved to <state-dir>/catalog.json after every change). Names are canonical:
// Snowflake upper-cases unquoted parts, Databricks lower-cases, BigQuery keeps case.
// Thread-safe (one mutex).
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "util/clock.h"
#include "util/json.h"

namespace dbtpy::sandbox {

// "db.sch.\"Mixed\"" -> DB.SCH.Mixed for Snowflake; backticks dropped for the others.
std::string canonical_relation(std::string_view platform, std::string_view relation);

class Catalog {
 public:
  // `state_dir` empty = memory only. The clock stamps created_ms / updated_ms.
  Catalog(std::filesystem::path state_dir, const Clock& clock);

  // Records (or updates) a relation; `columns` replaces the known columns when non-empty.
  // Returns true if the relation existed before (an incremental run merged into it).
  bool record(std::string_view platform, std::string_view relation, const Json& info);
  bool drop(std::string_view platform, std::string_view relation);
  std::optional<Json> find(std::string_view platform, std::string_view relation) const;
  Json snapshot() const;  // {"snowflake": {"DB.SCH.T": {...}}, ...}

 private:
  void save_locked() const;

  const Clock& clock_;
  std::filesystem::path file_;
  mutable std::mutex mu_;
  Json data_ = Json::object();
};

}  // namespace dbtpy::sandbox
