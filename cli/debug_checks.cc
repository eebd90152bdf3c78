#include "cli/debug_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "profiles/auth/authorized_http_client.h"
#include "profiles/auth/bearer_token_provider.h"
#include "profiles/auth/credentials.h"
#include "submitters/http/http_error.h"
#include "submitters/http/retry_loop.h"
#include "submitters/http/url.h"
#include "util/error.h"
#include "util/version.h"

namespace dbtpy::cli {
namespace {

namespace auth = profiles::auth;
namespace http = submitters::http;

constexpr size_t kLabelWidth = 34;

// Runs the checks and prints each outcome.
class DebugRun {
 public:
  DebugRun(const DebugInputs& in, const DebugDeps& deps, Reporter& out)
      : in_(in), deps_(deps), out_(out) {
    http::RetrySettings s;
    s.max_attempts = 3;
    s.max_duration = std::chrono::seconds(90);
    retry_ = std::make_unique<http::RetryLoop>(
        http::RetryLoop::with_settings(s, *deps.clock, *deps.sleeper, *deps.random));
  }

  int run() {
    header();
    // Resolve first so the connection block can show where each value came from; report the
    // outcome right after it.
    std::optional<auth::ResolvedCredentials> resolved;
    std::optional<Error> problem;
    try {
      resolved = auth::resolve_credentials(*in_.target, *in_.secrets, in_.sources);
    } catch (const Error& e) {
      problem = e;
    }
    connection(resolved ? *resolved : unresolved());
    bool ok = check("profile and credentials", [&]() -> std::string {
      if (problem) throw *problem;
      return "auth method: " + resolved->method;
    });
    std::shared_ptr<auth::AuthProvider> provider;
    ok = ok && check("credentials load", [&] {
           provider = auth::make_auth_provider(*resolved, token_deps());
           return provider->description();
         });
    ok = ok && check("token", [&] { return token(*provider); });
    if (ok) {
      switch (resolved->target.platform) {
        case profiles::Platform::kSnowflake:
          check("SELECT 1 through the SQL API",
                [&] { return snowflake_select1(*resolved, provider); });
          break;
        case profiles::Platform::kDatabricks:
          check("GET /api/2.0/preview/scim/v2/Me",
                [&] { return databricks_me(*resolved, provider); });
          break;
        case profiles::Platform::kBigQuery:
          check("GCS bucket metadata", [&] { return gcs_bucket(*resolved, provider); });
          break;
      }
    } else {
      skipped_ = true;
    }
    footer();
    return failures_;
  }

 private:
  // The profile's own view when resolution failed: its fields, no completions.
  auth::ResolvedCredentials unresolved() const {
    auth::ResolvedCredentials r;
    r.target = *in_.target;
    return r;
  }

  auth::TokenDeps token_deps() {
    return auth::TokenDeps{deps_.client, retry_.get(), deps_.clock, in_.sources.redactor};
  }

  void line(const std::string& text, Tone tone = Tone::kPlain, Json fields = Json::object()) {
    out_.event("debug", text, fields, tone, /*force=*/true);
  }

  void header() {
    line(fmt::format("dbtpy version: {}", kVersion));
    if (!in_.profiles_file.empty()) line("Using profiles.yml file at " + in_.profiles_file);
    const profiles::Target& t = *in_.target;
    line(fmt::format("Profile: {}  target: {}  type: {}", t.profile_name, t.name, t.type));
  }

  void connection(const auth::ResolvedCredentials& r) {
    line("Connection:");
    std::vector<std::string> shown;
    auto show = [&](const std::string& name, const std::string& value) {
      shown.push_back(name);
      line(fmt::format("  {}: {}", name, value), Tone::kPlain,
           Json{{"field", name}, {"value", value}});
    };
    // Fields of the completed target (non-secret by construction), with sources when they
    // did not come from the profile.
    if (r.target.fields.is_object()) {
      for (auto it = r.target.fields.begin(); it != r.target.fields.end(); ++it) {
        if (it->is_structured() || it.key() == "type") continue;  // type: in the header
        std::string value = it->is_string() ? it->get<std::string>() : it->dump();
        for (const auto& s : r.settings) {
          if (s.name == it.key() && s.source != "profile") value += " (" + s.source + ")";
        }
        show(it.key(), value);
      }
    }
    for (const auto& name : r.target.secret_field_names) {
      if (std::find(shown.begin(), shown.end(), name) == shown.end()) {
        show(name, std::string(Redactor::kMask));
      }
    }
    for (const auto& s : r.settings) {
      if (std::find(shown.begin(), shown.end(), s.name) != shown.end()) continue;
      show(s.name, auth::describe(s));
    }
    std::string api = !r.endpoints.snowflake.empty()    ? r.endpoints.snowflake
                      : !r.endpoints.databricks.empty() ? r.endpoints.databricks
                                                        : r.endpoints.storage;
    if (!api.empty()) show("API", api);
    if (!r.endpoints.dataproc.empty()) show("dataproc", r.endpoints.dataproc);
  }

  // Runs one check; prints "<name> ... [OK] detail" or "[ERROR]" and the diagnostics.
  template <class F>
  bool check(const std::string& name, F&& body) {
    std::string label = name + " ";
    if (label.size() < kLabelWidth) label += std::string(kLabelWidth - label.size(), '.');
    try {
      std::string detail = body();
      line(fmt::format("  {} [{}] {}", label, out_.paint("OK", Tone::kGood), detail), Tone::kPlain,
           Json{{"check", name}, {"status", "ok"}, {"detail", detail}});
      return true;
    } catch (const Error& e) {
      ++failures_;
      line(fmt::format("  {} [{}]", label, out_.paint("ERROR", Tone::kBad)), Tone::kPlain,
           Json{{"check", name}, {"status", "error"}});
      for (const auto& d : e.diagnostics())
        out_.diagnostic(add_hint(d));
    } catch (const std::exception& e) {
      ++failures_;
      line(fmt::format("  {} [{}]", label, out_.paint("ERROR", Tone::kBad)), Tone::kPlain,
           Json{{"check", name}, {"status", "error"}});
      Diagnostic d;
      d.code = "DBTPY001";
      d.message = e.what();
      d.hint = "this is unexpected; rerun with --debug and report it with the output";
      out_.diagnostic(d);
    }
    return false;
  }

  // Debug knows what a rejected key-pair JWT usually means; say it.
  Diagnostic add_hint(Diagnostic d) {
    if (d.code == "DBTPY402" && in_.target->platform == profiles::Platform::kSnowflake &&
        !fingerprint_.empty()) {
      d.hint = fmt::format(
          "check that RSA_PUBLIC_KEY_FP of user {} (DESC USER) is {}, that `account` names the "
          "right account, and that this machine's clock is correct",
          user_, fingerprint_);
    }
    return d;
  }

  std::string token(auth::AuthProvider& provider) {
    auto headers = provider.headers();
    if (auto* bearer = dynamic_cast<auth::BearerTokenProvider*>(&provider)) {
      if (auto t = bearer->current()) {
        auto left =
            std::chrono::duration_cast<std::chrono::minutes>(t->expires_at - deps_.clock->now());
        return fmt::format("obtained, valid for {} min", left.count());
      }
    }
    return "a fixed token (the call below checks it)";
  }

  http::HttpResponse call(const std::shared_ptr<auth::AuthProvider>& provider,
                          http::HttpRequest req) {
    auth::AuthorizedHttpClient api(*deps_.client, provider);
    req.set_header("Accept", "application/json");
    auto resp = retry_->send(api, req);
    http::ensure_success(req, resp);
    return resp;
  }

  std::string snowflake_select1(const auth::ResolvedCredentials& r,
                                const std::shared_ptr<auth::AuthProvider>& provider) {
    const auto& sf = std::get<auth::SnowflakeCredentials>(r.details);
    user_ = sf.user;
    if (auto* b = dynamic_cast<auth::BearerTokenProvider*>(provider.get());
        b && sf.auth == auth::SnowflakeAuth::kKeyPair) {
      auto d = b->description();
      if (auto p = d.find("SHA256:"); p != std::string::npos) {
        fingerprint_ = d.substr(p, d.find(')', p) - p);
      }
    }
    Json body = {{"statement", "SELECT 1"}, {"timeout", 60}};
    for (const char* k : {"warehouse", "role", "database", "schema"}) {
      if (auto v = r.target.string_field(k); v && !v->empty()) body[k] = *v;
    }
    http::HttpRequest req;
    req.method = "POST";
    req.url = r.endpoints.snowflake + "/api/v2/statements?requestId=" + deps_.ids->uuid4();
    req.body = body.dump();
    req.set_header("Content-Type", "application/json");
    auto started = deps_.clock->steady_now();
    auto resp = call(provider, req);
    Json j = http::parse_json_response(req, resp);
    std::string handle = j.value("statementHandle", "");
    // 202: still running (a cold account can take a moment); poll the handle for a bit.
    for (int i = 0; resp.status == 202 && i < 30 && !handle.empty(); ++i) {
      deps_.sleeper->sleep_for(std::chrono::seconds(1));
      http::HttpRequest poll;
      poll.url = r.endpoints.snowflake + "/api/v2/statements/" + handle;
      resp = call(provider, poll);
      j = http::parse_json_response(poll, resp);
    }
    if (resp.status == 202) {
      throw Error(ErrorKind::kRuntime,
                  Diagnostic{Severity::kError, "DBTPY450", "", 0, 0,
                             "SELECT 1 was still running after 30 s (statement " + handle + ")",
                             "check that the warehouse can start; see Query History"});
    }
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(deps_.clock->steady_now() - started);
    return fmt::format("statement {} ({} ms)", handle.empty() ? "?" : handle, ms.count());
  }

  std::string databricks_me(const auth::ResolvedCredentials& r,
                            const std::shared_ptr<auth::AuthProvider>& provider) {
    http::HttpRequest req;
    req.url = r.endpoints.databricks + "/api/2.0/preview/scim/v2/Me";
    auto resp = call(provider, req);
    Json j = http::parse_json_response(req, resp);
    return "authenticated as " + j.value("userName", j.value("displayName", std::string("?")));
  }

  std::string gcs_bucket(const auth::ResolvedCredentials& r,
                         const std::shared_ptr<auth::AuthProvider>& provider) {
    auto bucket = r.target.string_field("gcs_bucket");
    if (!bucket || bucket->empty()) {
      throw Error(
          ErrorKind::kUsage,
          Diagnostic{Severity::kError, "DBTPY451", in_.target->source_file, in_.target->source_line,
                     0, "the target has no `gcs_bucket`: Python models upload their code there",
                     "add `gcs_bucket: <bucket name>` to the target"});
    }
    http::HttpRequest req;
    req.url = r.endpoints.storage + "/storage/v1/b/" + http::url_encode(*bucket);
    auto resp = call(provider, req);
    Json j = http::parse_json_response(req, resp);
    return fmt::format("bucket {} ({})", j.value("name", *bucket),
                       j.value("location", std::string("location unknown")));
  }

  void footer() {
    if (failures_ == 0) {
      line("All checks passed!", Tone::kGood, Json{{"status", "ok"}});
    } else {
      line(fmt::format("{} check{} failed{}.", failures_, failures_ == 1 ? "" : "s",
                       skipped_ ? " (later checks skipped)" : ""),
           Tone::kBad, Json{{"status", "error"}, {"failures", failures_}});
    }
  }

  const DebugInputs& in_;
  const DebugDeps& deps_;
  Reporter& out_;
  std::unique_ptr<http::RetryLoop> retry_;
  int failures_ = 0;
  bool skipped_ = false;
  std::string fingerprint_;
  std::string user_;
};

}  // namespace

int run_debug_checks(const DebugInputs& inputs, const DebugDeps& deps, Reporter& reporter) {
  return DebugRun(inputs, deps, reporter).run();
}

}  // namespace dbtpy::cli
