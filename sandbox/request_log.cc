#include "sandbox/request_log.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace dbtpy::sandbox {

RequestLog::RequestLog(const std::filesystem::path& path) {
  if (path.empty()) return;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  file_ = std::fopen(path.c_str(), "a");
  if (!file_) {
    throw std::runtime_error("cannot open the request log " + path.string() + ": " +
                             std::strerror(errno));
  }
}

RequestLog::~RequestLog() {
  if (file_) std::fclose(file_);
}

void RequestLog::write(const Json& entry) {
  if (!file_) return;
  std::string line = entry.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace dbtpy::sandbox
