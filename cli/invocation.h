#pragma once
// What one `dbtpy ...` run carries from flag parsing to the chosen command: the global flags,
// the redactor shared by every output path, the reporter, and the action the selected
// subcommand registered. Owned by main(); commands receive it by reference.
#include <functional>
#include <memory>

#include "cli/global_options.h"
#include "cli/reporter.h"
#include "util/redactor.h"

namespace CLI {
class App;
}

namespace dbtpy::cli {

struct Invocation {
  GlobalOptions globals;
  std::shared_ptr<Redactor> redactor = std::make_shared<Redactor>();
  std::unique_ptr<Reporter> reporter;  // created by main once flags are known
  // Set by the selected subcommand's parse callback; returns the process exit code.
  std::function<int(Invocation&)> action;
};

// Exit codes, as dbt uses them.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // invalid models, failed runs
inline constexpr int kExitUsage = 2;    // bad flags, project or profile errors

// Each command file adds its subcommand; see cli/main.cc for the list.
using CommandAdder = void (*)(CLI::App& app, Invocation& inv);

}  // namespace dbtpy::cli
