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

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

std::string path_of(const std::string& url) {
  return url.substr(0, url.find_first_of("?#"));
}

// A Dataproc batch is created under an id the client chose (`batchId`): even when the answer
// was lost, the batch can be found, and cancelled through the operation it names.
std::string replay_unanswered_batch(const std::string& collection, const std::string& batch_id,
                                    const Clients& clients, const std::string& what) {
  auto fail = [&](const std::string& why) {
    return fmt::format("error[{}]: {}: {}; {}", codes::kReplayFailed, what, why,
                       codes::hint(codes::kReplayFailed));
  };
  if (!clients.google) return fail("no google credentials in this target");
  const auto v1 = collection.find("/v1/");
  if (v1 == std::string::npos) return fail("unexpected batches URL " + collection);
  try {
    http::HttpRequest get;
    get.url = collection + "/" + http::url_encode(batch_id);
    http::HttpResponse r = clients.google->send(get);
    if (r.status == 404) return what + ": never started (the platform has no such batch)";
    if (!r.ok()) return fail(http::status_error(get, r).what());
    const Json batch = Json::parse(r.body, nullptr, false);
    const std::string state = batch.is_object() ? batch.value("state", "") : "";
    const std::string operation = batch.is_object() ? batch.value("operation", "") : "";
    if (state == "SUCCEEDED" || state == "FAILED" || state == "CANCELLED")
      return fmt::format("{}: already finished ({})", what, state);
    if (operation.empty()) return fail("the batch names no operation to cancel");
    http::HttpRequest cancel;
    cancel.method = "POST";
    cancel.url = collection.substr(0, v1) + "/v1/" + operation + ":cancel";
    cancel.body = "{}";
    cancel.set_header("Content-Type", "application/json");
    http::HttpResponse c = clients.google->send(cancel);
    if (c.ok()) return what + ": cancel sent";
    if (already_over(c)) return what + ": already finished";
    return fail(http::status_error(cancel, c).what());
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

std::string replay_unanswered(const LedgerItem& item, const Clients& clients) {
  const Json& sent = *item.unanswered;
  const std::string url = sent.value("url", "");
  const std::string what = fmt::format("{} {} (sent, answer never recorded)", item.unique_id,
                                       item.step.empty() ? std::string("?") : item.step);
  const std::string path = path_of(url);
  if (ends_with(path, "/batches")) {
    if (auto id = http::query_param(url, "batchId"); id && !id->empty())
      return replay_unanswered_batch(path, *id, clients, what);
  }
  std::string key = sent.value("idempotency_key", "");
  return fmt::format(
      "warning: {}: {} {} may have started remote work that dbtpy cannot look up; check the "
      "platform for it{}",
      what, sent.value("method", "?"), http::redact_url(url),
      key.empty() ? std::string() : " (request id " + key + ")");
}

}  // namespace

bool may_start_remote_work(const Json& request_summary) {
  if (!request_summary.is_object() || request_summary.value("method", "") != "POST") return false;
  const std::string path = path_of(request_summary.value("url", ""));
  return ends_with(path, "/api/v2/statements") ||         // Snowflake statement
         ends_with(path, "/api/1.2/commands/execute") ||  // Databricks command
         ends_with(path, "/api/2.1/jobs/runs/submit") ||  // Databricks one-time run
         ends_with(path, "/api/2.1/jobs/run-now") ||      // Databricks job run
         ends_with(path, "/batches") ||                   // Dataproc batch
         ends_with(path, "/jobs:submit") ||               // Dataproc cluster job
         (path.find("/bigquery/v2/projects/") != std::string::npos && ends_with(path, "/jobs"));
}

std::vector<std::string> replay_cancel(const std::vector<LedgerItem>& items, Clients clients) {
  std::vector<std::string> lines(items.size());
  // Cancels first: a cleanup such as destroying a Databricks context would otherwise cut the
  // ground from under a command that is still to be cancelled.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < items.size(); ++i) {
      const LedgerItem& item = items[i];
      if (pass == 0 && item.unanswered) {
        lines[i] = replay_unanswered(item, clients);
      } else if (pass == 0 && item.handle) {
        const RemoteHandle& h = *item.handle;
        const std::string what = fmt::format("{} {} {} ({})", item.unique_id, h.kind, h.id, h.step);
        auto cancel = h.detail.find("cancel");
        if (cancel == h.detail.end() || !cancel->is_object()) {
          lines[i] = fmt::format("{}: nothing to cancel (the platform has no cancel for it)", what);
          continue;
        }
        lines[i] = send_record(*cancel, clients, what, true);
      } else if (pass == 1 && !item.handle && !item.unanswered) {
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
