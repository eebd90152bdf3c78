#pragma once
// The error a failed HTTP call raises: a dbtpy::Error (so the CLI prints it in the one agreed
// format, `error[DBTPY4nn]: ...` plus a hint) that also keeps the facts as fields — method,
// URL with secrets removed, status, the platform's error code and message parsed from the
// body, the request id, the transport failure and whether the request may have been sent —
// for callers that branch on them (e.g. a submitter treating 409 ALREADY_EXISTS as success).
// Value type (an exception); nothing in it holds a secret.
#include <optional>
#include <string>

#include "submitters/http/error_body.h"
#include "submitters/http/request.h"
#include "submitters/http/response.h"
#include "submitters/http/transport_error.h"
#include "util/error.h"
#include "util/json.h"

namespace dbtpy::submitters::http {

struct HttpErrorInfo {
  std::string method;
  std::string url;  // redact_url()
  int status = 0;   // 0 when no response arrived
  PlatformError platform;
  std::string request_id;  // response header, error body or our own requestId parameter
  std::optional<TransportFailure> failure;
  bool may_have_been_sent = true;
  int attempts = 1;
  std::string note;  // why retrying stopped, when it did
};

class HttpError : public Error {
 public:
  HttpError(HttpErrorInfo info, Diagnostic diagnostic);
  const HttpErrorInfo& info() const { return info_; }

 private:
  HttpErrorInfo info_;
};

// "Unauthorized", "Too Many Requests", ... ("" when unknown).
std::string_view status_text(int status);

// The error for a response with a non-2xx status.
HttpError status_error(const HttpRequest& request, const HttpResponse& response);
// The error for an attempt that produced no response. `unsafe_to_resend` marks a request
// that may have reached the server and was not resent because it is not idempotent: its
// outcome is unknown (DBTPY414), which the user must hear about in those words.
HttpError transport_error(const HttpRequest& request, const TransportError& error, int attempts,
                          std::string note = {}, bool unsafe_to_resend = false);
// Throws status_error() unless the status is 2xx.
void ensure_success(const HttpRequest& request, const HttpResponse& response);
// ensure_success(), then the body as JSON; a body that is not JSON raises DBTPY416 with a
// short excerpt.
Json parse_json_response(const HttpRequest& request, const HttpResponse& response);

}  // namespace dbtpy::submitters::http
