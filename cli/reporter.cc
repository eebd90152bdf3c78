#include "cli/reporter.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "util/clock.h"

namespace dbtpy::cli {

Reporter::Reporter(ReporterOptions options, std::shared_ptr<const Redactor> redactor)
    : options_(options), redactor_(std::move(redactor)) {}

std::string Reporter::paint(std::string_view text, Tone tone) const {
  if (!options_.color || tone == Tone::kPlain) return std::string(text);
  const char* code = tone == Tone::kGood   ? "\x1b[32m"
                     : tone == Tone::kBad  ? "\x1b[31m"
                     : tone == Tone::kWarn ? "\x1b[33m"
                                           : "\x1b[2m";
  return std::string(code) + std::string(text) + "\x1b[0m";
}

void Reporter::output(std::string_view line) {
  std::string text = std::string(line) + "\n";
  std::lock_guard lock(mu_);
  write_stdout(text);
}

void Reporter::event(std::string_view name, std::string_view text, const Json& fields, Tone tone,
                     bool force) {
  if (options_.quiet && !force) return;
  std::string line;
  if (options_.json) {
    Json j = fields.is_object() ? fields : Json::object();
    j["event"] = std::string(name);
    j["msg"] = std::string(text);
    j["ts"] = format_rfc3339(std::chrono::system_clock::now());
    line = j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  } else {
    line = paint(text, tone) + "\n";
  }
  std::lock_guard lock(mu_);
  write_stdout(line);
}

void Reporter::diagnostic(const Diagnostic& d) {
  std::lock_guard lock(mu_);
  if (options_.json) {
    Json j = {{"event", d.severity == Severity::kError ? "error" : "warning"},
              {"code", d.code},
              {"file", d.file},
              {"line", d.line},
              {"column", d.column},
              {"msg", d.message},
              {"hint", d.hint},
              {"ts", format_rfc3339(std::chrono::system_clock::now())}};
    write_stdout(j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n");
  } else {
    std::string text = format_diagnostic(d);
    if (options_.color) {
      auto pos = text.find(d.severity == Severity::kError ? "error" : "warning");
      if (pos != std::string::npos) {
        size_t end = text.find(": ", pos);
        std::string head = text.substr(pos, end - pos);
        text.replace(pos, head.size(),
                     paint(head, d.severity == Severity::kError ? Tone::kBad : Tone::kWarn));
      }
    }
    write_stderr(text + "\n");
  }
}

void Reporter::write_stdout(std::string_view text) {
  std::string safe = redactor_ ? redactor_->redact(text) : std::string(text);
  std::fwrite(safe.data(), 1, safe.size(), stdout);
  std::fflush(stdout);
}

void Reporter::write_stderr(std::string_view text) {
  std::string safe = redactor_ ? redactor_->redact(text) : std::string(text);
  std::fwrite(safe.data(), 1, safe.size(), stderr);
  std::fflush(stderr);
}

bool want_color(bool no_color_flag) {
  if (no_color_flag) return false;
  const char* nc = std::getenv("NO_COLOR");
  if (nc && *nc) return false;
  return ::isatty(STDOUT_FILENO) == 1;
}

}  // namespace dbtpy::cli
