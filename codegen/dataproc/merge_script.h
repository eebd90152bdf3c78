#pragma once
// The BigQuery script that completes an incremental Dataproc model: ONE jobs.insert query
// job whose text is fixed at compile time. The only run-varying value is the named query
// parameter @run_id, from which the script derives the run's staging table. Column lists
// are discovered on the server from INFORMATION_SCHEMA.COLUMNS and the MERGE is run with
// EXECUTE IMMEDIATE. When the staging table does not exist (first run, full refresh: the
// job wrote the target directly) the script does nothing. on_schema_change follows dbt
// (ignore, fail, append_new_columns, sync_all_columns); the staging table is dropped on
// every path (here, and by a cleanup job if the Dataproc job itself failed). Pure.
#include <string>
#include <vector>

namespace dbtpy::codegen::dataproc {

struct MergeSpec {
  std::string unique_id;
  std::string project;
  std::string dataset;
  std::string identifier;
  std::vector<std::string> unique_key;  // as written (dbt does not quote them)
  std::vector<std::string> merge_update_columns;
  std::vector<std::string> merge_exclude_columns;
  std::vector<std::string> predicates;
  std::string on_schema_change;
};

std::string merge_script_sql(const MergeSpec& spec);

// Drops the run's staging table (cleanup job).
std::string drop_staging_sql(const MergeSpec& spec);

// A GoogleSQL string literal equal to `text`.
std::string bq_string(std::string_view text);

}  // namespace dbtpy::codegen::dataproc
