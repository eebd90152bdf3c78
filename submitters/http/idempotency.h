#pragma once
// Idempotency policy: answers "may this request be sent again after it may have reached the
// server?". A request is retried only when a second delivery cannot do the work twice:
//   - GET, HEAD, OPTIONS, PUT and DELETE (idempotent by HTTP's definition);
//   - a POST that carries its platform's idempotency key, so the platform itself
//     deduplicates: Snowflake `requestId` (resent with `retry=true`, as Snowflake asks),
//     Databricks `idempotency_token`, Google `requestId` (query or body), a fixed Dataproc
//     `batchId`, a BigQuery `jobReference.jobId`, a GCS `ifGenerationMatch` precondition;
//   - any request whose caller set HttpRequest::idempotency explicitly.
// Everything else (a plain POST) is never resent once bytes may have left. Thread-safe.
#include "submitters/http/request.h"

namespace dbtpy::submitters::http {

class IdempotencyPolicy {
 public:
  virtual ~IdempotencyPolicy() = default;
  virtual bool is_idempotent(const HttpRequest& request) const = 0;
  // Adjusts a request about to be sent again (default: unchanged).
  virtual void prepare_resend(HttpRequest& /*request*/) const {}
};

class PlatformIdempotencyPolicy final : public IdempotencyPolicy {
 public:
  bool is_idempotent(const HttpRequest& request) const override;
  // Snowflake SQL API resubmissions carry `retry=true` next to the same `requestId`.
  void prepare_resend(HttpRequest& request) const override;
};

}  // namespace dbtpy::submitters::http
