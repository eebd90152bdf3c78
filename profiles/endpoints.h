#pragma once
// Base URLs of the platform APIs, derived from the profile target alone (plus a snapshot of
// the environment, passed in so the function stays pure: codegen prints request URLs without
// I/O, the submitters send to the same URLs). Every URL can be overridden in the profile, which
// is how tests and dbtpy-sandbox point dbtpy at a local server.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "profiles/target.h"

namespace dbtpy::profiles {

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// The process environment (for the CLI); tests pass their own lookup.
EnvLookup process_env();

struct Endpoints {
  std::string snowflake;   // e.g. https://myorg-acct.snowflakecomputing.com
  std::string databricks;  // e.g. https://dbc-123.cloud.databricks.com
  std::string dataproc;    // e.g. https://us-central1-dataproc.googleapis.com
  std::string storage;     // e.g. https://storage.googleapis.com
  std::string bigquery;    // e.g. https://bigquery.googleapis.com
};

// Fills the fields relevant to the target's platform (others stay empty). Throws dbtpy::Error
// (usage) naming the missing profile field when a URL cannot be formed (e.g. no account/host).
//   Snowflake: `host` (+ `port`, `protocol`, dbt-snowflake's names) else
//              snowflake_account_host(`account`) over https.
//   Databricks: `host`, with or without scheme (https:// assumed), trailing '/' dropped.
//   BigQuery: `dataproc_endpoint` else https://<compute_region>-dataproc.googleapis.com;
//             `storage_endpoint` else $STORAGE_EMULATOR_HOST (http:// assumed when it has no
//             scheme, as Google's clients do) else https://storage.googleapis.com;
//             `bigquery_endpoint` else https://bigquery.googleapis.com.
Endpoints resolve_endpoints(const Target& target, const EnvLookup& env);

// The host of a Snowflake account identifier: "<account>.snowflakecomputing.com", lower case,
// '_' written as '-' (host names cannot hold '_'); an identifier that already is a
// *.snowflakecomputing.com host (with or without scheme) is kept as that host.
std::string snowflake_account_host(std::string_view account);

// "host", "http://host", "https://host:443/" -> "scheme://host[:port]" without trailing '/'.
std::string normalize_base_url(std::string_view url, std::string_view default_scheme = "https");

}  // namespace dbtpy::profiles
