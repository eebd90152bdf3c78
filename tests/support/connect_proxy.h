#pragma once
// A minimal HTTPS proxy (HTTP CONNECT tunnels only) on 127.0.0.1 that counts the tunnels it
// opens and remembers their targets, to prove the client honours HTTPS_PROXY and NO_PROXY.
// Thread-safe; stops on destruction.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dbtpy::testing {

class ConnectProxy {
 public:
  ConnectProxy();
  ~ConnectProxy();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int tunnels() const { return tunnels_.load(); }
  std::vector<std::string> targets() const;
  void stop();

 private:
  void accept_loop();
  void serve(int client);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> tunnels_{0};
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::vector<std::thread> workers_;
  mutable std::mutex mu_;
  std::vector<std::string> targets_;
};

}  // namespace dbtpy::testing
