#pragma once
// The process logger (spdlog, the one piece of global mutable state the design allows). Every
// line passes through the Redactor before it reaches stderr. Diagnostics for developers go
// here; what users read goes through the CLI's reporter.
#include <spdlog/spdlog.h>

#include <memory>

#include "util/redactor.h"

namespace dbtpy {

struct LogOptions {
  bool json = false;   // one JSON object per line instead of text
  bool debug = false;  // include debug-level lines
  bool quiet = false;  // only errors
};

// Installs the "dbtpy" logger as spdlog's default. Safe to call again (tests, re-configuration).
void init_logging(const LogOptions& options, std::shared_ptr<const Redactor> redactor);

}  // namespace dbtpy
