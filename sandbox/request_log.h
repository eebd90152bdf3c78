#pragma once
// The JSONL request log (--log FILE): one line per request with time, method, path, endpoint,
// status, latency, idempotency keys and injected faults. It never holds headers, bodies,
// tokens or assertions: callers pass only those fields. Thread-safe; lines are flushed as
// written so a test can read the log while the sandbox runs.
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "util/json.h"

namespace dbtpy::sandbox {

class RequestLog {
 public:
  explicit RequestLog(const std::filesystem::path& path);  // empty = disabled
  ~RequestLog();
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  void write(const Json& entry);

 private:
  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

}  // namespace dbtpy::sandbox
