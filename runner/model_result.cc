#include "runner/model_result.h"

namespace dbtpy::runner {

std::string_view result_status_name(ResultStatus s) {
  switch (s) {
    case ResultStatus::kSuccess:
      return "success";
    case ResultStatus::kError:
      return "error";
    case ResultStatus::kSkipped:
      return "skipped";
  }
  return "error";
}

}  // namespace dbtpy::runner
