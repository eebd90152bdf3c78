#pragma once
// One model's remote work as a resumable state machine, driven by the engine (runner/).
//
// Why a state machine and not a blocking `run()`: the engine must keep hundreds of models in
// flight without a busy thread each, and must own the polling cadence (quick first checks,
// backing off with elapsed time), per-model timeouts, --fail-fast and signals. So an Execution
// never sleeps for a remote job: each advance() does one bounded piece of work — at most one
// logical HTTP exchange (the transport's own retries of transient errors included) — and
// tells the engine when it wants to be called again. Waiting happens in the engine's timer
// queue, which costs nothing per waiting model.
//
// The Execution implements codegen/payload.h's contract exactly: steps in order, run_if,
// captures, checks, follow to a terminal state, idempotency keys (resend only those), armed
// cleanups on every path, placeholder substitution through codegen/placeholders.h.
//
// Threading: advance() is called by one engine worker at a time per Execution (never
// concurrently with itself); different Executions advance concurrently. cancel() may be
// called from any thread at any time (signal handling, --fail-fast, timeouts): it only
// records the request and never does I/O, so the engine keeps calling advance() (promptly,
// whatever delay the last Next asked for) until kDone; those calls send the platform's cancel,
// follow it to a terminal state (bounded by ExecutionLimits::cancel_confirm) and run the
// armed cleanups.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codegen/payload.h"
#include "submitters/http/http_client.h"
#include "util/clock.h"
#include "util/json.h"
#include "util/redactor.h"

namespace dbtpy::submitters {

// A piece of remote state the run created, as the ledger records it, so `dbtpy cancel` can
// find and cancel or clean it up after a crash. `detail` holds what that needs, already
// substituted: status/cancel URL and body, credential name, the cleanup steps now armed.
struct RemoteHandle {
  std::string step;  // payload step that created it
  std::string kind;  // a Follow kind (snowflake_statement, databricks_run, dataproc_batch, ...)
                     // or a resource: "procedure", "context", "notebook", "gcs_object", ...
  std::string id;    // statement handle, run id, batch/operation name, object path, ...
  std::string url;   // the platform's console/run page URL when one exists (printed)
  Json detail = Json::object();
};

// What the engine must know as it happens. Called synchronously from advance(); the engine
// appends and flushes the run ledger inside these calls, so the record exists BEFORE the
// effect could be lost (a crash mid-request still leaves the idempotency key on record).
// Implementations are thread-safe and quick (no network).
class ExecutionObserver {
 public:
  virtual ~ExecutionObserver() = default;
  // Before a request that creates or changes remote state is sent (every non-GET step):
  // method, URL (no secrets), idempotency key if any.
  virtual void before_send(std::string_view step, const Json& request_summary) = 0;
  // A remote handle became known (from a response or a capture). May be called again for the
  // same step and id when more becomes known (e.g. a Databricks run_page_url, learnt from the
  // first status call): the later record supersedes the earlier one.
  virtual void handle_created(const RemoteHandle& handle) = 0;
  // The followed remote work reported a (new) state, e.g. "PENDING" -> "RUNNING".
  virtual void remote_state(std::string_view step, std::string_view state,
                            std::string_view message) = 0;
  // A cleanup step became due (armed, done = false) or finished (done = true). `request` is
  // the cleanup's fully substituted request (method, url, credential name, body; no secrets),
  // so `dbtpy cancel` can replay it from the ledger after a crash.
  virtual void cleanup(std::string_view step, const Json& request, bool done) = 0;
};

// Why cancel() was called; decides the final status and message.
enum class CancelReason { kUser, kSignal, kTimeout, kFailFast };

enum class FinalStatus { kSucceeded, kFailed, kCancelled, kTimedOut };

struct Outcome {
  FinalStatus status = FinalStatus::kFailed;
  // One or more lines the user reads. Failures carry the platform's error and, when the model
  // raised, the remote traceback with ANSI codes stripped and lines mapped back to
  // `models/<file>.py:LINE` through Payload::source_map.
  std::string message;
  std::string remote_output;  // driver stdout / procedure return value (for --show-output)
  // dbt's adapter_response: remote ids, URLs, query/statement ids, code, rows when known.
  Json adapter_response = Json::object();
  std::vector<std::string> cleanup_failures;  // reported, never hiding the model's own error
  // For failures: the stable error code (DBTPY5nn, docs/errors.md) and one line on what to do,
  // so the reporter can print `error[CODE]: <first line of message>` and `= help: <hint>`.
  std::string code;
  std::string hint;
};

// The next thing the engine should do with this Execution.
struct Next {
  enum class Kind {
    kContinue,  // call advance() again as soon as a worker is free (progress was made)
    kPoll,      // remote work is running: call again after the engine's polling delay
    kDone,      // finished: outcome() is final
  };
  Kind kind = Kind::kContinue;
  // Earliest time to call again the platform asked for (Retry-After on a status call, a
  // cluster start). The engine waits max(this, its own polling delay).
  std::chrono::milliseconds not_before{0};
  // For kPoll: how long the current remote work has been followed, the input of the engine's
  // adaptive polling (short jobs are checked quickly, long jobs rarely).
  std::chrono::milliseconds remote_elapsed{0};
};

class Execution {
 public:
  virtual ~Execution() = default;
  virtual Next advance() = 0;
  virtual void cancel(CancelReason reason) = 0;
  virtual const Outcome& outcome() const = 0;  // meaningful once advance() returned kDone
};

// The authenticated HTTP clients, one per payload Credential (retrying transport + auth
// provider decorator). Null for platforms the target does not use.
struct Clients {
  submitters::http::HttpClient* snowflake = nullptr;
  submitters::http::HttpClient* databricks = nullptr;
  submitters::http::HttpClient* google = nullptr;
};

// Bounds on waiting that is not the model's own run time (which the engine's per-model
// timeout covers). Defaults suit real platforms; tests shrink them.
struct ExecutionLimits {
  // An unknown remote state is logged and waited on this long, then the model fails (and its
  // remote work is cancelled).
  std::chrono::milliseconds unknown_state{15 * 60'000};
  // Status calls that keep failing (after the transport's retries) are tolerated this long
  // before dbtpy gives up following (and cancels the remote work).
  std::chrono::milliseconds status_failures{10 * 60'000};
  // After a cancel was sent, how long to wait for the platform to confirm a terminal state.
  std::chrono::milliseconds cancel_confirm{120'000};
  // Remote work started by a cleanup step (a DROP statement, a BigQuery job).
  std::chrono::milliseconds cleanup_follow{10 * 60'000};
  // A Databricks cluster reaching RUNNING with its libraries installed.
  std::chrono::milliseconds cluster_ready{30 * 60'000};
  // Databricks execution contexts created before giving up (each failed one is destroyed).
  int context_attempts = 5;
  // Driver output kept for messages and --show-output (the tail, when longer).
  size_t output_tail_bytes = 64 * 1024;
  // Files larger than this go to Cloud Storage as a resumable upload in chunks of this size
  // (a multiple of 256 KiB) instead of one media upload.
  size_t resumable_upload_bytes = size_t{8} << 20;
};

class RunLookups;  // submitters/run_lookups.h

struct ExecutionOptions {
  std::string run_id;            // ${RUN_ID}
  bool full_refresh = false;     // ${FULL_REFRESH}
  int attempt = 1;               // for request ids (codegen::request_id)
  bool show_output = false;      // fetch remote output on success too (always on failure)
  const Clock* clock = nullptr;  // null: the system clock
  // Removes the profile's secrets from messages and remote text (null: nothing to remove).
  std::shared_ptr<const Redactor> redactor;
  // Values resolved once per run and shared by its Executions (Databricks ${USER_NAME}).
  // Null: each Execution resolves its own. Must outlive the Executions.
  RunLookups* lookups = nullptr;
  ExecutionLimits limits;
};

// Replays what a crashed run left behind, from its ledger: cancels each handle that may still
// be running (through detail's cancel request) and sends each armed cleanup not marked done.
// Best effort per item; returns one line per item saying what happened.
struct LedgerItem {
  std::string unique_id;
  std::optional<RemoteHandle> handle;  // a handle to cancel, or
  std::optional<Json> cleanup;         // an armed cleanup request to send, or
  // a state-changing request that was sent (before_send's summary: method, url, credential,
  // idempotency key) but whose answer never reached the ledger: the run died in between, so
  // remote work may have started without a handle. Looked up where the platform allows it
  // (a Dataproc batch has a client-chosen id), otherwise reported for the user to check.
  std::optional<Json> unanswered;
  std::string step;  // the step of `unanswered`
};
std::vector<std::string> replay_cancel(const std::vector<LedgerItem>& items, Clients clients);

// Whether a before_send summary is a request that starts followed remote work (a statement, a
// command, a job or batch, a run) — the ones that leave a handle once answered, as opposed to
// uploads, folder creation and the like.
bool may_start_remote_work(const Json& request_summary);

// Creates the Execution of one compiled model. The payload, clients and observer must outlive
// it. Never sends anything until the first advance().
std::unique_ptr<Execution> make_execution(const codegen::Payload& payload,
                                          const ExecutionOptions& options, Clients clients,
                                          ExecutionObserver& observer);

}  // namespace dbtpy::submitters
