#include "tests/support/connect_proxy.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace dbtpy::testing {

ConnectProxy::ConnectProxy() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 16) != 0) {
    throw std::runtime_error("connect proxy: bind/listen failed");
  }
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

ConnectProxy::~ConnectProxy() {
  stop();
}

void ConnectProxy::stop() {
  if (stopping_.exchange(true)) return;
  shutdown(listen_fd_, SHUT_RDWR);
  close(listen_fd_);
  if (acceptor_.joinable()) acceptor_.join();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
}

std::vector<std::string> ConnectProxy::targets() const {
  std::lock_guard lock(mu_);
  return targets_;
}

void ConnectProxy::accept_loop() {
  while (!stopping_) {
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void ConnectProxy::serve(int client) {
  std::string head;
  char buf[8192];
  while (head.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = recv(client, buf, sizeof buf, 0);
    if (n <= 0) {
      close(client);
      return;
    }
    head.append(buf, static_cast<size_t>(n));
  }
  // "CONNECT host:port HTTP/1.1"
  if (head.rfind("CONNECT ", 0) != 0) {
    std::string resp = "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n";
    send(client, resp.data(), resp.size(), MSG_NOSIGNAL);
    close(client);
    return;
  }
  std::string target = head.substr(8, head.find(' ', 8) - 8);
  {
    std::lock_guard lock(mu_);
    targets_.push_back(target);
  }
  auto colon = target.rfind(':');
  std::string host = target.substr(0, colon);
  std::string port = target.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int upstream = -1;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) == 0) {
    for (auto* ai = res; ai; ai = ai->ai_next) {
      upstream = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
      if (upstream >= 0 && connect(upstream, ai->ai_addr, ai->ai_addrlen) == 0) break;
      if (upstream >= 0) close(upstream);
      upstream = -1;
    }
    freeaddrinfo(res);
  }
  if (upstream < 0) {
    std::string resp = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
    send(client, resp.data(), resp.size(), MSG_NOSIGNAL);
    close(client);
    return;
  }
  tunnels_.fetch_add(1);
  std::string ok = "HTTP/1.1 200 Connection established\r\n\r\n";
  send(client, ok.data(), ok.size(), MSG_NOSIGNAL);
  pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
  while (!stopping_) {
    if (poll(fds, 2, 100) < 0) break;
    bool done = false;
    for (int i = 0; i < 2 && !done; ++i) {
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = recv(fds[i].fd, buf, sizeof buf, 0);
        if (n <= 0 || send(fds[1 - i].fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL) < 0) {
          done = true;
        }
      }
    }
    if (done) break;
  }
  close(upstream);
  close(client);
}

}  // namespace dbtpy::testing
