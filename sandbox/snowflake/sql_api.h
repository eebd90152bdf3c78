#pragma once
// The Snowflake SQL API v2 endpoints: POST /api/v2/statements (sync within the wait, or
// async=true; requestId + retry=true), GET /api/v2/statements/{handle} (202 QueryStatus,
// 200 ResultSet with partitions, 422 QueryFailureStatus) and POST .../{handle}/cancel, with
// the headers, bodies and error shapes of the vendor's documentation and sqlapi.yaml.
// Thread-safe: state lives in the StatementEngine.
#include <map>
#include <mutex>

#include "sandbox/http/router.h"
#include "sandbox/snowflake/auth.h"
#include "sandbox/snowflake/statement_engine.h"

namespace dbtpy::sandbox::snowflake {

class SqlApi {
 public:
  SqlApi(const SandboxConfig& config, const Clock& clock, Random& random, Stats& stats,
         Catalog& catalog, RunPlanner& planner);

  void register_routes(Router& router);
  void tick() { engine_.tick(); }
  void shutdown() { engine_.shutdown(); }

  // Snowflake's generic error body for the server (unknown path, throttling, 5xx).
  static Reply error(int status, const std::string& message);

 private:
  Reply submit(Exchange& ex);
  Reply get(Exchange& ex);
  Reply cancel(Exchange& ex);
  std::optional<Reply> check_headers(Exchange& ex, bool post, std::string& user);
  Reply render(const StatementView& v, long long partition, bool nullable, int success_status);

  const SandboxConfig& config_;
  Auth auth_;
  StatementEngine engine_;
  std::mutex mu_;
  std::map<std::string, bool> nullable_;  // handle -> nullable flag given at submit
};

}  // namespace dbtpy::sandbox::snowflake
