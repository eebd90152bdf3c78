#pragma once
// Turning a payload step into the exact HTTP request that is sent, and into the JSON record of
// that request the run ledger keeps (so `dbtpy cancel` can send it again after a crash).
// Substitution goes through codegen/placeholders.h only: after it, the bytes sent are the
// reviewed bytes. Pure functions; thread-safe.
#include <optional>
#include <string>
#include <string_view>

#include "codegen/payload.h"
#include "codegen/placeholders.h"
#include "submitters/http/request.h"
#include "util/json.h"

namespace dbtpy::submitters {

// The request of `step` with `values` substituted: method, URL, the step's non-secret
// headers, the JSON body (or the raw body of `body_file`), Content-Type, and the idempotency
// the payload declares (a keyed or naturally idempotent step may be resent; "none" may not).
// Credentials are added later by the client of step.credential. Throws std::invalid_argument
// naming the placeholder that has no value.
http::HttpRequest build_request(const codegen::RequestStep& step,
                                const codegen::PlaceholderValues& values);

// The record of a request for the ledger and observers: method, url, credential name,
// non-secret headers, JSON body (not raw file bodies: those are never replayed) and
// idempotency. Never holds a secret: credentials are applied by the client.
Json request_record(const http::HttpRequest& request, codegen::Credential credential);

// The HTTP request a record describes (for replays); nullopt when it is not one.
std::optional<http::HttpRequest> request_from_record(const Json& record);

// The credential a record names ("snowflake", ...); kNone when unknown.
codegen::Credential record_credential(const Json& record);

// The follow's cancel request with ${HANDLE} and the other values substituted; nullopt when
// the platform has no cancel for this work.
std::optional<http::HttpRequest> build_cancel_request(const codegen::Follow& follow,
                                                      const codegen::PlaceholderValues& values);

// Every placeholder name (without arguments) a step needs, in URLs, headers and body.
std::vector<std::string> step_placeholders(const codegen::RequestStep& step);

// The payload files a step sends (FILE_TEXT/FILE_BASE64 references and body_file).
std::vector<std::string> step_files(const codegen::RequestStep& step);

// "https://host[:port]" of an absolute URL ("" when it is not one).
std::string url_origin(std::string_view url);

}  // namespace dbtpy::submitters
