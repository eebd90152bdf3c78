#include "tests/support/fault_server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace dbtpy::testing {
namespace {

void reset_close(int fd) {
  linger l{1, 0};  // close() now sends RST instead of FIN
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

// Reads headers and a Content-Length body. Returns false if the peer went away first.
bool read_request(int fd, std::string& head, std::string& body) {
  std::string data;
  char buf[4096];
  size_t header_end = std::string::npos;
  while (header_end == std::string::npos) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    data.append(buf, static_cast<size_t>(n));
    header_end = data.find("\r\n\r\n");
  }
  head = data.substr(0, header_end);
  body = data.substr(header_end + 4);
  size_t length = 0;
  std::string lower;
  for (char c : head)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (auto p = lower.find("content-length:"); p != std::string::npos) {
    length = std::stoul(lower.substr(p + 15));
  }
  while (body.size() < length) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    body.append(buf, static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

FaultServer::FaultServer(std::vector<FaultStep> script) : script_(std::move(script)) {
  if (script_.empty()) script_.push_back({});
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 64) != 0) {
    throw std::runtime_error("fault server: bind/listen failed");
  }
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FaultServer::~FaultServer() {
  stop();
}

void FaultServer::stop() {
  if (stopping_.exchange(true)) return;
  shutdown(listen_fd_, SHUT_RDWR);
  close(listen_fd_);
  cv_.notify_all();
  if (acceptor_.joinable()) acceptor_.join();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
}

std::string FaultServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<std::string> FaultServer::request_lines() const {
  std::lock_guard lock(mu_);
  return lines_;
}

std::vector<std::string> FaultServer::request_bodies() const {
  std::lock_guard lock(mu_);
  return bodies_;
}

void FaultServer::accept_loop() {
  while (!stopping_) {
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    int index = connections_.fetch_add(1);
    FaultStep step = script_[std::min<size_t>(static_cast<size_t>(index), script_.size() - 1)];
    workers_.emplace_back([this, fd, step] { serve(fd, step); });
  }
}

void FaultServer::serve(int fd, FaultStep step) {
  if (step.fault == Fault::kResetOnAccept) {
    reset_close(fd);
    return;
  }
  std::string head, body;
  if (!read_request(fd, head, body)) {
    close(fd);
    return;
  }
  {
    std::lock_guard lock(mu_);
    lines_.push_back(head.substr(0, head.find("\r\n")));
    bodies_.push_back(body);
  }
  switch (step.fault) {
    case Fault::kResetAfterRead:
      reset_close(fd);
      return;
    case Fault::kCloseAfterRead:
      close(fd);
      return;
    case Fault::kStall: {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, step.delay, [this] { return stopping_.load(); });
      break;
    }
    default:
      break;
  }
  std::string resp = "HTTP/1.1 " + std::to_string(step.status) + " X\r\n";
  for (const auto& [k, v] : step.headers)
    resp += k + ": " + v + "\r\n";
  resp += "Content-Type: application/json\r\nContent-Length: " + std::to_string(step.body.size()) +
          "\r\nConnection: close\r\n\r\n" + step.body;
  send(fd, resp.data(), resp.size(), MSG_NOSIGNAL);
  close(fd);
}

}  // namespace dbtpy::testing
