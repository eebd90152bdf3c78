#pragma once
// A cpp-httplib server (plain or TLS) listening on 127.0.0.1, an ephemeral port, in a
// background thread; stopped and joined on destruction. Register routes on server() before
// start(). Requests are counted per path for tests that assert exact attempt numbers.
#include <httplib.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/tls_test_ca.h"

namespace dbtpy::testing {

class TestServer {
 public:
  // Plain http.
  TestServer();
  // https with a certificate issued by `ca` for 127.0.0.1, localhost and `extra_names`.
  explicit TestServer(const TestCa& ca, const std::vector<std::string>& extra_names = {});
  ~TestServer();

  httplib::Server& server() { return *server_; }
  void start();
  void stop();

  int port() const { return port_; }
  std::string base_url() const;  // "https://127.0.0.1:PORT"

  int hits(const std::string& path) const;
  int total_hits() const;

 private:
  void count(const httplib::Request& req);

  bool tls_ = false;
  IssuedCert cert_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, int> hits_;
};

}  // namespace dbtpy::testing
