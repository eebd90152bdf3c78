#pragma once
// What a BigQuery query job does to tables, read from its GoogleSQL text well enough for the
// sandbox to keep its catalog consistent: tables written (CREATE TABLE, INSERT, MERGE INTO,
// configuration destinationTable), tables a MERGE reads (USING ...), tables dropped, and a
// `dbtpy-model:` metadata comment when dbtpy wrote one. Not a SQL parser: statements are
// recognised by their leading keywords. Pure functions; thread-safe.
#include <optional>
#include <string>
#include <vector>

#include "sandbox/model_payload.h"

namespace dbtpy::sandbox::google {

struct TableAction {
  enum class Kind { kWrite, kDrop, kRead } kind;
  std::string table;  // "project.dataset.table"
  bool if_exists = false;
};

struct QueryAnalysis {
  std::string statement_type;  // SELECT, MERGE, INSERT, CREATE_TABLE_AS_SELECT, DROP_TABLE, SCRIPT
  std::vector<TableAction> actions;
  std::optional<ModelMeta> meta;
  std::string first_word;  // upper-cased, after comments
};

QueryAnalysis analyze_query(const std::string& query, const std::string& project,
                            const std::string& default_dataset);

}  // namespace dbtpy::sandbox::google
