#pragma once
// The sandbox's HTTP(S) front: one cpp-httplib server on 127.0.0.1 whose catch-all handlers
// dispatch through the Router, and around every request apply the injected faults (reject
// with 429/5xx before processing, slow down, drop the connection after a recorded creation),
// count it in Stats and write one line to the RequestLog. Thread-safe: httplib serves requests
// from a pool of threads; everything shared here is read-only or internally locked.
#include <memory>
#include <string>
#include <thread>

#include "sandbox/fault_injector.h"
#include "sandbox/http/router.h"
#include "sandbox/request_log.h"
#include "sandbox/stats.h"

namespace httplib {
class Server;
}

namespace dbtpy::sandbox {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::string tls_cert;  // PEM paths; both empty = plain HTTP
  std::string tls_key;
  size_t threads = 64;  // synchronous Snowflake submits hold a thread while they wait
};

class HttpServer {
 public:
  HttpServer(Router& router, FaultInjector& faults, Stats& stats, RequestLog& log,
             ServerOptions options);
  ~HttpServer();

  // Binds (port 0 = any free port) and serves on a background thread. Returns the base URL,
  // e.g. "http://127.0.0.1:41234". Throws std::runtime_error when it cannot bind.
  std::string start(int port);
  void stop();
  const std::string& base_url() const { return base_url_; }

 private:
  void handle(const httplib::Request& req, httplib::Response& res);

  Router& router_;
  FaultInjector& faults_;
  Stats& stats_;
  RequestLog& log_;
  ServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string base_url_;
};

}  // namespace dbtpy::sandbox
