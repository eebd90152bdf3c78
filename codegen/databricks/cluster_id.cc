#include "codegen/databricks/cluster_id.h"

#include <regex>

namespace dbtpy::codegen::databricks {

std::optional<std::string> cluster_id_from_http_path(std::string_view http_path) {
  static const std::regex kCluster(R"(^/?sql/protocolv1/o/\d+/([^?&/]+))");
  std::string path(http_path);
  std::smatch m;
  if (std::regex_search(path, m, kCluster)) return m[1].str();
  return std::nullopt;
}

bool is_warehouse_http_path(std::string_view http_path) {
  return http_path.find("/warehouses/") != std::string_view::npos ||
         http_path.find("/endpoints/") != std::string_view::npos;
}

}  // namespace dbtpy::codegen::databricks
