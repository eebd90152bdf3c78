#pragma once
// The Payload: everything one Python model needs on its platform, as produced by codegen and
// executed by a submitter exactly as written to disk for review (`dbtpy compile`). It is a
// plain value (no behaviour beyond rendering itself for review); codegen builds it once per
// model and nothing mutates it afterwards, so it may be shared across threads.
//
// Contract for submitters (read this before executing a payload)
// ----------------------------------------------------------------
// 1. `steps` run in order. A step with `run_if` runs only when its condition holds. A step
//    whose request fails (after the transport's own retries) or whose followed remote work
//    ends in any state but success stops the sequence: the model has failed.
// 2. A step with `follow.kind` set starts remote work. The submitter follows it to a terminal
//    state (its own polling/backoff; `follow` carries the handle pointer and the status and
//    cancel URLs) before the next step runs, and cancels it when the run is cancelled or times
//    out. Success is the platform's one success state; everything else (cancelled, timed out,
//    skipped, internal error, Databricks `resultType: error`, ...) is a failure.
// 3. Steps with `cleanup = true` are not part of the main sequence. Once the main sequence has
//    ended on ANY path (success, failure, timeout, cancel, signal), each cleanup step runs, in
//    order, if the step named by `armed_by` was sent at least once (its request may have
//    reached the server even if no response came back) and every placeholder it uses can be
//    resolved. A cleanup failure is reported but never hides the model's own error. A run
//    ledger should record armed cleanups so `dbtpy cancel` can replay them after a crash.
// 4. Placeholders (`${NAME}` or `${NAME:argument}`) appear in URLs, header values and JSON
//    body strings, never inside payload files. `placeholders.h` defines them and provides the
//    one substitution routine every submitter must use; `$${` is an escaped literal `${`.
//    After substitution the bytes sent are exactly the reviewed bytes.
// 5. `captures` read values from a step's JSON response (RFC 6901 pointers) into named
//    placeholders used by later steps; a missing non-optional capture is a failure that
//    quotes the (redacted) response.
// 6. Every step that creates remote work carries an idempotency key (`idempotency`): the
//    submitter may resend such a request after a transport error (Snowflake: add
//    `&retry=true` to the URL of a resend, as the SQL API documents; BigQuery/Dataproc: a
//    409 ALREADY_EXISTS for our own id means the first send arrived — attach to it); any
//    other non-GET request that may have been sent must not be resent.
// 7. `credential` names which of the profile's credentials signs the request (adds
//    Authorization and, for Snowflake, the token-type header). Review output prints it as
//    `<redacted>`; no secret is ever part of a payload.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/diagnostic.h"
#include "util/json.h"

namespace dbtpy::codegen {

// A file of the payload: the compiled model and the review files. Names are relative paths
// inside the model's output folder ("model.py", "procedure.sql", ...).
struct PayloadFile {
  std::string name;
  std::string content;
  std::string media_type;  // e.g. "text/x-python", "application/sql", "application/json"
};

enum class Credential {
  kNone,        // unauthenticated (never used today; kept for the `local` platform)
  kSnowflake,   // key-pair JWT / OAuth / PAT of the Snowflake target
  kDatabricks,  // PAT or OAuth token of the Databricks workspace
  kGoogle,      // OAuth2 access token of the Google credentials
};
std::string_view credential_name(Credential c);  // "none", "snowflake", "databricks", "google"

// Reads a value from a step's JSON response into a placeholder named `name`.
struct Capture {
  std::string name;       // e.g. "CONTEXT_ID" -> later steps use ${CONTEXT_ID}
  std::string pointer;    // RFC 6901 JSON pointer, e.g. "/id"
  bool optional = false;  // absent value leaves the placeholder unset instead of failing
};

// A condition on a step's JSON response that must hold, else the model fails with `message`.
struct ResponseCheck {
  std::string pointer;     // RFC 6901 JSON pointer
  bool must_exist = true;  // false: the pointer must NOT resolve
  std::string message;     // what the user reads (no secrets)
};

// How to follow the remote work a step starts. `kind` is one of:
//   snowflake_statement  SQL API statement (202 while running, 200 done, 422 failed)
//   databricks_cluster   cluster RUNNING with libraries installed (start it if TERMINATED)
//   databricks_context   1.2 execution context Running
//   databricks_command   1.2 command Finished and results.resultType != "error"
//   databricks_run       Jobs run TERMINATED with result_state SUCCESS
//   dataproc_batch       Dataproc batch SUCCEEDED
//   dataproc_job         Dataproc job status.state DONE
//   bigquery_job         BigQuery job status.state DONE without errorResult
// `handle` points into the step's response at the remote id; the URL templates may use
// ${HANDLE} for that value and any other placeholder.
struct Follow {
  std::string kind;        // empty: nothing to follow, the response itself is the result
  std::string handle;      // JSON pointer into the response, e.g. "/statementHandle"
  std::string status_url;  // GET this to learn the state
  std::string cancel_method = "POST";
  std::string cancel_url;           // empty when the platform has no cancel for this work
  std::optional<Json> cancel_body;  // JSON body of the cancel call, if any
};

// Where the step's idempotency key travels and what it is.
struct Idempotency {
  std::string location;  // "query:requestId", "body:/idempotency_token", "natural" (the call
                         // is idempotent by itself: GET, overwrite, delete) or "none"
  std::string key;       // the key template, e.g. "${REQUEST_ID}"; empty for natural/none
};

// When a step runs (besides being reached): a placeholder is set or not.
struct Condition {
  std::string placeholder;  // e.g. "JOB_ID"
  bool present = true;
};

struct RequestStep {
  std::string name;         // unique within the payload, snake_case ("call_procedure")
  std::string description;  // one line for the reviewer
  std::string method;       // GET, POST, PUT, DELETE
  std::string url;          // absolute, on the profile's host; may contain placeholders
  std::vector<std::pair<std::string, std::string>> headers;  // non-secret headers
  Credential credential = Credential::kNone;
  std::optional<Json> json_body;  // JSON body (placeholders allowed in strings)
  std::string body_file;          // or: the raw body is this payload file's content
  std::string content_type;       // of the body; empty when there is none
  std::vector<Capture> captures;
  std::vector<ResponseCheck> checks;
  Follow follow;
  Idempotency idempotency;
  std::optional<Condition> run_if;
  bool cleanup = false;
  std::string armed_by;  // cleanup steps: the step whose sending makes this cleanup due
};

// Maps lines of a generated file back to the model file. Lines [first_line, first_line +
// line_count) of `generated_file` are lines [model_first_line, ...) of `model_file`.
// `remote_line_offset` converts a line number reported by the platform for the code it ran
// (e.g. a procedure body line, a notebook command line) into a generated-file line:
// generated_line = remote_line + remote_line_offset.
struct SourceMapEntry {
  std::string generated_file;  // "model.py", "notebook.py", "main.py"
  int first_line = 1;
  int line_count = 0;
  std::string model_file;  // "models/orders.py" (original_file_path)
  int model_first_line = 1;
  std::string remote;  // how the platform names the code in tracebacks / where it runs
  int remote_line_offset = 0;
};

struct Payload {
  std::string unique_id;  // model.<package>.<name>
  std::string model_name;
  std::string platform;      // "snowflake", "databricks", "bigquery"; later "bigframes", "local"
  std::string method;        // submission method, e.g. "anonymous_procedure", "command_api"
  std::string materialized;  // "table" | "incremental"
  std::string relation;      // rendered target relation
  std::vector<PayloadFile> files;
  std::vector<RequestStep> steps;  // main sequence and cleanup steps, in order
  std::vector<SourceMapEntry> source_map;
  std::vector<Diagnostic> warnings;  // non-fatal findings (errors throw instead)
  Json facts = Json::object();       // non-secret facts the submitter may use (cluster_id,
                                     // notebook_path, gcs_object, batch_id template, ...)

  const PayloadFile* file(std::string_view name) const;
  const RequestStep* step(std::string_view name) const;
};

// The review form of the request list (requests.json, pretty-printed text ending in "\n"): an
// array of objects, one per step, in a reading order (step, description, method, url,
// headers, body, ...): headers show credential headers as "<redacted>", the body is JSON or
// {"file": "<name>"} for a raw body, then the step's contract fields. Deterministic.
std::string requests_json(const Payload& payload);

}  // namespace dbtpy::codegen
