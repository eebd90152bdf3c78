#pragma once
// The one place that prints for the user. Text or JSON lines (`--log-format json`), colours
// only on a terminal, everything through the Redactor. Thread-safe: the engine reports from
// several threads; each call writes whole lines under one lock.
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "util/diagnostic.h"
#include "util/json.h"
#include "util/redactor.h"

namespace dbtpy::cli {

struct ReporterOptions {
  bool json = false;
  bool quiet = false;  // suppress info events; results and errors still print
  bool color = false;  // resolved by the caller (TTY, --no-color, NO_COLOR)
};

enum class Tone { kPlain, kGood, kBad, kWarn, kDim };

class Reporter {
 public:
  Reporter(ReporterOptions options, std::shared_ptr<const Redactor> redactor);

  // Command output proper (e.g. `ls` lines): stdout, never wrapped, never suppressed.
  void output(std::string_view line);
  // A progress or summary event: text mode prints `text` (with tone), JSON mode prints
  // {"event": name, "msg": text, ...fields}. Suppressed by --quiet unless `force`.
  void event(std::string_view name, std::string_view text, const Json& fields = Json::object(),
             Tone tone = Tone::kPlain, bool force = false);
  // A problem: stderr in text mode, an "error" event in JSON mode. Never suppressed.
  void diagnostic(const Diagnostic& d);

  bool json() const { return options_.json; }
  bool color() const { return options_.color; }
  std::string paint(std::string_view text, Tone tone) const;

 private:
  void write_stdout(std::string_view text);
  void write_stderr(std::string_view text);

  ReporterOptions options_;
  std::shared_ptr<const Redactor> redactor_;
  std::mutex mu_;
};

// Colour decision as dbt/CLI conventions have it: a TTY, no --no-color, no NO_COLOR variable.
bool want_color(bool no_color_flag);

}  // namespace dbtpy::cli
