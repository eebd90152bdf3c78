#pragma once
// Counters served at GET /_sandbox/stats: requests and statuses per endpoint, executions
// started per platform (tests use them to prove "N submissions -> exactly N executions"),
// idempotent replays, cancels, runs by final state, injected faults, and the reasons of the
// last authentication failures (the sandbox's SYSTEM$GET_LOGIN_FAILURE_DETAILS). Thread-safe.
#include <deque>
#include <mutex>
#include <string>

#include "util/json.h"

namespace dbtpy::sandbox {

class Stats {
 public:
  void request(const std::string& endpoint, int status);
  void execution(const std::string& platform);
  void replay(const std::string& platform);  // an idempotency key returned an existing object
  void cancel(const std::string& platform);
  void run_finished(const std::string& platform, const std::string& final_state);
  void fault(const std::string& endpoint, const std::string& kind);
  void auth_failure(const std::string& platform, const std::string& id, const std::string& reason);

  long long executions(const std::string& platform) const;
  Json to_json() const;

 private:
  mutable std::mutex mu_;
  Json requests_ = Json::object();
  Json executions_ = Json::object();
  Json replays_ = Json::object();
  Json cancels_ = Json::object();
  Json runs_ = Json::object();
  Json faults_ = Json::object();
  std::deque<Json> auth_failures_;
};

}  // namespace dbtpy::sandbox
