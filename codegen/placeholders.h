#pragma once
// Run-varying values of a payload and the one routine that substitutes them. Codegen writes
// placeholders; submitters (and tests) call substitute_*() with the run's values. Pure
// functions of their arguments; thread-safe.
//
// Grammar: `${NAME}` or `${NAME:argument}` with NAME = [A-Z][A-Z0-9_]*. `$${` stands for a
// literal `${` (codegen escapes user-provided strings this way, so nothing a user writes is
// ever taken for a placeholder). Any other `$` is literal.
//
// Names:
//   RUN_ID        the invocation's run id: a lowercase UUID (8-4-4-4-12), from IdSource. Also
//                 namespaces uploads, notebooks, staging tables and run names.
//   FULL_REFRESH  "true" or "false" (`--full-refresh`).
//   REQUEST_ID    an idempotency key: a lowercase UUID distinct per (run, model, step) and
//                 THE SAME on every resend of that step (derive it with request_id()).
//   USER_NAME     Databricks: `userName` of GET /api/2.0/preview/scim/v2/Me (user folders).
//   HANDLE        inside Follow URLs/bodies: the followed step's handle value.
//   FILE_TEXT:f   the content of payload file f (UTF-8 text), inserted verbatim.
//   FILE_BASE64:f the content of payload file f, base64 (RFC 4648, padded).
//   <captures>    values captured from earlier responses (Capture::name), e.g. CONTEXT_ID.
//
// A JSON string that is exactly one placeholder takes the value's JSON type (a captured
// integer job id stays an integer); placeholders embedded in longer strings are spliced as
// text. In URLs, substituted values are percent-encoded (RFC 3986 unreserved set kept),
// except HANDLE, a server-issued id or resource name used verbatim.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/json.h"

namespace dbtpy::codegen {

struct Payload;

inline constexpr std::string_view kRunId = "${RUN_ID}";
inline constexpr std::string_view kFullRefresh = "${FULL_REFRESH}";
inline constexpr std::string_view kRequestId = "${REQUEST_ID}";
inline constexpr std::string_view kUserName = "${USER_NAME}";
inline constexpr std::string_view kHandle = "${HANDLE}";
std::string file_text_ref(std::string_view file_name);    // "${FILE_TEXT:<name>}"
std::string file_base64_ref(std::string_view file_name);  // "${FILE_BASE64:<name>}"
std::string placeholder(std::string_view name);           // "${<name>}"

// Escapes `${` in user-provided text as `$${`, so substitution returns the text unchanged.
std::string escape_placeholders(std::string_view text);

// The values of one step's substitution. `files` resolves FILE_TEXT/FILE_BASE64.
struct PlaceholderValues {
  std::map<std::string, Json> values;  // name -> value (strings, numbers, booleans)
  const Payload* payload = nullptr;    // for FILE_* references
};

// Thrown (as std::invalid_argument) when a placeholder has no value or is malformed; the
// message names the placeholder, never a value.
std::string substitute_text(std::string_view text, const PlaceholderValues& values);
std::string substitute_url(std::string_view url, const PlaceholderValues& values);
Json substitute_json(const Json& value, const PlaceholderValues& values);

// Every placeholder name used in `text` (without `${}`/argument), in first-seen order.
std::vector<std::string> placeholders_in(std::string_view text);
// Every placeholder name a payload uses in URLs, headers, bodies and follow templates.
std::vector<std::string> placeholders_in(const Payload& payload);

// The REQUEST_ID of one step: a name-based UUID (SHA-256 of run id, unique id, step name and
// attempt, formatted as an RFC 9562 version-8 UUID). Deterministic, so a submitter that
// crashed can recompute it from its ledger; `attempt` distinguishes model-level retries.
std::string request_id(std::string_view run_id, std::string_view unique_id,
                       std::string_view step_name, int attempt = 1);

}  // namespace dbtpy::codegen
