// `dbtpy compile`: compiles every selected Python model into the payload its platform runs
// and writes it for review, with no credentials and no network:
//   <target-path>/dbtpy/<target>/manifest.json         the compiled models and their steps
//   <target-path>/dbtpy/<target>/<model>/model.py      user code + dbt context + driver
//   <target-path>/dbtpy/<target>/<model>/requests.json the ordered requests submit sends
//   <target-path>/dbtpy/<target>/<model>/...           the platform's review files
// Every file is written atomically; files a previous compile left in a model's folder that
// the payload no longer has are removed. One line per model (platform, method, folder);
// exit 1 when any selected model failed to load or compile.
// The work is compile_models.h's, shared with `dbtpy submit` (which writes the same files);
// tests/cli/compile_test.cc is its end-to-end test.
#include <CLI/CLI.hpp>

#include "cli/compile_models.h"
#include "cli/invocation.h"

namespace dbtpy::cli {

void add_compile_command(CLI::App& app, Invocation& inv) {
  CLI::App* cmd = app.add_subcommand(
      "compile",
      "Compile the selected Python models into their platform payloads for review "
      "(<target-path>/dbtpy/<target>/); needs no credentials");
  cmd->callback([&inv] { inv.action = [](Invocation& i) { return run_compile_command(i); }; });
}

}  // namespace dbtpy::cli
