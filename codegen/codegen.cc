#include "codegen/codegen.h"

#include "codegen/databricks/databricks_codegen.h"
#include "codegen/dataproc/dataproc_codegen.h"
#include "codegen/snowflake/snowflake_codegen.h"

namespace dbtpy::codegen {

Payload generate(const CodegenInput& input) {
  Payload p;
  switch (input.target->platform) {
    case profiles::Platform::kSnowflake:
      p = snowflake::generate(input);
      break;
    case profiles::Platform::kDatabricks:
      p = databricks::generate(input);
      break;
    case profiles::Platform::kBigQuery:
      p = dataproc::generate(input);
      break;
  }
  // The review form of the steps is itself part of what reviewers read.
  p.files.push_back({"requests.json", requests_json(p), "application/json"});
  return p;
}

}  // namespace dbtpy::codegen
