#include "sandbox/stats.h"

namespace dbtpy::sandbox {
namespace {

void bump(Json& obj, const std::string& key) {
  if (!obj.is_object()) obj = Json::object();
  obj[key] = obj.value(key, 0LL) + 1;
}

}  // namespace

void Stats::request(const std::string& endpoint, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  Json& e = requests_[endpoint];
  bump(e, "count");
  bump(e["statuses"], std::to_string(status));
}

void Stats::execution(const std::string& platform) {
  std::lock_guard<std::mutex> lock(mu_);
  bump(executions_, platform);
}

void Stats::replay(const std::string& platform) {
  std::lock_guard<std::mutex> lock(mu_);
  bump(replays_, platform);
}

void Stats::cancel(const std::string& platform) {
  std::lock_guard<std::mutex> lock(mu_);
  bump(cancels_, platform);
}

void Stats::run_finished(const std::string& platform, const std::string& final_state) {
  std::lock_guard<std::mutex> lock(mu_);
  bump(runs_[platform], final_state);
}

void Stats::fault(const std::string& endpoint, const std::string& kind) {
  std::lock_guard<std::mutex> lock(mu_);
  bump(faults_[endpoint], kind);
}

void Stats::auth_failure(const std::string& platform, const std::string& id,
                         const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  auth_failures_.push_back({{"platform", platform}, {"id", id}, {"reason", reason}});
  while (auth_failures_.size() > 100)
    auth_failures_.pop_front();
}

long long Stats::executions(const std::string& platform) const {
  std::lock_guard<std::mutex> lock(mu_);
  return executions_.value(platform, 0LL);
}

Json Stats::to_json() const {
  std::lock_guard<std::mutex> lock(mu_);
  Json failures = Json::array();
  for (const auto& f : auth_failures_)
    failures.push_back(f);
  return {{"requests", requests_},
          {"executions", executions_},
          {"idempotent_replays", replays_},
          {"cancels", cancels_},
          {"runs", runs_},
          {"faults", faults_},
          {"auth_failures", failures}};
}

}  // namespace dbtpy::sandbox
