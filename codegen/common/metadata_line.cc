#include "codegen/common/metadata_line.h"

namespace dbtpy::codegen {

std::string metadata_line(const Json& fields) {
  // nlohmann::json keeps object keys sorted; dump() without indent is compact. Control
  // characters are escaped, so the JSON never spans lines.
  return std::string(kMetadataPrefix) + fields.dump() + "\n";
}

}  // namespace dbtpy::codegen
