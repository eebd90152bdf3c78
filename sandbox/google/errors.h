#pragma once
// Google's error bodies: {"error": {"code", "message", "status", "errors": [{"message",
// "domain", "reason"}]}}. Cloud Storage and BigQuery fill `errors` (with reasons such as
// notFound, duplicate, invalid); Dataproc, a newer API, sends code/message/status only.
// Pure functions.
#include <string>

#include "sandbox/http/exchange.h"

namespace dbtpy::sandbox::google {

// The canonical status name for an HTTP code: 400 INVALID_ARGUMENT, 404 NOT_FOUND, ...
std::string status_name(int http_status);

// With `reason` non-empty the legacy `errors` array is included (GCS, BigQuery style).
Reply google_error(int http_status, const std::string& message, const std::string& reason = {},
                   const std::string& status = {});

}  // namespace dbtpy::sandbox::google
