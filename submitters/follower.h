#pragma once
// Following one piece of remote work a payload step started (a Follow kind of
// codegen/payload.h): reading the platform's states, deciding success (only the platform's one
// success state), failure (everything else, with the platform's account and the Python
// traceback when there is one) or "still running", and fetching output at the end.
//
// A Follower is a small state machine driven by the executor (executor.h): each poll() does at
// most one HTTP exchange through FollowIo and says what it found, so the engine's worker never
// waits on a remote job. Followers know their platform's states and fields and nothing of the
// payload's order, cleanups, cancel or placeholders (the executor owns those). One Follower
// per followed step; not thread-safe (the executor calls it from one thread at a time).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "codegen/payload.h"
#include "submitters/execution.h"
#include "submitters/http/http_error.h"
#include "submitters/http/request.h"
#include "submitters/http/response.h"
#include "util/clock.h"
#include "util/json.h"

namespace dbtpy::submitters {

// What one look at the remote work found.
struct FollowUpdate {
  enum class Kind {
    kRunning,    // not finished: poll again later
    kMore,       // more exchanges needed right away (e.g. output after the end)
    kSucceeded,  // the platform's success state (and output fetched)
    kFailed,     // any other terminal state, or a failure found in a success-looking state
    kRestart,    // the created thing failed in a way the payload allows retrying: destroy
                 // done, send the step again (Databricks execution contexts)
  };
  Kind kind = Kind::kRunning;
  std::string state;              // the platform's state, e.g. "RUNNING", "TERMINATED/FAILED"
  bool known_state = true;        // false: a state this follower does not know (waited on, bounded)
  std::string message;            // failures: the platform's account, one line first
  std::string traceback;          // failures: the remote Python traceback, raw (mapped later)
  std::string code;               // failures: DBTPY5nn
  bool remote_cancelled = false;  // the platform reports the work cancelled
  std::chrono::milliseconds not_before{0};

  static FollowUpdate running(std::string state, bool known = true) {
    FollowUpdate u;
    u.state = std::move(state);
    u.known_state = known;
    return u;
  }
  static FollowUpdate more(std::string state = {}) {
    FollowUpdate u;
    u.kind = Kind::kMore;
    u.state = std::move(state);
    return u;
  }
  static FollowUpdate succeeded(std::string state) {
    FollowUpdate u;
    u.kind = Kind::kSucceeded;
    u.state = std::move(state);
    return u;
  }
  static FollowUpdate failed(std::string state, std::string code, std::string message,
                             std::string traceback = {}) {
    FollowUpdate u;
    u.kind = Kind::kFailed;
    u.state = std::move(state);
    u.code = std::move(code);
    u.message = std::move(message);
    u.traceback = std::move(traceback);
    return u;
  }
};

// The executor's side of a follower's exchanges: the step's credential, the observer and the
// run's settings. get()/post() return the response whatever its status and throw
// http::HttpError (or http::TransportError) when none arrived.
class FollowIo {
 public:
  virtual ~FollowIo() = default;
  virtual http::HttpResponse get(const std::string& url) = 0;
  // For requests that change remote state (a cluster start, a context destroy): announced to
  // the observer (before_send) under "<step>:<label>" first.
  virtual http::HttpResponse post(std::string_view label, const std::string& url,
                                  const std::optional<Json>& body,
                                  http::Idempotency idempotency) = 0;
  // Object reads from Cloud Storage (driver output) use the Google credential.
  virtual http::HttpResponse get_google(const std::string& url) = 0;
  // The Cloud Storage API origin of the payload ("https://storage.googleapis.com").
  virtual std::string storage_origin() const = 0;
  virtual const Clock& clock() const = 0;
  virtual bool show_output() const = 0;
  virtual const ExecutionLimits& limits() const = 0;
};

// The followed step's remote work once its handle is known.
struct FollowTarget {
  const codegen::RequestStep* step = nullptr;
  Json handle;              // the value at follow.handle (a string or a number)
  std::string handle_text;  // the same as text
  std::string status_url;   // follow.status_url substituted
};

class Follower {
 public:
  virtual ~Follower() = default;

  // Adjusts the creating request before it is first sent (Snowflake: async=true, so the SQL
  // API answers at once and the waiting is the engine's).
  virtual void prepare_submit(http::HttpRequest& /*request*/) const {}
  // Whether a non-2xx answer to the creating request is this follower's to read (Snowflake:
  // 422 is a statement that failed, with its handle and error).
  virtual bool reads_submit_status(int /*status*/) const { return false; }
  // After 409 ALREADY_EXISTS to a keyed create (the first send arrived): the handle of the
  // existing work, from the request body or one status call; nullopt when it cannot be had.
  virtual std::optional<Json> attach(const Json& /*request_body*/, FollowIo& /*io*/) {
    return std::nullopt;
  }

  void set_target(FollowTarget target) { target_ = std::move(target); }
  const FollowTarget& target() const { return target_; }

  // Reads the creating response (already known to carry the handle). Default: running.
  virtual FollowUpdate on_submit(const http::HttpResponse& response, const Json& body,
                                 FollowIo& io);
  // One exchange: the state now, or the next piece of output after the end.
  virtual FollowUpdate poll(FollowIo& io) = 0;

  // What dbt users expect in adapter_response from this work (ids, URLs, statistics).
  virtual void describe(Json& adapter_response) const { (void)adapter_response; }
  // The platform's page for this work (Databricks run_page_url, a console link); "" if none.
  virtual std::string console_url() const { return {}; }
  // Output of the remote code: a procedure's return value, command text, driver log tail.
  virtual std::string remote_output() const { return {}; }
  // Names the platform gives the code in tracebacks, besides the built-in ones.
  virtual std::vector<std::string> code_names() const { return {}; }
  // A Follow kind has a resource noun for messages: "statement", "run", "batch", ...
  virtual std::string noun() const = 0;

 protected:
  FollowTarget target_;
};

// The follower of a Follow kind; nullptr for a kind this dbtpy does not know.
std::unique_ptr<Follower> make_follower(std::string_view kind);

// Helpers shared by followers.
// The JSON body of a 2xx response; throws http::HttpError for other statuses or non-JSON.
Json json_of(const http::HttpResponse& response, std::string_view method, const std::string& url);
// The value at an RFC 6901 pointer, or nullptr when it does not resolve.
const Json* at_pointer(const Json& doc, std::string_view pointer);
// A string field (numbers converted), "" when absent.
std::string text_at(const Json& doc, std::string_view pointer);
// `url` up to where `marker` starts ("" when it does not occur): the API base of a status URL.
std::string url_prefix(std::string_view url, std::string_view marker);
// Throws the http::HttpError of a response the follower cannot read (its status is wrong).
[[noreturn]] void throw_status(const http::HttpResponse& response, std::string_view method,
                               const std::string& url);

}  // namespace dbtpy::submitters
