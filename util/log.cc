#include "util/log.h"

#include <spdlog/sinks/base_sink.h>

#include <cstdio>
#include <mutex>

#include "util/clock.h"
#include "util/json.h"

namespace dbtpy {
namespace {

class RedactingStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  RedactingStderrSink(bool json, std::shared_ptr<const Redactor> redactor)
      : json_(json), redactor_(std::move(redactor)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string text(msg.payload.data(), msg.payload.size());
    if (redactor_) text = redactor_->redact(text);
    std::string line;
    auto level = spdlog::level::to_string_view(msg.level);
    if (json_) {
      Json j = {{"ts", format_rfc3339(msg.time)},
                {"level", std::string(level.data(), level.size())},
                {"msg", text}};
      line = j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
    } else {
      line = "[" + std::string(level.data(), level.size()) + "] " + text + "\n";
    }
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }

 private:
  bool json_;
  std::shared_ptr<const Redactor> redactor_;
};

}  // namespace

void init_logging(const LogOptions& options, std::shared_ptr<const Redactor> redactor) {
  auto sink = std::make_shared<RedactingStderrSink>(options.json, std::move(redactor));
  auto logger = std::make_shared<spdlog::logger>("dbtpy", sink);
  logger->set_level(options.quiet   ? spdlog::level::err
                    : options.debug ? spdlog::level::debug
                                    : spdlog::level::warn);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

}  // namespace dbtpy
