#include "tests/support/test_server.h"

#include <chrono>
#include <stdexcept>

namespace dbtpy::testing {

TestServer::TestServer() : server_(std::make_unique<httplib::Server>()) {}

TestServer::TestServer(const TestCa& ca, const std::vector<std::string>& extra_names)
    : tls_(true), cert_(ca.issue_server_cert(extra_names)) {
  server_ = std::make_unique<httplib::SSLServer>(cert_.cert.get(), cert_.key.get());
  if (!server_->is_valid()) throw std::runtime_error("test server: invalid TLS setup");
}

TestServer::~TestServer() {
  stop();
}

void TestServer::start() {
  // Bounds how long stop() waits for a client that keeps its connection alive.
  server_->set_keep_alive_timeout(1);
  // Without it, Nagle's algorithm and the client's delayed ACK add 40 ms to every exchange.
  server_->set_tcp_nodelay(true);
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
    count(req);
    return httplib::Server::HandlerResponse::Unhandled;
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("test server: bind failed");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void TestServer::stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

std::string TestServer::base_url() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

void TestServer::count(const httplib::Request& req) {
  std::lock_guard lock(mu_);
  ++hits_[req.path];
}

int TestServer::hits(const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = hits_.find(path);
  return it == hits_.end() ? 0 : it->second;
}

int TestServer::total_hits() const {
  std::lock_guard lock(mu_);
  int n = 0;
  for (const auto& [_, c] : hits_)
    n += c;
  return n;
}

}  // namespace dbtpy::testing
