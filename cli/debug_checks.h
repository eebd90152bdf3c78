#pragma once
// The logic of `dbtpy debug` (like `dbt debug`): show the resolved profile target with its
// secrets redacted and where each credential came from, then check, in order, that the
// credentials resolve and load, that a token can be obtained, and that one cheap
// authenticated call succeeds:
//   Snowflake   SELECT 1 through the SQL API
//   Databricks  GET /api/2.0/preview/scim/v2/Me
//   Google      the token exchange, then the metadata of `gcs_bucket` from GCS
// Each check prints OK or the exact reason and how to fix it; a failed check skips the ones
// that depend on it. Separate from the command so tests drive it with their own HTTP client,
// clock and environment. Not thread-safe (one run per invocation).
#include <string>

#include "cli/reporter.h"
#include "profiles/auth/credential_sources.h"
#include "profiles/secret_fields.h"
#include "profiles/target.h"
#include "submitters/http/http_client.h"
#include "submitters/http/random_source.h"
#include "submitters/http/sleeper.h"
#include "util/clock.h"
#include "util/ids.h"

namespace dbtpy::cli {

struct DebugInputs {
  const profiles::Target* target = nullptr;
  const profiles::SecretFields* secrets = nullptr;
  std::string profiles_file;  // shown when known
  profiles::auth::CredentialSources sources;
};

struct DebugDeps {
  submitters::http::HttpClient* client = nullptr;
  const Clock* clock = nullptr;
  submitters::http::Sleeper* sleeper = nullptr;
  submitters::http::RandomSource* random = nullptr;
  IdSource* ids = nullptr;
};

// Returns the number of failed checks (0 when everything passed).
int run_debug_checks(const DebugInputs& inputs, const DebugDeps& deps, Reporter& reporter);

}  // namespace dbtpy::cli
