#include "sandbox/google/google_api.h"

#include "sandbox/google/errors.h"

namespace dbtpy::sandbox::google {

GoogleApi::GoogleApi(const SandboxConfig& config, const Clock& clock, Random& random, Stats& stats,
                     Catalog& catalog, RunPlanner& planner, const std::filesystem::path& state_dir)
    : oauth_(config, clock, random, stats),
      gcs_(config.google, state_dir, clock),
      storage_(gcs_, oauth_, random),
      dataproc_(config, clock, random, stats, catalog, planner, gcs_, oauth_),
      bigquery_(config, clock, random, stats, catalog, planner, oauth_) {}

void GoogleApi::register_routes(Router& r) {
  r.add("POST", "/token", "google.oauth.token", [this](Exchange& ex) { return oauth_.token(ex); });
  storage_.register_routes(r);
  dataproc_.register_routes(r);
  bigquery_.register_routes(r);
}

void GoogleApi::tick() {
  dataproc_.tick();
  bigquery_.tick();
}

Reply GoogleApi::error(int status, const std::string& message, Exchange& ex) {
  if (ex.req.path == "/token") {
    return Reply::json(status,
                       {{"error", status == 429 ? "rate_limit_exceeded" : "internal_failure"},
                        {"error_description", message}});
  }
  if (status == 404) {
    std::string path;
    for (char c : ex.req.path) {
      if (c == '<') {
        path += "&lt;";
      } else if (c == '>') {
        path += "&gt;";
      } else if (c == '&') {
        path += "&amp;";
      } else {
        path += c;
      }
    }
    Reply r;
    r.status = 404;
    r.content_type = "text/html; charset=UTF-8";
    r.body =
        "<!DOCTYPE html>\n<html lang=en>\n<title>Error 404 (Not Found)!!1</title>\n"
        "<p><b>404.</b> <ins>That\xe2\x80\x99s an error.</ins>\n<p>The requested URL <code>" +
        path + "</code> was not found on this server.  <ins>That\xe2\x80\x99s all we know.</ins>\n";
    return r;
  }
  bool legacy = ex.req.path.rfind("/storage/", 0) == 0 || ex.req.path.rfind("/upload/", 0) == 0 ||
                ex.req.path.rfind("/bigquery/", 0) == 0;
  std::string reason = status == 429   ? "rateLimitExceeded"
                       : status == 405 ? "methodNotAllowed"
                                       : "backendError";
  return google_error(status, message, legacy ? reason : "");
}

}  // namespace dbtpy::sandbox::google
