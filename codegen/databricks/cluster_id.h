#pragma once
// The all-purpose cluster a Databricks model runs on: `cluster_id`, else the cluster named in
// an `http_path` of the form /sql/protocolv1/o/<org>/<cluster> (dbt-databricks' rule). A SQL
// warehouse path (/sql/1.0/warehouses/<id>) names no cluster. Pure; thread-safe.
#include <optional>
#include <string>
#include <string_view>

namespace dbtpy::codegen::databricks {

std::optional<std::string> cluster_id_from_http_path(std::string_view http_path);
bool is_warehouse_http_path(std::string_view http_path);

}  // namespace dbtpy::codegen::databricks
