#include "sandbox/http/server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>

#include "sandbox/http/connection_drop.h"
#include "util/clock.h"

namespace dbtpy::sandbox {
namespace {

// Only bounded, non-secret query parameters go to the log (ids, idempotency keys, flags).
const char* const kLoggedParams[] = {"requestId", "retry",      "async",      "partition",
                                     "batchId",   "uploadType", "name",       "run_id",
                                     "alt",       "location",   "cluster_id", "clusterId",
                                     "contextId", "commandId",  "upload_id"};

}  // namespace

HttpServer::HttpServer(Router& router, FaultInjector& faults, Stats& stats, RequestLog& log,
                       ServerOptions options)
    : router_(router), faults_(faults), stats_(stats), log_(log), options_(std::move(options)) {}

HttpServer::~HttpServer() {
  stop();
}

std::string HttpServer::start(int port) {
  bool tls = !options_.tls_cert.empty() || !options_.tls_key.empty();
  if (tls) {
    auto ssl =
        std::make_unique<httplib::SSLServer>(options_.tls_cert.c_str(), options_.tls_key.c_str());
    if (!ssl->is_valid()) {
      throw std::runtime_error("cannot load the TLS certificate/key (" + options_.tls_cert + ", " +
                               options_.tls_key + "): give PEM files");
    }
    server_ = std::move(ssl);
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  size_t threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_payload_max_length(64 * 1024 * 1024);
  server_->set_keep_alive_max_count(1000);
  // httplib writes headers and body separately: without TCP_NODELAY, Nagle's algorithm and the
  // client's delayed ACK add ~40 ms to every response.
  server_->set_tcp_nodelay(true);
  auto h = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
  server_->Get(".*", h);
  server_->Post(".*", h);
  server_->Put(".*", h);
  server_->Patch(".*", h);
  server_->Delete(".*", h);
  int bound = port == 0 ? server_->bind_to_any_port(options_.host)
                        : (server_->bind_to_port(options_.host, port) ? port : -1);
  if (bound <= 0) {
    throw std::runtime_error("cannot bind " + options_.host + ":" + std::to_string(port) +
                             " (is the port in use?)");
  }
  base_url_ =
      std::string(tls ? "https" : "http") + "://" + options_.host + ":" + std::to_string(bound);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // listen_after_bind() returns immediately if stop() raced it; wait until it serves.
  for (int i = 0; i < 2000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return base_url_;
}

void HttpServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void HttpServer::handle(const httplib::Request& req, httplib::Response& res) {
  const auto t0 = std::chrono::steady_clock::now();
  Exchange ex{req, {}, base_url_};
  const Vendor* vendor = router_.vendor_for(req.path);
  auto error_reply = [&](int status, const std::string& message) {
    if (vendor && vendor->error) return vendor->error(status, message, ex);
    return Reply::json(status, {{"error", message}});
  };

  Reply reply;
  std::string endpoint = "unknown";
  std::string fault;
  auto match = router_.find(req.method, req.path);
  FaultDecision decision;
  if (!match.route) {
    reply = match.path_known
                ? error_reply(405, "Method " + req.method + " is not allowed here")
                : error_reply(404, "No API found for '" + req.method + " " + req.path + "'");
  } else {
    endpoint = match.route->endpoint;
    ex.args = match.args;
    decision = faults_.decide(endpoint);
    if (decision.reject_status == 429) {
      fault = "throttled";
      reply = error_reply(429, "Too many requests; retry later");
      reply.header("Retry-After", std::to_string(decision.retry_after));
    } else if (decision.reject_status != 0) {
      fault = "server_error";
      reply = error_reply(decision.reject_status, "The service is temporarily unavailable");
    } else {
      try {
        reply = match.route->handler(ex);
      } catch (const std::exception& e) {
        spdlog::error("{} {}: {}", req.method, req.path, e.what());
        reply = error_reply(500, "Internal error");
      }
    }
  }
  if (!fault.empty()) stats_.fault(endpoint, fault);

  if (decision.slow_seconds > 0) {
    stats_.fault(endpoint, "slowed");
    if (fault.empty()) fault = "slowed";
    std::this_thread::sleep_for(std::chrono::duration<double>(decision.slow_seconds));
  }
  // Find the socket now but reset it only after the stats and the log are written, so a
  // client that sees the reset also sees the counters.
  int drop_fd = -1;
  if (decision.drop_after_accept && ex.creation_recorded) {
    drop_fd = connection_socket(req);
    if (drop_fd >= 0) {
      stats_.fault(endpoint, "dropped");
      fault = "dropped";
    }
  }
  const bool dropped = drop_fd >= 0;

  res.status = reply.status;
  for (const auto& [k, v] : reply.headers)
    res.set_header(k, v);
  if (!reply.content_type.empty()) {
    res.set_content(reply.body, reply.content_type.c_str());
  } else if (!reply.body.empty()) {
    res.body = reply.body;
  }

  stats_.request(endpoint, reply.status);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  Json entry = {{"ts", format_rfc3339(std::chrono::system_clock::now())},
                {"method", req.method},
                {"path", req.path},
                {"endpoint", endpoint},
                {"status", reply.status},
                {"latency_ms", std::round(ms * 100) / 100}};
  Json params = Json::object();
  for (const char* p : kLoggedParams) {
    if (req.has_param(p)) params[p] = req.get_param_value(p);
  }
  if (!params.empty()) entry["query"] = params;
  if (!ex.log_keys.empty()) entry["keys"] = ex.log_keys;
  if (!fault.empty()) entry["fault"] = fault;
  if (dropped) entry["dropped"] = true;
  log_.write(entry);
  spdlog::debug("{} {} -> {} [{}] {:.2f} ms{}", req.method, req.path, reply.status, endpoint, ms,
                fault.empty() ? "" : " (" + fault + ")");
  if (dropped) reset_connection(drop_fd);
}

}  // namespace dbtpy::sandbox
