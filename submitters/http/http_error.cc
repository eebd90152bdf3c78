#include "submitters/http/http_error.h"

#include <fmt/format.h>

#include "submitters/http/url.h"
#include "util/strings.h"

namespace dbtpy::submitters::http {
namespace {

std::string request_id_of(const HttpRequest& request, const HttpResponse* response,
                          const PlatformError* pe) {
  if (response) {
    for (const char* h : {"x-request-id", "x-databricks-request-id", "x-guploader-uploadid",
                          "x-goog-request-id", "x-snowflake-request-id", "request-id"}) {
      if (auto v = response->header(h); v && !v->empty()) return *v;
    }
  }
  if (pe && !pe->request_id.empty()) return pe->request_id;
  if (auto id = query_param(request.url, "requestId"); id && !id->empty()) return *id;
  return {};
}

std::string status_hint(int status, const PlatformError& pe) {
  switch (status) {
    case 400:
    case 422:
      return "the platform rejected the request; its message above says which field or value";
    case 401:
      return "the credentials were rejected (wrong, expired or revoked); run `dbtpy debug` to "
             "check how the profile authenticates";
    case 403:
      return "the credentials are valid but lack permission for this call; grant the user, "
             "role or service account access to this resource";
    case 404:
      return "check the host/endpoint in the profile and the resource named in the URL";
    case 409:
      return pe.kind == "google" ? "the resource already exists (a reused id?)"
                                 : "the resource is in a conflicting state; see the message";
    case 429:
      return "the platform is rate-limiting these calls; lower `threads` or retry later";
    default:
      if (status >= 500) return "the platform failed to handle the call; retry later";
      return "see the platform's message above";
  }
}

std::string_view code_for_status(int status) {
  if (status == 401) return "DBTPY402";
  if (status == 403) return "DBTPY403";
  if (status == 404) return "DBTPY404";
  if (status == 429 || status >= 500) return "DBTPY405";
  return "DBTPY401";
}

}  // namespace

HttpError::HttpError(HttpErrorInfo info, Diagnostic diagnostic)
    : Error(ErrorKind::kRuntime, std::move(diagnostic)), info_(std::move(info)) {}

std::string_view status_text(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

HttpError status_error(const HttpRequest& request, const HttpResponse& response) {
  HttpErrorInfo info;
  info.method = to_upper(request.method);
  info.url = redact_url(request.url);
  info.status = response.status;
  info.platform = parse_error_body(response.body);
  info.request_id = request_id_of(request, &response, &info.platform);
  info.attempts = response.attempts;
  info.note = response.retry_note;

  std::string msg = fmt::format("{} {} failed: HTTP {}", info.method, info.url, info.status);
  if (auto t = status_text(info.status); !t.empty()) msg += fmt::format(" {}", t);
  if (std::string s = info.platform.summary(); !s.empty()) msg += " — " + s;
  if (!info.request_id.empty()) msg += fmt::format(" (request id {})", info.request_id);
  if (info.attempts > 1) msg += fmt::format(" after {} attempts", info.attempts);
  if (!info.note.empty()) msg += fmt::format("; {}", info.note);

  Diagnostic d;
  d.code = std::string(code_for_status(info.status));
  d.message = std::move(msg);
  d.hint = status_hint(info.status, info.platform);
  return HttpError(std::move(info), std::move(d));
}

HttpError transport_error(const HttpRequest& request, const TransportError& error, int attempts,
                          std::string note, bool unsafe_to_resend) {
  HttpErrorInfo info;
  info.method = to_upper(request.method);
  info.url = redact_url(request.url);
  info.failure = error.failure();
  info.may_have_been_sent = error.may_have_been_sent();
  info.attempts = attempts;
  info.note = std::move(note);
  info.request_id = request_id_of(request, nullptr, nullptr);
  std::string host;
  if (auto p = parse_url(request.url)) host = p->host;

  Diagnostic d;
  std::string what;
  switch (error.failure()) {
    case TransportFailure::kResolve:
      d.code = "DBTPY410";
      what = fmt::format("cannot resolve host '{}'", host);
      d.hint = "check the host/account in the profile (a typo?) and your DNS or VPN";
      break;
    case TransportFailure::kConnect:
      d.code = "DBTPY410";
      what = fmt::format("cannot connect to '{}'", host);
      d.hint = "check the host and port in the profile, and that a firewall or VPN lets you in";
      break;
    case TransportFailure::kProxy:
      d.code = "DBTPY410";
      what = "the proxy failed";
      d.hint = "check HTTPS_PROXY/http_proxy, or add the host to NO_PROXY";
      break;
    case TransportFailure::kTlsVerify:
      d.code = "DBTPY411";
      what = fmt::format("the TLS certificate of '{}' is not trusted", host);
      d.hint =
          "if a corporate proxy re-signs TLS, point SSL_CERT_FILE (or the profile's "
          "`ca_bundle`) at its CA bundle; verification is never switched off";
      break;
    case TransportFailure::kTls:
      d.code = "DBTPY411";
      what = fmt::format("the TLS handshake with '{}' failed", host);
      d.hint = "check that the URL's port speaks https (or use http:// for a local server)";
      break;
    case TransportFailure::kInsecureUrl:
      d.code = "DBTPY412";
      what = "refused to send";
      d.hint = "use an https:// URL; http:// is only for local test servers on loopback";
      break;
    case TransportFailure::kTimeout:
      d.code = "DBTPY413";
      what = "timed out";
      d.hint = "the platform or network is slow; check connectivity, or raise the timeout";
      break;
    case TransportFailure::kConnectionLost:
      d.code = "DBTPY413";
      what = "the connection was lost before a response arrived";
      d.hint = "a network or proxy problem; retry later";
      break;
    case TransportFailure::kBadUrl:
      d.code = "DBTPY415";
      what = "invalid URL";
      d.hint = "check the host/endpoint fields in the profile";
      break;
    case TransportFailure::kCancelled:
      d.code = "DBTPY417";
      what = "cancelled";
      d.hint = "the run was interrupted";
      break;
    case TransportFailure::kTooLarge:
      d.code = "DBTPY418";
      what = "the response is too large";
      d.hint = "this is unexpected for the platform's API; report it with --debug output";
      break;
    case TransportFailure::kOther:
      d.code = "DBTPY419";
      what = "failed";
      d.hint = "rerun with --debug for the transport log";
      break;
  }
  if (unsafe_to_resend) {
    d.code = "DBTPY414";
    d.hint =
        "the request may have reached the platform and cannot be safely resent; check on the "
        "platform whether it took effect before running again";
  }
  std::string msg = fmt::format("{} {} {}: {}", info.method, info.url, what, error.what());
  if (attempts > 1) msg += fmt::format(" (after {} attempts)", attempts);
  if (!info.note.empty()) msg += fmt::format("; {}", info.note);
  d.message = std::move(msg);
  return HttpError(std::move(info), std::move(d));
}

void ensure_success(const HttpRequest& request, const HttpResponse& response) {
  if (!response.ok()) throw status_error(request, response);
}

Json parse_json_response(const HttpRequest& request, const HttpResponse& response) {
  ensure_success(request, response);
  Json j = Json::parse(response.body, nullptr, false);
  if (j.is_discarded()) {
    HttpErrorInfo info;
    info.method = to_upper(request.method);
    info.url = redact_url(request.url);
    info.status = response.status;
    info.platform = parse_error_body(response.body);
    Diagnostic d;
    d.code = "DBTPY416";
    d.message = fmt::format("{} {} returned HTTP {} with a body that is not JSON: {}", info.method,
                            info.url, response.status,
                            info.platform.message.empty() ? "(empty)" : info.platform.message);
    d.hint =
        "is the host pointing at the right service? a proxy or captive portal may answer "
        "instead";
    throw HttpError(std::move(info), std::move(d));
  }
  return j;
}

}  // namespace dbtpy::submitters::http
