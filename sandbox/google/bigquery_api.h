#pragma once
// BigQuery v2: jobs.insert (query jobs, scripts included; 409 duplicate for a reused jobId),
// jobs.get (status.state PENDING -> RUNNING -> DONE with errorResult/errors and statistics),
// jobs.cancel, and tables.get (404 notFound when the catalog does not hold the table). A query
// job's effect on tables comes from bigquery_sql.h: written tables enter the catalog, dropped
// ones leave it, and a MERGE whose source table does not exist fails as BigQuery would.
// Thread-safe (one mutex).
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "sandbox/catalog.h"
#include "sandbox/config.h"
#include "sandbox/google/bigquery_sql.h"
#include "sandbox/google/oauth.h"
#include "sandbox/http/router.h"
#include "sandbox/random.h"
#include "sandbox/run_plan.h"
#include "sandbox/run_planner.h"
#include "sandbox/stats.h"
#include "util/clock.h"

namespace dbtpy::sandbox::google {

class BigQueryApi {
 public:
  BigQueryApi(const SandboxConfig& config, const Clock& clock, Random& random, Stats& stats,
              Catalog& catalog, RunPlanner& planner, OAuth& oauth);
  void register_routes(Router& router);
  void tick();

 private:
  struct Job {
    std::string project;
    std::string job_id;
    std::string location;
    std::string user;
    Json configuration;
    QueryAnalysis analysis;
    RunClock clock;
    Json error_result;  // set when the query itself is invalid (known at insert)
    long long created_ms = 0;
    SteadyTime created;
    bool finalized = false;
    Json final_error;  // errorResult decided at completion (e.g. a missing table)
    long long child_jobs = 0;
  };

  Reply insert(Exchange& ex);
  Reply get(Exchange& ex);
  Reply cancel(Exchange& ex);
  Reply get_table(Exchange& ex);
  void finalize(Job& j, SteadyTime now);
  Json job_json(Job& j, SteadyTime now, const std::string& base_url);
  bool project_known(const std::string& project) const;

  const SandboxConfig& config_;
  const Clock& clock_;
  Random& random_;
  Stats& stats_;
  Catalog& catalog_;
  RunPlanner& planner_;
  OAuth& oauth_;
  std::mutex mu_;
  std::map<std::string, Job> jobs_;  // "project:LOCATION.jobId"
};

}  // namespace dbtpy::sandbox::google
