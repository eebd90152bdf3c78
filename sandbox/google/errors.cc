#include "sandbox/google/errors.h"

namespace dbtpy::sandbox::google {

std::string status_name(int s) {
  switch (s) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "ALREADY_EXISTS";
    case 412:
      return "FAILED_PRECONDITION";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 499:
      return "CANCELLED";
    case 501:
      return "UNIMPLEMENTED";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return s >= 500 ? "INTERNAL" : "INVALID_ARGUMENT";
  }
}

Reply google_error(int http_status, const std::string& message, const std::string& reason,
                   const std::string& status) {
  Json err = {{"code", http_status},
              {"message", message},
              {"status", status.empty() ? status_name(http_status) : status}};
  if (!reason.empty()) {
    err["errors"] = Json::array({{{"message", message}, {"domain", "global"}, {"reason", reason}}});
  }
  return Reply::json(http_status, {{"error", err}});
}

}  // namespace dbtpy::sandbox::google
