#pragma once
// Google Cloud as the sandbox serves it: the OAuth token endpoint, Cloud Storage, Dataproc
// and BigQuery on one router, sharing one object store and one token registry. Thread-safe
// (each part locks its own state).
#include <filesystem>

#include "sandbox/google/bigquery_api.h"
#include "sandbox/google/dataproc_api.h"
#include "sandbox/google/gcs_store.h"
#include "sandbox/google/oauth.h"
#include "sandbox/google/storage_api.h"

namespace dbtpy::sandbox::google {

class GoogleApi {
 public:
  GoogleApi(const SandboxConfig& config, const Clock& clock, Random& random, Stats& stats,
            Catalog& catalog, RunPlanner& planner, const std::filesystem::path& state_dir);

  void register_routes(Router& router);
  void tick();

  // Google's generic replies: an HTML 404 page for unknown URLs (as Google's front end
  // answers), JSON errors otherwise (the token endpoint's OAuth shape for /token).
  static Reply error(int status, const std::string& message, Exchange& ex);

 private:
  OAuth oauth_;
  GcsStore gcs_;
  StorageApi storage_;
  DataprocApi dataproc_;
  BigQueryApi bigquery_;
};

}  // namespace dbtpy::sandbox::google
