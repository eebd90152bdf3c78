#include "submitters/executor.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <map>
#include <set>

#include "codegen/placeholders.h"
#include "submitters/databricks/user_name.h"
#include "submitters/failure_codes.h"
#include "submitters/follower.h"
#include "submitters/http/http_error.h"
#include "submitters/http/idempotency.h"
#include "submitters/http/url.h"
#include "submitters/run_lookups.h"
#include "submitters/step_request.h"
#include "submitters/traceback.h"
#include "util/error.h"
#include "util/strings.h"

namespace dbtpy::submitters {
namespace {

using codegen::Credential;
using codegen::PlaceholderValues;
using codegen::RequestStep;
using std::chrono::duration_cast;
using std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr size_t kBodyExcerpt = 2'000;
constexpr milliseconds kStatusRetryPause{5'000};

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

std::string json_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// Why the run stopped early, once known. The first failure wins: a later one (a cleanup, a
// cancel confirmation) is added to the message, never put in its place.
struct Failure {
  std::string code;
  std::string message;
  std::string traceback;  // raw remote traceback; mapped when the outcome is composed
  std::string hint;
  bool cancelled = false;  // ended by cancel(): the final status follows the cancel reason
};

class PayloadExecution final : public Execution, private FollowIo {
 public:
  PayloadExecution(const codegen::Payload& payload, const ExecutionOptions& options,
                   Clients clients, ExecutionObserver& observer)
      : payload_(payload),
        options_(options),
        clients_(clients),
        observer_(observer),
        clock_(options.clock ? *options.clock : system_clock()) {
    values_["RUN_ID"] = options_.run_id;
    values_["FULL_REFRESH"] = options_.full_refresh ? "true" : "false";
  }

  Next advance() override {
    exchanged_ = false;
    try {
      for (;;) {
        note_cancel();
        std::optional<Next> next;
        switch (phase_) {
          case Phase::kMain:
            next = main_step();
            break;
          case Phase::kFollow:
          case Phase::kCleanupFollow:
            next = follow_step();
            break;
          case Phase::kCleanup:
            next = cleanup_step();
            break;
          case Phase::kDone:
            return Next{Next::Kind::kDone, {}, {}};
        }
        if (next) return *next;
        if (phase_ == Phase::kDone) return Next{Next::Kind::kDone, {}, {}};
        if (exchanged_) return Next{Next::Kind::kContinue, {}, {}};
      }
    } catch (const Error& e) {
      const Diagnostic* d = e.diagnostics().empty() ? nullptr : &e.diagnostics().front();
      return internal_error(e.what(), d && !d->code.empty() ? d->code : codes::kInternal,
                            d ? d->hint : codes::hint(codes::kInternal));
    } catch (const std::exception& e) {
      return internal_error(e.what(), codes::kInternal, codes::hint(codes::kInternal));
    }
  }

  void cancel(CancelReason reason) override {
    reason_.store(reason);
    cancel_requested_.store(true);
  }

  const Outcome& outcome() const override { return outcome_; }

 private:
  enum class Phase { kMain, kFollow, kCleanup, kCleanupFollow, kDone };

  // ---- placeholders -----------------------------------------------------------------------

  PlaceholderValues values_for(const RequestStep& step) const {
    PlaceholderValues v;
    v.values = values_;
    v.values["REQUEST_ID"] =
        codegen::request_id(options_.run_id, payload_.unique_id, step.name, options_.attempt);
    v.payload = &payload_;
    return v;
  }

  bool run_if_holds(const RequestStep& step) const {
    if (!step.run_if) return true;
    return (values_.count(step.run_if->placeholder) > 0) == step.run_if->present;
  }

  bool needs_user_name(const RequestStep& step) const {
    if (values_.count("USER_NAME")) return false;
    for (const auto& n : step_placeholders(step))
      if (n == "USER_NAME") return true;
    return false;
  }

  // ${USER_NAME}: one SCIM Me call per run (RunLookups), one exchange here.
  void resolve_user_name(const RequestStep& step) {
    http::HttpClient& client = client_for(step.credential);
    const std::string origin = url_origin(step.url);
    auto fetch = [&] {
      exchanged_ = true;
      return databricks::fetch_user_name(client, origin);
    };
    values_["USER_NAME"] =
        options_.lookups ? options_.lookups->get_or_fetch("databricks.user_name " + origin, fetch)
                         : fetch();
  }

  // The request of a step as it is sent, including what its follower adds (Snowflake async).
  http::HttpRequest step_request(const RequestStep& step, const PlaceholderValues& values,
                                 Follower* follower) const {
    http::HttpRequest r = build_request(step, values);
    if (follower) {
      follower->prepare_submit(r);
    } else if (!step.follow.kind.empty()) {
      if (auto f = make_follower(step.follow.kind)) f->prepare_submit(r);
    }
    return r;
  }

  Json send_summary(const RequestStep& step, const http::HttpRequest& r,
                    const PlaceholderValues& values) const {
    Json s = {{"method", r.method},
              {"url", http::redact_url(r.url)},
              {"credential", std::string(codegen::credential_name(step.credential))}};
    if (!step.idempotency.key.empty()) {
      try {
        s["idempotency_key"] = codegen::substitute_text(step.idempotency.key, values);
      } catch (const std::invalid_argument&) {
      }
    }
    if (!step.idempotency.location.empty()) s["idempotency"] = step.idempotency.location;
    return s;
  }

  // Tells the observer about each cleanup armed by `armed_by` whose request can be formed now,
  // once; so the ledger holds it before the thing it removes could be lost.
  void announce_cleanups(const std::string& armed_by) {
    for (const auto& s : payload_.steps) {
      if (!s.cleanup || s.armed_by != armed_by || announced_.count(s.name)) continue;
      Json record;
      try {
        record = request_record(step_request(s, values_for(s), nullptr), s.credential);
      } catch (const std::invalid_argument&) {
        continue;  // needs a value the armed step's answer brings
      }
      announced_[s.name] = record;
      observer_.cleanup(s.name, record, false);
    }
  }

  // ---- HTTP -------------------------------------------------------------------------------

  http::HttpClient& client_for(Credential c) const {
    http::HttpClient* client = nullptr;
    switch (c) {
      case Credential::kSnowflake:
        client = clients_.snowflake;
        break;
      case Credential::kDatabricks:
        client = clients_.databricks;
        break;
      case Credential::kGoogle:
        client = clients_.google;
        break;
      case Credential::kNone:
        client = clients_.snowflake    ? clients_.snowflake
                 : clients_.databricks ? clients_.databricks
                                       : clients_.google;
        break;
    }
    if (!client) {
      Diagnostic d;
      d.code = codes::kNoClient;
      d.message = fmt::format("the payload of {} needs the {} credential, which the target has not",
                              payload_.unique_id, codegen::credential_name(c));
      d.hint = "compile and run with the same target (`dbtpy compile` output is target-specific)";
      throw Error(ErrorKind::kRuntime, std::move(d));
    }
    return *client;
  }

  // One exchange through the credential's client. Transport failures of a client that does
  // not retry (a bare transport) become HttpErrors too, so callers handle one error type.
  http::HttpResponse exchange(Credential c, const http::HttpRequest& r) {
    exchanged_ = true;
    http::HttpClient& client = client_for(c);
    const SteadyTime start = clock_.steady_now();
    try {
      http::HttpResponse resp = client.send(r);
      spdlog::debug("{} {} -> HTTP {} ({} ms)", r.method, http::redact_url(r.url), resp.status,
                    duration_cast<milliseconds>(clock_.steady_now() - start).count());
      return resp;
    } catch (const http::TransportError& e) {
      const bool unsafe =
          e.may_have_been_sent() && !http::PlatformIdempotencyPolicy().is_idempotent(r);
      throw http::transport_error(r, e, 1, {}, unsafe);
    }
  }

  // FollowIo: the followed step's credential; the observer hears of state changes.
  http::HttpResponse get(const std::string& url) override {
    http::HttpRequest r;
    r.method = "GET";
    r.url = url;
    r.set_header("Accept", "application/json");
    return exchange(follow_step_->credential, r);
  }

  http::HttpResponse post(std::string_view label, const std::string& url,
                          const std::optional<Json>& body, http::Idempotency idempotency) override {
    http::HttpRequest r;
    r.method = "POST";
    r.url = url;
    r.set_header("Accept", "application/json");
    if (body) {
      r.body = body->dump();
      r.set_header("Content-Type", "application/json");
    }
    r.idempotency = idempotency;
    observer_.before_send(
        follow_step_->name + ":" + std::string(label),
        Json{{"method", "POST"},
             {"url", http::redact_url(url)},
             {"credential", std::string(codegen::credential_name(follow_step_->credential))}});
    return exchange(follow_step_->credential, r);
  }

  http::HttpResponse get_google(const std::string& url) override {
    http::HttpRequest r;
    r.method = "GET";
    r.url = url;
    return exchange(Credential::kGoogle, r);
  }

  std::string storage_origin() const override {
    for (const auto& s : payload_.steps) {
      for (std::string_view marker : {"/upload/storage/v1/", "/storage/v1/"}) {
        std::string base = url_prefix(s.url, marker);
        if (!base.empty()) return base;
      }
    }
    return "https://storage.googleapis.com";
  }

  const Clock& clock() const override { return clock_; }
  bool show_output() const override { return options_.show_output; }
  const ExecutionLimits& limits() const override { return options_.limits; }

  // ---- main sequence ----------------------------------------------------------------------

  std::optional<Next> main_step() {
    const auto& steps = payload_.steps;
    while (index_ < steps.size() && (steps[index_].cleanup || !run_if_holds(steps[index_])))
      ++index_;
    if (index_ >= steps.size()) {
      phase_ = Phase::kCleanup;
      return std::nullopt;
    }
    const RequestStep& step = steps[index_];
    if (needs_user_name(step)) {
      try {
        resolve_user_name(step);
      } catch (const Error& e) {
        fail_from_error(e, codes::kUserName);
      }
      return std::nullopt;
    }
    const PlaceholderValues values = values_for(step);
    std::unique_ptr<Follower> follower;
    if (!step.follow.kind.empty()) {
      follower = make_follower(step.follow.kind);
      if (!follower) {
        fail({codes::kUnknownFollowKind,
              fmt::format("step {} starts remote work of kind '{}', which this dbtpy cannot "
                          "follow; nothing was sent",
                          step.name, step.follow.kind),
              {},
              "compile and run with the same dbtpy version"});
        return std::nullopt;
      }
    }
    http::HttpRequest request;
    try {
      request = step_request(step, values, follower.get());
    } catch (const std::invalid_argument& e) {
      fail({codes::kPlaceholder,
            fmt::format("step {} cannot be formed: {}; nothing was sent", step.name, e.what()),
            {},
            codes::hint(codes::kPlaceholder)});
      return std::nullopt;
    }
    announce_cleanups(step.name);
    const bool uploading = upload_ && upload_->step == step.name;  // a later chunk
    if (request.method != "GET" && !uploading)
      observer_.before_send(step.name, send_summary(step, request, values));
    sent_.insert(step.name);

    http::HttpResponse response;
    try {
      if (resumable(request)) {
        std::optional<http::HttpResponse> done = upload_exchange(step, request);
        if (!done) return std::nullopt;  // one chunk (or the session) sent; more to come
        response = std::move(*done);
      } else {
        response = exchange(step.credential, request);
      }
    } catch (const http::HttpError& e) {
      upload_.reset();
      fail_send(step, request, e);
      return std::nullopt;
    }

    const bool follower_reads = follower && follower->reads_submit_status(response.status);
    if (!response.ok() && !follower_reads) {
      if (response.status == 409 && follower && keyed(step))
        return attach(step, request, response, std::move(follower), values);
      const http::HttpError e = http::status_error(request, response);
      fail({codes::kRequestFailed,
            fmt::format("step {}: {}", step.name, e.what()),
            {},
            e.diagnostics().empty() ? "" : e.diagnostics().front().hint});
      return std::nullopt;
    }

    Json body = response.body.empty() ? Json::object() : Json::parse(response.body, nullptr, false);
    const bool needs_body = !step.captures.empty() || !step.checks.empty() || follower;
    if (body.is_discarded()) {
      if (needs_body) {
        fail_missing(step, "a JSON body", response);
        return std::nullopt;
      }
      body = Json::object();
    }
    for (const auto& c : step.captures) {
      const Json* v = at_pointer(body, c.pointer);
      if (!v || v->is_null()) {
        if (c.optional) {
          values_.erase(c.name);
          continue;
        }
        fail_missing(step, c.pointer, response);
        return std::nullopt;
      }
      values_[c.name] = *v;
    }
    announce_cleanups(step.name);
    for (const auto& check : step.checks) {
      const bool exists = at_pointer(body, check.pointer) != nullptr;
      if (exists != check.must_exist) {
        fail({codes::kCheckFailed,
              fmt::format("step {}: {}", step.name, check.message),
              {},
              codes::hint(codes::kCheckFailed)});
        return std::nullopt;
      }
    }
    if (!follower) {
      ++index_;
      return std::nullopt;
    }
    const Json* handle = at_pointer(body, step.follow.handle);
    if (!handle || handle->is_null() || handle->is_structured()) {
      fail_missing(step, step.follow.handle, response, /*work_may_run=*/true);
      return std::nullopt;
    }
    if (!start_follow(step, std::move(follower), *handle, values, Phase::kFollow))
      return std::nullopt;
    return apply(follower_->on_submit(response, body, *this));
  }

  // ---- Cloud Storage resumable upload ---------------------------------------------------------
  // A media upload larger than ExecutionLimits::resumable_upload_bytes goes as a resumable
  // session instead, one exchange per advance(): the session start, then one chunk each (a
  // multiple of 256 KiB), until GCS answers with the object. A lost answer to a chunk is resent
  // by the transport (PUT; GCS accepts overlapping chunks); the server's Range header says
  // where to go on.
  bool resumable(const http::HttpRequest& r) const {
    return r.method == "POST" && r.body.size() > options_.limits.resumable_upload_bytes &&
           r.url.find("/upload/storage/v1/") != std::string::npos &&
           http::query_param(r.url, "uploadType").value_or("") == "media";
  }

  size_t chunk_bytes() const {
    constexpr size_t kQuantum = 256 * 1024;
    return std::max(kQuantum, options_.limits.resumable_upload_bytes / kQuantum * kQuantum);
  }

  std::optional<http::HttpResponse> upload_exchange(const RequestStep& step,
                                                    const http::HttpRequest& media) {
    const size_t total = media.body.size();
    if (!upload_ || upload_->step != step.name) {
      http::HttpRequest start;
      start.method = "POST";
      start.url = http::with_query_param(media.url, "uploadType", "resumable");
      start.headers = media.headers;
      start.remove_header("Content-Type");
      start.set_header("X-Upload-Content-Type",
                       media.header("Content-Type").value_or("application/octet-stream"));
      start.set_header("X-Upload-Content-Length", std::to_string(total));
      start.set_header("Content-Type", "application/json; charset=UTF-8");
      start.body = "{}";
      // Opening a session creates nothing (an unused one expires): safe to resend.
      start.idempotency = http::Idempotency::kIdempotent;
      http::HttpResponse r = exchange(step.credential, start);
      if (!r.ok()) return r;
      auto location = r.header("Location");
      if (!location || location->empty()) {
        r.status = 502;  // reported as a refused step, with the answer
        r.body = "the resumable upload session answer has no Location header: " + r.body;
        return r;
      }
      upload_ = Upload{step.name, *location, 0};
      return std::nullopt;
    }
    const size_t end = std::min(total, upload_->offset + chunk_bytes());
    http::HttpRequest put;
    put.method = "PUT";
    put.url = upload_->session_url;
    put.set_header("Content-Range", fmt::format("bytes {}-{}/{}", upload_->offset, end - 1, total));
    put.set_header("Content-Type",
                   media.header("Content-Type").value_or("application/octet-stream"));
    put.body = media.body.substr(upload_->offset, end - upload_->offset);
    put.timeout = media.timeout;
    http::HttpResponse r = exchange(step.credential, put);
    if (r.status == 308) {
      // "bytes=0-N": the first N+1 bytes are stored (none when there is no Range header).
      size_t stored = 0;
      if (auto range = r.header("Range"); range && range->find('-') != std::string::npos) {
        const std::string last = range->substr(range->find('-') + 1);
        size_t n = 0;
        auto [ptr, ec] = std::from_chars(last.data(), last.data() + last.size(), n);
        if (ec == std::errc() && ptr != last.data()) stored = n + 1;
      }
      upload_->offset = stored;
      return std::nullopt;
    }
    upload_.reset();
    return r;  // the object (200/201), or the refusal
  }

  static bool keyed(const RequestStep& step) {
    const auto& loc = step.idempotency.location;
    return loc.starts_with("query:") || loc.starts_with("body:");
  }

  // 409 to a create that carries our own idempotent id: an earlier send of this very request
  // arrived (the transport resent it after a lost answer). Follow that work.
  // Used for main steps (phase kFollow) and cleanup steps (kCleanupFollow) alike.
  std::optional<Next> attach(const RequestStep& step, const http::HttpRequest& request,
                             const http::HttpResponse& response, std::unique_ptr<Follower> follower,
                             const PlaceholderValues& values, Phase phase = Phase::kFollow) {
    const bool cleanup = phase == Phase::kCleanupFollow;
    FollowTarget pre;
    pre.step = &step;
    try {
      pre.status_url = codegen::substitute_url(step.follow.status_url, values);
    } catch (const std::invalid_argument&) {
      // the status URL needs the handle itself
    }
    follower->set_target(pre);
    follow_step_ = &step;
    std::optional<Json> handle;
    try {
      handle = follower->attach(Json::parse(request.body, nullptr, false), *this);
    } catch (const std::exception& e) {
      spdlog::warn("step {}: could not look up the existing work: {}", step.name, e.what());
    }
    if (!handle) {
      const http::HttpError e = http::status_error(request, response);
      const std::string message = fmt::format(
          "step {}: {} (the id is this run's own, but the existing work could not "
          "be found to follow it)",
          step.name, e.what());
      if (cleanup) {
        cleanup_problem(step, message);
        ++cleanup_index_;
      } else {
        fail({codes::kRequestFailed, message, {}, codes::hint(codes::kRequestFailed)});
      }
      return std::nullopt;
    }
    spdlog::info("{}: step {} was already created by an earlier send ({}); following it",
                 payload_.unique_id, step.name, json_text(*handle));
    if (!start_follow(step, std::move(follower), *handle, values, phase)) {
      if (cleanup) ++cleanup_index_;
      return std::nullopt;
    }
    return apply(FollowUpdate::running("ATTACHED"));
  }

  bool start_follow(const RequestStep& step, std::unique_ptr<Follower> follower, const Json& handle,
                    const PlaceholderValues& values, Phase phase) {
    follow_values_ = values;
    follow_values_.values["HANDLE"] = handle;
    FollowTarget t;
    t.step = &step;
    t.handle = handle;
    t.handle_text = json_text(handle);
    try {
      t.status_url = codegen::substitute_url(step.follow.status_url, follow_values_);
    } catch (const std::invalid_argument& e) {
      Failure f{codes::kPlaceholder,
                fmt::format("step {} started {} but its status URL cannot be formed: {}", step.name,
                            t.handle_text, e.what()),
                {},
                codes::hint(codes::kPlaceholder)};
      if (phase == Phase::kCleanupFollow) {
        cleanup_problem(step, f.message);
      } else {
        fail(std::move(f));
      }
      return false;
    }
    follower->set_target(std::move(t));
    follower_ = std::move(follower);
    follow_step_ = &step;
    follow_started_ = clock_.steady_now();
    last_state_.clear();
    unknown_since_.reset();
    status_failing_since_.reset();
    cancel_due_ = false;
    cancel_sent_ = false;
    emitted_url_.clear();
    phase_ = phase;
    emit_handle();
    return true;
  }

  void emit_handle() {
    RemoteHandle h;
    h.step = follow_step_->name;
    h.kind = follow_step_->follow.kind;
    h.id = follower_->target().handle_text;
    h.url = follower_->console_url();
    h.detail = Json{{"status_url", follower_->target().status_url},
                    {"credential", std::string(codegen::credential_name(follow_step_->credential))},
                    {"unique_id", payload_.unique_id}};
    try {
      if (auto c = build_cancel_request(follow_step_->follow, follow_values_))
        h.detail["cancel"] = request_record(*c, follow_step_->credential);
    } catch (const std::invalid_argument&) {
    }
    emitted_url_ = h.url;
    observer_.handle_created(h);
  }

  // ---- following --------------------------------------------------------------------------

  bool in_cleanup() const { return phase_ == Phase::kCleanupFollow; }

  std::optional<Next> follow_step() {
    if (cancel_due_ && !cancel_sent_) return send_cancel();
    FollowUpdate u;
    try {
      u = follower_->poll(*this);
    } catch (const http::HttpError& e) {
      return status_failed(e.info().status, e.what(),
                           e.diagnostics().empty() ? "" : e.diagnostics().front().hint);
    } catch (const Error& e) {
      return status_failed(0, e.what(), "");
    }
    status_failing_since_.reset();
    return apply(u);
  }

  std::optional<Next> status_failed(int status, const std::string& what, const std::string& hint) {
    const SteadyTime now = clock_.steady_now();
    const std::string subject =
        fmt::format("{} {}", follower_->noun(), follower_->target().handle_text);
    const bool transient = status == 0 || status == 408 || status == 429 || status >= 500;
    if (in_cleanup()) {
      if (transient && now - follow_started_ < options_.limits.cleanup_follow)
        return poll_later(kStatusRetryPause);
      cleanup_problem(*follow_step_, fmt::format("could not follow {}: {}", subject, what));
      end_cleanup_follow();
      return std::nullopt;
    }
    if (cancel_sent_) {
      if (transient && now - cancel_sent_at_ < options_.limits.cancel_confirm)
        return poll_later(kStatusRetryPause);
      return cancel_unconfirmed();
    }
    if (transient) {
      if (!status_failing_since_) {
        status_failing_since_ = now;
        spdlog::warn("{}: checking {} failed ({}); still following it", payload_.unique_id, subject,
                     what);
      }
      if (now - *status_failing_since_ < options_.limits.status_failures)
        return poll_later(kStatusRetryPause);
      abandon({codes::kLostTrack,
               fmt::format(
                   "dbtpy lost track of {}: its status could not be read for {} s ({})", subject,
                   duration_cast<milliseconds>(now - *status_failing_since_).count() / 1000, what),
               {},
               codes::hint(codes::kLostTrack)});
      return std::nullopt;
    }
    abandon({codes::kRequestFailed,
             fmt::format("could not follow {}: {}", subject, what),
             {},
             hint.empty() ? codes::hint(codes::kRequestFailed) : hint});
    return std::nullopt;
  }

  Next poll_later(milliseconds not_before = milliseconds(0)) const {
    return Next{Next::Kind::kPoll, not_before,
                duration_cast<milliseconds>(clock_.steady_now() - follow_started_)};
  }

  std::optional<Next> apply(const FollowUpdate& u) {
    const SteadyTime now = clock_.steady_now();
    if (!u.state.empty() && u.state != last_state_) {
      last_state_ = u.state;
      observer_.remote_state(follow_step_->name, u.state, u.message);
    }
    if (follower_->console_url() != emitted_url_) emit_handle();
    switch (u.kind) {
      case FollowUpdate::Kind::kRunning:
        return still_running(u, now);
      case FollowUpdate::Kind::kMore:
        return std::nullopt;
      case FollowUpdate::Kind::kRestart:
        return restart(u);
      case FollowUpdate::Kind::kSucceeded:
        collect();
        if (in_cleanup()) {
          observer_.cleanup(follow_step_->name, announced_[follow_step_->name], true);
          end_cleanup_follow();
        } else {
          finished_follow_success();
        }
        return std::nullopt;
      case FollowUpdate::Kind::kFailed:
        collect();
        if (in_cleanup()) {
          cleanup_problem(*follow_step_, u.message);
          end_cleanup_follow();
        } else {
          finished_follow_failure(u);
        }
        return std::nullopt;
    }
    return std::nullopt;
  }

  std::optional<Next> still_running(const FollowUpdate& u, SteadyTime now) {
    const std::string subject =
        fmt::format("{} {}", follower_->noun(), follower_->target().handle_text);
    if (!u.known_state) {
      if (!unknown_since_) {
        unknown_since_ = now;
        spdlog::warn("{}: {} reports the unknown state '{}'; waiting up to {} s for a known one",
                     payload_.unique_id, subject, u.state,
                     options_.limits.unknown_state.count() / 1000);
      } else if (now - *unknown_since_ >= options_.limits.unknown_state && !in_cleanup() &&
                 !cancel_sent_) {
        abandon({codes::kUnknownState,
                 fmt::format("{} stayed in the unknown state '{}' for {} s", subject, u.state,
                             duration_cast<milliseconds>(now - *unknown_since_).count() / 1000),
                 {},
                 codes::hint(codes::kUnknownState)});
        return std::nullopt;
      }
    } else {
      unknown_since_.reset();
    }
    if (in_cleanup() && now - follow_started_ >= options_.limits.cleanup_follow) {
      cleanup_problem(*follow_step_,
                      fmt::format("{} was still {} after {} s; it was left to finish", subject,
                                  u.state, options_.limits.cleanup_follow.count() / 1000));
      end_cleanup_follow();
      return std::nullopt;
    }
    if (cancel_sent_ && now - cancel_sent_at_ >= options_.limits.cancel_confirm)
      return cancel_unconfirmed();
    return poll_later(u.not_before);
  }

  std::optional<Next> restart(const FollowUpdate& u) {
    const RequestStep& step = *follow_step_;
    const int made = ++restarts_[step.name];
    // The failed thing was destroyed: its armed cleanups are done, and its captures are stale.
    for (const auto& s : payload_.steps) {
      if (!s.cleanup || s.armed_by != step.name) continue;
      if (auto it = announced_.find(s.name); it != announced_.end()) {
        observer_.cleanup(s.name, it->second, true);
        announced_.erase(it);
      }
    }
    for (const auto& c : step.captures)
      values_.erase(c.name);
    follower_.reset();
    if (made >= options_.limits.context_attempts || cancel_seen_) {
      fail({codes::kContextFailed,
            fmt::format("{} (attempt {} of {})", u.message, made, options_.limits.context_attempts),
            {},
            codes::hint(codes::kContextFailed)});
      sent_.erase(step.name);  // nothing of it is left to clean up
      return std::nullopt;
    }
    spdlog::warn("{}: {}; creating another (attempt {} of {})", payload_.unique_id, u.message,
                 made + 1, options_.limits.context_attempts);
    sent_.erase(step.name);
    phase_ = Phase::kMain;  // index_ still points at the step: it is sent again
    return Next{Next::Kind::kPoll, milliseconds(1000LL << std::min(made - 1, 4)), {}};
  }

  void collect() {
    // A cleanup's remote work (a DROP, a BigQuery job) is not the model's: its ids and output
    // must not replace the ones the user reads.
    if (in_cleanup()) return;
    follower_->describe(adapter_);
    if (std::string out = follower_->remote_output(); !out.empty()) remote_output_ = out;
    for (auto& n : follower_->code_names())
      code_names_.push_back(std::move(n));
    last_summary_ =
        fmt::format("{} {}: {}", follower_->noun(), follower_->target().handle_text, last_state_);
  }

  bool later_main_steps() const {
    for (size_t i = index_ + 1; i < payload_.steps.size(); ++i)
      if (!payload_.steps[i].cleanup) return true;
    return false;
  }

  void finished_follow_success() {
    if (cancel_seen_ && failure_ && failure_->cancelled) {
      if (!later_main_steps()) {
        // The work ended well before the cancel took effect: the model is built.
        spdlog::info("{}: finished before the cancel took effect", payload_.unique_id);
        failure_.reset();
        ++index_;
        phase_ = Phase::kMain;
        return;
      }
      failure_->message +=
          fmt::format("; {} had finished, the later steps were not run", last_summary_);
      phase_ = Phase::kCleanup;
      return;
    }
    if (failure_) {  // abandoned (unknown state, lost track) but it ended well meanwhile
      failure_.reset();
    }
    ++index_;
    phase_ = Phase::kMain;
  }

  void finished_follow_failure(const FollowUpdate& u) {
    if (failure_) {
      // Cancelled by us (or abandoned): the platform's account confirms it.
      failure_->message += fmt::format("; the platform confirmed: {}", first_line(u.message));
    } else {
      fail({u.code.empty() ? codes::kRemoteFailed : u.code, u.message, u.traceback,
            codes::hint(u.code.empty() ? codes::kRemoteFailed : u.code)});
    }
    phase_ = Phase::kCleanup;
  }

  // Stops following because of `f`; cancels the remote work first when it can be cancelled.
  void abandon(Failure f) {
    if (!failure_) failure_ = std::move(f);
    if (can_cancel() && !cancel_sent_) {
      cancel_due_ = true;
    } else {
      phase_ = Phase::kCleanup;
    }
  }

  bool can_cancel() const {
    return follower_ && !follow_step_->follow.cancel_url.empty() && phase_ == Phase::kFollow;
  }

  std::optional<Next> send_cancel() {
    cancel_sent_ = true;
    cancel_sent_at_ = clock_.steady_now();
    const RequestStep& step = *follow_step_;
    std::optional<http::HttpRequest> request;
    try {
      request = build_cancel_request(step.follow, follow_values_);
    } catch (const std::invalid_argument& e) {
      spdlog::warn("{}: the cancel request of step {} cannot be formed: {}", payload_.unique_id,
                   step.name, e.what());
    }
    if (!request) {
      phase_ = Phase::kCleanup;
      return std::nullopt;
    }
    observer_.before_send(
        step.name + ":cancel",
        Json{{"method", request->method},
             {"url", http::redact_url(request->url)},
             {"credential", std::string(codegen::credential_name(step.credential))}});
    try {
      http::HttpResponse r = exchange(step.credential, *request);
      if (!r.ok()) {
        // Often "not running any more" (Snowflake 000605, Dataproc FAILED_PRECONDITION): the
        // status calls that follow tell what happened.
        spdlog::info("{}: cancel of {} {} answered HTTP {}: {}", payload_.unique_id,
                     follower_->noun(), follower_->target().handle_text, r.status,
                     http::parse_error_body(r.body).summary());
      }
    } catch (const http::HttpError& e) {
      spdlog::warn("{}: cancel of {} {} failed: {}", payload_.unique_id, follower_->noun(),
                   follower_->target().handle_text, e.what());
    }
    return poll_later();
  }

  std::optional<Next> cancel_unconfirmed() {
    if (failure_) {
      failure_->message += fmt::format(
          "; the platform had not confirmed the cancel of {} {} after {} s (last state {}): it "
          "may still be running",
          follower_->noun(), follower_->target().handle_text,
          options_.limits.cancel_confirm.count() / 1000,
          last_state_.empty() ? "unknown" : last_state_);
      if (failure_->hint.empty() || failure_->cancelled)
        failure_->hint = codes::hint(codes::kCancelUnconfirmed);
    }
    phase_ = Phase::kCleanup;
    return std::nullopt;
  }

  // ---- cancel -----------------------------------------------------------------------------

  void note_cancel() {
    if (!cancel_requested_.load() || cancel_seen_) return;
    cancel_seen_ = true;
    const CancelReason reason = reason_.load();
    Failure f;
    f.cancelled = true;
    switch (reason) {
      case CancelReason::kTimeout:
        f.code = codes::kTimedOut;
        f.message = "timed out: the model's `timeout` elapsed";
        break;
      case CancelReason::kSignal:
        f.code = codes::kCancelled;
        f.message = "cancelled: the run was interrupted";
        break;
      case CancelReason::kFailFast:
        f.code = codes::kCancelled;
        f.message = "cancelled by --fail-fast after another model failed";
        break;
      case CancelReason::kUser:
        f.code = codes::kCancelled;
        f.message = "cancelled";
        break;
    }
    f.hint = codes::hint(f.code);
    switch (phase_) {
      case Phase::kMain:
        if (!failure_) failure_ = f;
        phase_ = Phase::kCleanup;
        break;
      case Phase::kFollow:
        if (!failure_) failure_ = f;
        if (can_cancel()) {
          failure_->message += fmt::format("; cancelling {} {} on the platform", follower_->noun(),
                                           follower_->target().handle_text);
          if (!cancel_sent_) cancel_due_ = true;
        } else {
          failure_->message += fmt::format("; {} {} cannot be cancelled and was left to finish",
                                           follower_->noun(), follower_->target().handle_text);
          phase_ = Phase::kCleanup;
        }
        break;
      case Phase::kCleanup:
      case Phase::kCleanupFollow:
      case Phase::kDone:
        break;  // the model's work is over; cleanups still run
    }
  }

  // ---- cleanup ----------------------------------------------------------------------------

  std::optional<Next> cleanup_step() {
    const auto& steps = payload_.steps;
    while (cleanup_index_ < steps.size() && !steps[cleanup_index_].cleanup)
      ++cleanup_index_;
    if (cleanup_index_ >= steps.size()) {
      finish();
      return Next{Next::Kind::kDone, {}, {}};
    }
    const RequestStep& step = steps[cleanup_index_];
    if (!sent_.count(step.armed_by)) {
      ++cleanup_index_;
      return std::nullopt;
    }
    if (needs_user_name(step)) {
      try {
        resolve_user_name(step);
      } catch (const Error& e) {
        cleanup_problem(step, e.what());
        ++cleanup_index_;
      }
      return std::nullopt;
    }
    const PlaceholderValues values = values_for(step);
    std::unique_ptr<Follower> follower =
        step.follow.kind.empty() ? nullptr : make_follower(step.follow.kind);
    http::HttpRequest request;
    try {
      request = step_request(step, values, follower.get());
    } catch (const std::invalid_argument& e) {
      // Rule 3: a cleanup whose values never became known (the armed step got no answer) has
      // nothing it could name.
      spdlog::debug("{}: cleanup {} skipped: {}", payload_.unique_id, step.name, e.what());
      ++cleanup_index_;
      return std::nullopt;
    }
    const Json record = request_record(request, step.credential);
    if (!announced_.count(step.name)) {
      announced_[step.name] = record;
      observer_.cleanup(step.name, record, false);
    }
    observer_.before_send(step.name, send_summary(step, request, values));
    sent_.insert(step.name);
    http::HttpResponse response;
    try {
      response = exchange(step.credential, request);
    } catch (const http::HttpError& e) {
      cleanup_problem(step, e.what());
      ++cleanup_index_;
      return std::nullopt;
    }
    if (!response.ok() && !(follower && follower->reads_submit_status(response.status))) {
      // A cleanup job whose first send arrived although its answer was lost (a BigQuery DROP
      // job resent with the same job id): follow that one.
      if (response.status == 409 && follower && keyed(step))
        return attach(step, request, response, std::move(follower), values, Phase::kCleanupFollow);
      const http::PlatformError pe = http::parse_error_body(response.body);
      if (response.status == 404 || pe.code == "RESOURCE_DOES_NOT_EXIST") {
        observer_.cleanup(step.name, record, true);  // already gone
      } else {
        cleanup_problem(step, http::status_error(request, response).what());
      }
      ++cleanup_index_;
      return std::nullopt;
    }
    if (!follower) {
      observer_.cleanup(step.name, record, true);
      ++cleanup_index_;
      return std::nullopt;
    }
    const Json body = Json::parse(response.body, nullptr, false);
    const Json* handle = body.is_discarded() ? nullptr : at_pointer(body, step.follow.handle);
    if (!handle || handle->is_null() || handle->is_structured()) {
      cleanup_problem(step, fmt::format("the answer has no {}: {}", step.follow.handle,
                                        excerpt(response.body)));
      ++cleanup_index_;
      return std::nullopt;
    }
    if (!start_follow(step, std::move(follower), *handle, values, Phase::kCleanupFollow)) {
      ++cleanup_index_;
      return std::nullopt;
    }
    return apply(follower_->on_submit(response, body, *this));
  }

  void end_cleanup_follow() {
    follower_.reset();
    ++cleanup_index_;
    phase_ = Phase::kCleanup;
  }

  void cleanup_problem(const RequestStep& step, const std::string& what) {
    std::string line = fmt::format("cleanup {} failed: {}", step.name, what);
    spdlog::warn("{}: {}", payload_.unique_id, line);
    outcome_.cleanup_failures.push_back(std::move(line));
  }

  // ---- failures ---------------------------------------------------------------------------

  void fail(Failure f) {
    if (!failure_) failure_ = std::move(f);
    follower_.reset();
    phase_ = Phase::kCleanup;
  }

  void fail_from_error(const Error& e, const std::string& fallback_code) {
    std::string code = fallback_code;
    std::string hint;
    if (!e.diagnostics().empty()) {
      if (!e.diagnostics().front().code.empty()) code = e.diagnostics().front().code;
      hint = e.diagnostics().front().hint;
    }
    fail({code, e.what(), {}, hint});
  }

  void fail_send(const RequestStep& step, const http::HttpRequest& request,
                 const http::HttpError& e) {
    const auto& info = e.info();
    const bool resendable = http::PlatformIdempotencyPolicy().is_idempotent(request);
    if (info.status == 0 && info.may_have_been_sent && !resendable) {
      fail({codes::kOutcomeUnknown,
            fmt::format("step {}: {}{}", step.name, e.what(),
                        step.follow.kind.empty()
                            ? ""
                            : "; the remote work may have started without dbtpy knowing its id"),
            {},
            codes::hint(codes::kOutcomeUnknown)});
      return;
    }
    fail({codes::kRequestFailed,
          fmt::format("step {}: {}", step.name, e.what()),
          {},
          e.diagnostics().empty() ? codes::hint(codes::kRequestFailed)
                                  : e.diagnostics().front().hint});
  }

  void fail_missing(const RequestStep& step, const std::string& what,
                    const http::HttpResponse& response, bool work_may_run = false) {
    fail({codes::kMissingField,
          fmt::format(
              "step {}: the answer (HTTP {}) has no {}{}; it was: {}", step.name, response.status,
              what,
              work_may_run ? ", so the remote work it may have started cannot be followed" : "",
              excerpt(response.body)),
          {},
          codes::hint(codes::kMissingField)});
  }

  std::string excerpt(std::string_view body) const {
    std::string text(body.substr(0, kBodyExcerpt));
    if (body.size() > kBodyExcerpt) text += fmt::format("... ({} bytes)", body.size());
    if (text.empty()) text = "(empty)";
    return options_.redactor ? options_.redactor->redact(text) : text;
  }

  // An exception out of a phase: an observer that could not record (the ledger's disk is
  // full), a payload the target has no client for, or a dbtpy bug. Nothing more is sent for
  // the model's main sequence; cleanups still run.
  Next internal_error(const std::string& what, const std::string& code, const std::string& hint) {
    spdlog::error("{}: {}", payload_.unique_id, what);
    Failure f{code,
              code == codes::kInternal ? "dbtpy failed while running the model: " + what : what,
              {},
              hint};
    if (phase_ == Phase::kCleanup || phase_ == Phase::kCleanupFollow) {
      outcome_.cleanup_failures.push_back(f.message);
      ++cleanup_index_;
      follower_.reset();
      phase_ = Phase::kCleanup;
    } else if (phase_ != Phase::kDone) {
      if (!failure_) failure_ = f;
      follower_.reset();
      phase_ = Phase::kCleanup;
    }
    if (phase_ == Phase::kDone) return Next{Next::Kind::kDone, {}, {}};
    return Next{Next::Kind::kContinue, {}, {}};
  }

  static std::string first_line(std::string_view text) {
    auto nl = text.find('\n');
    return std::string(nl == std::string_view::npos ? text : text.substr(0, nl));
  }

  // ---- the end ----------------------------------------------------------------------------

  std::vector<std::string> traceback_names() const {
    std::vector<std::string> names = code_names_;
    codegen::PlaceholderValues v;
    v.values = values_;
    for (const char* key : {"gcs_object", "notebook_path"}) {
      auto it = payload_.facts.find(key);
      if (it == payload_.facts.end() || !it->is_string()) continue;
      try {
        std::string path = codegen::substitute_text(it->get<std::string>(), v);
        names.push_back(path.substr(path.rfind('/') + 1));
      } catch (const std::invalid_argument&) {
      }
    }
    return names;
  }

  void finish() {
    Outcome& o = outcome_;
    o.adapter_response = adapter_;
    o.remote_output = remote_output_;
    if (failure_) {
      const CancelReason reason = reason_.load();
      o.status = !failure_->cancelled               ? FinalStatus::kFailed
                 : reason == CancelReason::kTimeout ? FinalStatus::kTimedOut
                                                    : FinalStatus::kCancelled;
      o.code = failure_->code;
      o.hint = failure_->hint;
      std::string message;
      if (!failure_->traceback.empty()) {
        const MappedTraceback m =
            map_traceback(failure_->traceback, traceback_context(payload_, traceback_names()));
        if (!m.exception.empty()) {
          message = m.location.empty()
                        ? fmt::format("Python error: {}", m.exception)
                        : fmt::format("Python error at {}: {}", m.location, m.exception);
          message += "\n";
        }
        message += failure_->message + "\n" + m.text;
      } else {
        message = failure_->message;
      }
      o.message = std::move(message);
      if (!o.adapter_response.contains("code")) o.adapter_response["code"] = o.code;
      o.adapter_response["_message"] = first_line(o.message);
    } else {
      o.status = FinalStatus::kSucceeded;
      o.message = last_summary_;
      if (!o.adapter_response.contains("code")) o.adapter_response["code"] = "OK";
      if (!o.adapter_response.contains("_message")) o.adapter_response["_message"] = "OK";
    }
    if (options_.redactor) {
      o.message = options_.redactor->redact(o.message);
      o.remote_output = options_.redactor->redact(o.remote_output);
      for (auto& c : o.cleanup_failures)
        c = options_.redactor->redact(c);
      o.adapter_response =
          Json::parse(options_.redactor->redact(o.adapter_response.dump()), nullptr, false);
      if (o.adapter_response.is_discarded()) o.adapter_response = Json::object();
    }
    follower_.reset();
    phase_ = Phase::kDone;
  }

  // ---- state ------------------------------------------------------------------------------

  const codegen::Payload& payload_;
  const ExecutionOptions options_;
  const Clients clients_;
  ExecutionObserver& observer_;
  const Clock& clock_;

  std::atomic<bool> cancel_requested_{false};
  std::atomic<CancelReason> reason_{CancelReason::kUser};
  bool cancel_seen_ = false;

  Phase phase_ = Phase::kMain;
  size_t index_ = 0;
  size_t cleanup_index_ = 0;
  bool exchanged_ = false;
  std::map<std::string, Json> values_;
  std::set<std::string> sent_;
  std::map<std::string, Json> announced_;  // cleanup step -> its request record
  std::map<std::string, int> restarts_;

  std::unique_ptr<Follower> follower_;
  const RequestStep* follow_step_ = nullptr;
  PlaceholderValues follow_values_;
  SteadyTime follow_started_{};
  std::string last_state_;
  std::string emitted_url_;
  std::optional<SteadyTime> unknown_since_;
  std::optional<SteadyTime> status_failing_since_;
  bool cancel_due_ = false;
  bool cancel_sent_ = false;
  SteadyTime cancel_sent_at_{};

  std::optional<Failure> failure_;
  Json adapter_ = Json::object();
  std::string remote_output_;
  struct Upload {
    std::string step;
    std::string session_url;
    size_t offset = 0;
  };
  std::optional<Upload> upload_;  // a resumable upload in progress
  std::string last_summary_;
  std::vector<std::string> code_names_;
  Outcome outcome_;
};

}  // namespace

std::unique_ptr<Execution> make_payload_execution(const codegen::Payload& payload,
                                                  const ExecutionOptions& options, Clients clients,
                                                  ExecutionObserver& observer) {
  return std::make_unique<PayloadExecution>(payload, options, clients, observer);
}

std::unique_ptr<Execution> make_execution(const codegen::Payload& payload,
                                          const ExecutionOptions& options, Clients clients,
                                          ExecutionObserver& observer) {
  return make_payload_execution(payload, options, clients, observer);
}

}  // namespace dbtpy::submitters
