#pragma once
// The whole sandbox as one object: configuration, shared state (catalog, stats, random
// sources, the Python checker), the three platforms' endpoints on one router, the HTTP
// server, and a ticker thread that moves simulated runs forward in real time so their
// effects (relations, driver output) land even when nobody polls. Used by main.cc and,
// in-process, by the contract tests. start/stop from one thread; the rest is thread-safe.
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "sandbox/catalog.h"
#include "sandbox/config.h"
#include "sandbox/http/server.h"
#include "sandbox/stats.h"
#include "util/clock.h"

namespace dbtpy::sandbox {

struct SandboxOptions {
  std::filesystem::path state_dir;  // catalog, objects and notebooks survive restarts here
  std::filesystem::path log_file;   // JSONL request log; empty = none
  ServerOptions server;
};

class Sandbox {
 public:
  Sandbox(SandboxConfig config, SandboxOptions options,
          std::shared_ptr<const Clock> clock = std::make_shared<SystemClock>());
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Binds 127.0.0.1:port (0 = any) and serves; returns the base URL.
  std::string start(int port);
  void stop();

  const std::string& base_url() const;
  Stats& stats();
  Catalog& catalog();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dbtpy::sandbox
