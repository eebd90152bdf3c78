// replay_cancel (execution.h): what `dbtpy cancel --run/--all-open` sends for the items a
// crashed run's ledger left open — the platform's cancel of each handle that may still run,
// then each armed cleanup not marked done. Best effort per item: one failure never stops the
// others, and every item gets one line saying what happened.
#include <fmt/format.h>

#include "submitters/execution.h"
#include "submitters/failure_codes.h"
#include "submitters/http/error_body.h"
#include "submitters/http/http_error.h"
#include "submitters/http/url.h"
#include "submitters/step_request.h"

namespace dbtpy::submitters {
namespace {

http::HttpClient* client_of(const Clients& clients, codegen::Credential c) {
  switch (c) {
    case codegen::Credential::kSnowflake:
      return clients.snowflake;
    case codegen::Credential::kDatabricks:
      return clients.databricks;
    case codegen::Credential::kGoogle:
      return clients.google;
    case codegen::Credential::kNone:
      break;
  }
  return nullptr;
}

// Answers that mean "there is nothing left to cancel": the work already ended.
bool already_over(const http::HttpResponse& r) {
  const http::PlatformError e = http::parse_error_body(r.body);
  if (r.status == 404) return true;
  if (e.code == "000605" || e.code == "000709") return true;  // Snowflake: not running / unknown
  if (e.status == "FAILED_PRECONDITION") return true;         // Dataproc: operation done
  if (e.code == "INVALID_STATE" || e.code == "RESOURCE_DOES_NOT_EXIST") return true;
  return false;
}

std::string send_record(const Json& record, const Clients& clients, const std::string& what,
                        bool cancel) {
  auto request = request_from_record(record);
  if (!request)
    return fmt::format("error[{}]: {}: the ledger's request is incomplete; {}",
                       codes::kReplayFailed, what, codes::hint(codes::kReplayFailed));
  http::HttpClient* client = client_of(clients, record_credential(record));
  if (!client)
    return fmt::format("error[{}]: {}: no {} credentials in this target; {}", codes::kReplayFailed,
                       what, record.value("credential", "?"), codes::hint(codes::kReplayFailed));
  try {
    http::HttpResponse r = client->send(*request);
    if (r.ok()) return fmt::format("{}: {}", what, cancel ? "cancel sent" : "done");
    if (already_over(r))
      return fmt::format("{}: {}", what, cancel ? "already finished" : "already gone");
    return fmt::format("error[{}]: {}: {}; {}", codes::kReplayFailed, what,
                       http::status_error(*request, r).what(), codes::hint(codes::kReplayFailed));
  } catch (const std::exception& e) {
    return fmt::format("error[{}]: {}: {}; {}", codes::kReplayFailed, what, e.what(),
                       codes::hint(codes::kReplayFailed));
  }
}

}  // namespace

std::vector<std::string> replay_cancel(const std::vector<LedgerItem>& items, Clients clients) {
  std::vector<std::string> lines(items.size());
  // Cancels first: a cleanup such as destroying a Databricks context would otherwise cut the
  // ground from under a command that is still to be cancelled.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < items.size(); ++i) {
      const LedgerItem& item = items[i];
      if (pass == 0 && item.handle) {
        const RemoteHandle& h = *item.handle;
        const std::string what = fmt::format("{} {} {} ({})", item.unique_id, h.kind, h.id, h.step);
        auto cancel = h.detail.find("cancel");
        if (cancel == h.detail.end() || !cancel->is_object()) {
          lines[i] = fmt::format("{}: nothing to cancel (the platform has no cancel for it)", what);
          continue;
        }
        lines[i] = send_record(*cancel, clients, what, true);
      } else if (pass == 1 && !item.handle) {
        if (!item.cleanup) {
          lines[i] = item.unique_id + ": empty ledger item";
          continue;
        }
        const std::string what =
            fmt::format("{} cleanup {} {}", item.unique_id, item.cleanup->value("method", "?"),
                        http::redact_url(item.cleanup->value("url", "?")));
        lines[i] = send_record(*item.cleanup, clients, what, false);
      }
    }
  }
  return lines;
}

}  // namespace dbtpy::submitters
