#pragma once
// A raw TCP server on 127.0.0.1 that misbehaves on cue, for the transport failures a real
// HTTP server library will not produce: connection reset before or after reading the
// request, a close without a response, a response that never comes. Each accepted
// connection takes the next step of the script (the last step repeats). Plain http; one
// request per connection. Thread-safe; stops on destruction.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dbtpy::testing {

enum class Fault {
  kRespond,         // read the request, send `status` + `body`, close
  kResetOnAccept,   // RST at once, without reading anything
  kResetAfterRead,  // read the whole request, then RST
  kCloseAfterRead,  // read the whole request, then close cleanly (empty reply)
  kStall,           // read the request, then wait `delay` (or until stop) before responding
};

struct FaultStep {
  Fault fault = Fault::kRespond;
  int status = 200;
  std::string body = "{}";
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};
};

class FaultServer {
 public:
  explicit FaultServer(std::vector<FaultStep> script);
  ~FaultServer();

  int port() const { return port_; }
  std::string url(const std::string& path = "/") const;
  int connections() const { return connections_.load(); }
  // The request line and body of every request read, in order.
  std::vector<std::string> request_lines() const;
  std::vector<std::string> request_bodies() const;
  void stop();

 private:
  void accept_loop();
  void serve(int fd, FaultStep step);

  std::vector<FaultStep> script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::vector<std::thread> workers_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  std::vector<std::string> bodies_;
};

}  // namespace dbtpy::testing
