#pragma once
// The Databricks REST endpoints dbtpy uses: Clusters 2.0/2.1 (get, start), Libraries 2.0
// (install, cluster-status), Command Execution 1.2 (contexts, commands), Workspace 2.0
// (mkdirs, import, get-status, delete), Jobs 2.1/2.2 (runs/submit with idempotency_token,
// runs/get, runs/get-output, runs/cancel, jobs create/reset/list/run-now), SCIM Me and the
// workspace OIDC token endpoint. State machines follow the documentation: clusters
// TERMINATED -> PENDING -> RUNNING, libraries PENDING -> INSTALLING -> INSTALLED, contexts
// Pending -> Running, commands Queued -> Running -> Finished/Cancelled (a Python failure is
// Finished with resultType "error"), runs QUEUED/PENDING -> RUNNING -> TERMINATING ->
// TERMINATED/INTERNAL_ERROR. Errors are {"error_code", "message"}. Thread-safe (one mutex);
// the state is in memory except workspace files, which are mirrored under the state dir.
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/catalog.h"
#include "sandbox/config.h"
#include "sandbox/http/router.h"
#include "sandbox/model_payload.h"
#include "sandbox/random.h"
#include "sandbox/run_plan.h"
#include "sandbox/run_planner.h"
#include "sandbox/stats.h"
#include "sandbox/token_store.h"
#include "util/clock.h"

namespace dbtpy::sandbox::databricks {

class DatabricksApi {
 public:
  DatabricksApi(const SandboxConfig& config, const Clock& clock, Random& random, Stats& stats,
                Catalog& catalog, RunPlanner& planner, std::filesystem::path state_dir);

  void register_routes(Router& router);
  void tick();

  // {"error_code": ..., "message": ...} with the code Databricks uses for `status`.
  static Reply error(int status, const std::string& message);

 private:
  // --- state -------------------------------------------------------------------------------
  struct Library {
    Json spec;
    SteadyTime requested;
    bool preinstalled = false;
  };
  struct Cluster {
    DatabricksCluster cfg;
    std::string state;  // TERMINATED, PENDING, RUNNING
    SteadyTime pending_since;
    SteadyTime running_since;
    long long start_time_ms = 0;
    std::vector<Library> libraries;
  };
  struct Context {
    std::string id;
    std::string cluster_id;
    std::string language;
    SteadyTime created;
    bool destroyed = false;
  };
  struct Command {
    std::string id;
    std::string context_id;
    std::string cluster_id;
    RunClock clock;
    std::optional<ModelMeta> meta;
    bool model = true;  // false: a helper command (not counted as a model run)
    bool finalized = false;
  };
  struct WsObject {
    std::string type;  // DIRECTORY, NOTEBOOK, FILE
    std::string language;
    std::string content;
    long long object_id = 0;
    long long created_ms = 0;
    long long modified_ms = 0;
  };
  struct TaskRun {
    long long run_id = 0;
    std::string task_key;
    Json spec;
    std::vector<std::string> depends_on;
    bool started = false;
    bool skipped = false;  // an upstream task did not succeed
    bool internal_error = false;
    std::string state_message;
    std::string compute;  // cluster id, "serverless" or "new_cluster"
    bool model = true;    // false: a task kind the sandbox does not simulate (sql_task, ...)
    RunClock clock;
    std::optional<ModelMeta> meta;
    bool finalized = false;
    long long start_ms = 0;
    SteadyTime skipped_at;
  };
  struct JobRun {
    long long run_id = 0;
    long long job_id = 0;
    long long number_in_job = 1;
    std::string run_name;
    std::string run_type;  // SUBMIT_RUN, JOB_RUN
    SteadyTime submitted;
    long long start_ms = 0;
    std::vector<TaskRun> tasks;
    std::optional<SteadyTime> cancel_requested;
    std::optional<double> timeout_seconds;
    bool queue_enabled = false;
    std::string idempotency_token;
    std::string skipped;  // why the Jobs service skipped the run ("" = it was not)
    bool finalized = false;
  };
  struct Job {
    long long job_id = 0;
    Json settings;
    long long created_ms = 0;
  };

  // --- helpers (call with mu_ held) -----------------------------------------------------------
  std::optional<Reply> authenticate(Exchange& ex);
  Json body_object(Exchange& ex, std::optional<Reply>& err);
  std::string cluster_state(Cluster& c, SteadyTime now);
  std::string library_status(Cluster& c, const Library& l, SteadyTime now);
  void start_cluster(Cluster& c, SteadyTime now);
  Json cluster_json(Cluster& c, SteadyTime now);
  std::string normalize_path(const std::string& path) const;
  std::optional<Reply> check_path(const Json& body, const char* field, std::string& out) const;
  void save_workspace_object(const std::string& path, const WsObject& o);
  void remove_workspace_object(const std::string& path);
  void load_workspace();

  // Commands.
  std::string command_status(Command& c, SteadyTime now, Json* results);
  void finalize_command(Command& c, SteadyTime now);

  // Runs.
  std::optional<Reply> build_run(const Json& body, Exchange& ex, JobRun& run, bool submit);
  void advance_run(JobRun& run, SteadyTime now);
  void start_task(JobRun& run, TaskRun& t, SteadyTime at);
  Json run_json(JobRun& run, SteadyTime now, const std::string& base_url);
  Json task_state_json(const JobRun& run, const TaskRun& t, SteadyTime now, Json* status);
  std::optional<SteadyTime> task_terminal(const TaskRun& t, SteadyTime now) const;
  JobRun* find_run(long long id, TaskRun** task);
  long long next_id();

  // --- handlers ------------------------------------------------------------------------------
  Reply oidc_token(Exchange& ex);
  Reply scim_me(Exchange& ex);
  Reply clusters_get(Exchange& ex);
  Reply clusters_start(Exchange& ex);
  Reply libraries_install(Exchange& ex);
  Reply libraries_status(Exchange& ex);
  Reply contexts_create(Exchange& ex);
  Reply contexts_status(Exchange& ex);
  Reply contexts_destroy(Exchange& ex);
  Reply commands_execute(Exchange& ex);
  Reply commands_status(Exchange& ex);
  Reply commands_cancel(Exchange& ex);
  Reply workspace_mkdirs(Exchange& ex);
  Reply workspace_import(Exchange& ex);
  Reply workspace_get_status(Exchange& ex);
  Reply workspace_delete(Exchange& ex);
  Reply runs_submit(Exchange& ex);
  Reply runs_get(Exchange& ex);
  Reply runs_get_output(Exchange& ex);
  Reply runs_cancel(Exchange& ex);
  Reply jobs_create(Exchange& ex);
  Reply jobs_reset(Exchange& ex);
  Reply jobs_list(Exchange& ex);
  Reply jobs_get(Exchange& ex);
  Reply jobs_run_now(Exchange& ex);

  const SandboxConfig& config_;
  const Clock& clock_;
  Random& random_;
  Stats& stats_;
  Catalog& catalog_;
  RunPlanner& planner_;
  std::filesystem::path workspace_dir_;
  TokenStore tokens_;

  std::mutex mu_;
  long long id_counter_ = 0;
  std::map<std::string, Cluster> clusters_;
  std::map<std::string, Context> contexts_;
  std::map<std::string, Command> commands_;
  std::map<std::string, WsObject> workspace_;
  std::map<long long, JobRun> runs_;
  std::map<long long, long long> task_to_run_;
  std::map<std::string, long long> runs_by_token_;
  std::map<long long, Job> jobs_;
  std::map<long long, long long> job_run_counts_;
};

}  // namespace dbtpy::sandbox::databricks
