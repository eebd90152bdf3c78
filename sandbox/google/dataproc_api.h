#pragma once
// Dataproc v1: Serverless batches (create -> long-running Operation; get with PENDING ->
// RUNNING -> SUCCEEDED/FAILED/CANCELLING -> CANCELLED; requestId idempotency; 409 for a reused
// batchId), operations get/cancel (the only way to cancel a batch in v1), and cluster jobs
// (jobs:submit with requestId, get with status/statusHistory, :cancel). The main Python file
// is read from the sandbox's Cloud Storage; driver output is written back there under
// runtimeInfo.outputUri / driverOutputResourceUri. Thread-safe (one mutex).
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/catalog.h"
#include "sandbox/config.h"
#include "sandbox/google/gcs_store.h"
#include "sandbox/google/oauth.h"
#include "sandbox/http/router.h"
#include "sandbox/model_payload.h"
#include "sandbox/random.h"
#include "sandbox/run_plan.h"
#include "sandbox/run_planner.h"
#include "sandbox/stats.h"
#include "util/clock.h"

namespace dbtpy::sandbox::google {

class DataprocApi {
 public:
  DataprocApi(const SandboxConfig& config, const Clock& clock, Random& random, Stats& stats,
              Catalog& catalog, RunPlanner& planner, GcsStore& gcs, OAuth& oauth);
  void register_routes(Router& router);
  void tick();

 private:
  struct Work {  // a batch or a cluster job
    bool is_batch = true;
    std::string project;
    std::string region;
    std::string id;  // batchId / jobId
    std::string uuid;
    std::string operation;  // batches: operation name
    std::string request_id;
    std::string creator;
    Json spec;  // the Batch / Job as submitted
    std::string main_uri;
    std::string output_prefix;  // gs://bucket/path/driveroutput
    std::string cluster_uuid;
    RunClock clock;
    std::optional<ModelMeta> meta;
    bool missing_main = false;
    std::string create_time;
    std::chrono::system_clock::time_point created_wall;
    SteadyTime created;
    bool finalized = false;
  };

  Reply create_batch(Exchange& ex);
  Reply get_batch(Exchange& ex);
  Reply get_operation(Exchange& ex);
  Reply cancel_operation(Exchange& ex);
  Reply submit_job(Exchange& ex);
  Reply get_job(Exchange& ex);
  Reply cancel_job(Exchange& ex);

  std::optional<Reply> check_location(const std::string& project, const std::string& region,
                                      const std::string& permission);
  void plan(Work& w, const std::string& staging_bucket);
  void finalize(Work& w, SteadyTime now);
  std::string batch_state(const Work& w, SteadyTime now, std::string* message) const;
  std::string job_state(const Work& w, SteadyTime now) const;
  Json batch_json(Work& w, SteadyTime now);
  Json job_json(Work& w, SteadyTime now);
  Json operation_json(Work& w, SteadyTime now);
  std::string wall_time_at(const Work& w, SteadyTime t) const;

  const SandboxConfig& config_;
  const Clock& clock_;
  Random& random_;
  Stats& stats_;
  Catalog& catalog_;
  RunPlanner& planner_;
  GcsStore& gcs_;
  OAuth& oauth_;

  std::mutex mu_;
  std::map<std::string, Work> batches_;                // full batch name -> work
  std::map<std::string, std::string> operations_;      // operation name -> batch name
  std::map<std::string, std::string> batch_requests_;  // parent + requestId -> batch name
  std::map<std::string, Work> jobs_;                   // projects/p/regions/r/jobs/id -> work
  std::map<std::string, std::string> job_requests_;
};

}  // namespace dbtpy::sandbox::google
