#include "sandbox/sandbox.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <random>

#include "sandbox/databricks/databricks_api.h"
#include "sandbox/fault_injector.h"
#include "sandbox/google/google_api.h"
#include "sandbox/http/router.h"
#include "sandbox/python_checker.h"
#include "sandbox/random.h"
#include "sandbox/request_log.h"
#include "sandbox/run_planner.h"
#include "sandbox/snowflake/sql_api.h"

namespace dbtpy::sandbox {
namespace {

uint64_t pick_seed(uint64_t configured) {
  if (configured != 0) return configured;
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

std::string python_interpreter(const PythonConfig& p) {
  if (p.mode == PythonConfig::Mode::kOff) return {};
  if (::access(p.interpreter.c_str(), X_OK) == 0) return p.interpreter;
  if (p.mode == PythonConfig::Mode::kOn) {
    throw std::runtime_error("python.check is on but " + p.interpreter + " is not executable");
  }
  return {};
}

}  // namespace

struct Sandbox::Impl {
  Impl(SandboxConfig cfg, SandboxOptions opts, std::shared_ptr<const Clock> clk)
      : config(std::move(cfg)),
        options(std::move(opts)),
        clock(std::move(clk)),
        seed(pick_seed(config.seed)),
        random(seed),
        catalog(options.state_dir, *clock),
        checker(python_interpreter(config.python)),
        planner(config, checker, random, stats),
        faults(config.faults, seed),
        log(options.log_file),
        snowflake(config, *clock, random, stats, catalog, planner),
        databricks(config, *clock, random, stats, catalog, planner, options.state_dir),
        google(config, *clock, random, stats, catalog, planner, options.state_dir),
        server(router, faults, stats, log, options.server) {
    router.add_vendor({"snowflake", {"/api/v2/"}, [](int status, const std::string& m, Exchange&) {
                         return snowflake::SqlApi::error(status, m);
                       }});
    router.add_vendor({"databricks",
                       {"/api/2.0/", "/api/2.1/", "/api/2.2/", "/api/1.2/", "/oidc/"},
                       [](int status, const std::string& m, Exchange&) {
                         return databricks::DatabricksApi::error(status, m);
                       }});
    router.add_vendor({"google",
                       {"/token", "/storage/", "/upload/", "/v1/", "/bigquery/"},
                       [](int status, const std::string& m, Exchange& ex) {
                         return google::GoogleApi::error(status, m, ex);
                       }});
    router.add_vendor({"sandbox", {"/_sandbox/"}, [](int status, const std::string& m, Exchange&) {
                         return Reply::json(status, {{"error", m}});
                       }});
    snowflake.register_routes(router);
    databricks.register_routes(router);
    google.register_routes(router);
    router.add("GET", "/_sandbox/stats", "sandbox.stats", [this](Exchange&) {
      Json j = stats.to_json();
      j["seed"] = seed;
      return Reply::json(200, j);
    });
    router.add("GET", "/_sandbox/relations", "sandbox.relations",
               [this](Exchange&) { return Reply::json(200, catalog.snapshot()); });
    router.add("GET", "/_sandbox/health", "sandbox.health", [](Exchange&) {
      return Reply::json(200, {{"status", "ok"}});
    });
  }

  void tick_loop() {
    std::unique_lock<std::mutex> lock(tick_mu);
    while (!stopping) {
      tick_cv.wait_for(lock, std::chrono::milliseconds(20));
      if (stopping) break;
      lock.unlock();
      // A bug in one platform's bookkeeping must not take the whole sandbox down.
      try {
        snowflake.tick();
        databricks.tick();
        google.tick();
      } catch (const std::exception& e) {
        spdlog::error("advancing simulated runs failed: {}", e.what());
      }
      lock.lock();
    }
  }

  SandboxConfig config;
  SandboxOptions options;
  std::shared_ptr<const Clock> clock;
  uint64_t seed;
  Random random;
  Stats stats;
  Catalog catalog;
  PythonChecker checker;
  RunPlanner planner;
  FaultInjector faults;
  RequestLog log;
  Router router;
  snowflake::SqlApi snowflake;
  databricks::DatabricksApi databricks;
  google::GoogleApi google;
  HttpServer server;

  std::mutex tick_mu;
  std::condition_variable tick_cv;
  bool stopping = false;
  std::thread ticker;
};

Sandbox::Sandbox(SandboxConfig config, SandboxOptions options, std::shared_ptr<const Clock> clock)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(options), std::move(clock))) {}

Sandbox::~Sandbox() {
  stop();
}

std::string Sandbox::start(int port) {
  // A client that goes away mid-response must not kill the sandbox with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  std::string url = impl_->server.start(port);
  impl_->ticker = std::thread([this] { impl_->tick_loop(); });
  return url;
}

void Sandbox::stop() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> lock(impl_->tick_mu);
    impl_->stopping = true;
  }
  impl_->tick_cv.notify_all();
  if (impl_->ticker.joinable()) impl_->ticker.join();
  // Synchronous Snowflake submits may be waiting up to 45 s: answer them now (202) so the
  // server's threads can finish.
  impl_->snowflake.shutdown();
  impl_->server.stop();
}

const std::string& Sandbox::base_url() const {
  return impl_->server.base_url();
}
Stats& Sandbox::stats() {
  return impl_->stats;
}
Catalog& Sandbox::catalog() {
  return impl_->catalog;
}

}  // namespace dbtpy::sandbox
