// `dbtpy parse`: loads and checks the whole project (every Python model analyzed, configs
// resolved, refs and sources resolved, DAG checked) and writes <target-path>/dbtpy/
// manifest.json atomically — only when there are no errors, so the previous manifest stays
// usable. Prints one summary line with the counts and the time taken.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>

#include "cli/invocation.h"
#include "cli/project_context.h"
#include "compiler/dbtpy_manifest.h"
#include "util/fs.h"
#include "util/strings.h"

namespace dbtpy::cli {
namespace {

int run_parse(Invocation& inv) {
  auto start = std::chrono::steady_clock::now();
  ContextOptions options;
  options.apply_selection = false;
  ProjectContext ctx = load_project_context(inv, options);
  const compiler::Project& p = ctx.project;

  size_t python = 0, sql = 0, seeds = 0, snapshots = 0, sources = 0, errors = 0, warnings = 0;
  for (const auto& n : p.nodes) {
    switch (n.kind) {
      case compiler::NodeKind::kModel:
        (n.python_model >= 0 ? python : sql)++;
        break;
      case compiler::NodeKind::kSeed:
        ++seeds;
        break;
      case compiler::NodeKind::kSnapshot:
        ++snapshots;
        break;
      case compiler::NodeKind::kSource:
        ++sources;
        break;
    }
  }
  for (const auto& d : p.diagnostics)
    (d.severity == Severity::kError ? errors : warnings)++;

  Json fields = {{"python_models", python}, {"sql_models", sql},  {"seeds", seeds},
                 {"snapshots", snapshots},  {"sources", sources}, {"errors", errors},
                 {"warnings", warnings}};
  if (p.exit_code() != 0) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fields["seconds"] = secs;
    inv.reporter->event("parse_failed",
                        fmt::format("Parse failed with {} in {:.2f}s; manifest not written",
                                    counted(errors, "error"), secs),
                        fields, Tone::kBad, /*force=*/true);
    int code = p.exit_code();
    keep_until_exit(std::move(ctx));
    return code;
  }
  auto before_write = std::chrono::steady_clock::now();
  std::filesystem::path written = compiler::write_dbtpy_manifest(p);
  spdlog::debug(
      "parse: manifest written in {:.3f}s",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - before_write).count());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string where = display_path(written, std::filesystem::current_path());
  fields["seconds"] = secs;
  fields["path"] = where;
  inv.reporter->event(
      "parse_done",
      fmt::format("Parsed {} ({}, {}, {}, {}{}) in {:.2f}s -> {}", counted(python, "Python model"),
                  counted(sql, "SQL model"), counted(seeds, "seed"), counted(snapshots, "snapshot"),
                  counted(sources, "source"), warnings ? ", " + counted(warnings, "warning") : "",
                  secs, where),
      fields, Tone::kGood, /*force=*/true);
  keep_until_exit(std::move(ctx));
  return 0;
}

}  // namespace

void add_parse_command(CLI::App& app, Invocation& inv) {
  CLI::App* parse = app.add_subcommand(
      "parse", "Load and check the project; write <target-path>/dbtpy/manifest.json");
  parse->callback([&inv] { inv.action = [](Invocation& i) { return run_parse(i); }; });
}

}  // namespace dbtpy::cli
