// `dbtpy cancel`: cancels what a run left behind, from its ledger
// (<target-path>/dbtpy/runs/<run_id>.jsonl): remote work never seen to end (statements,
// Databricks runs and commands, Dataproc batches and jobs) and armed cleanups never done
// (execution contexts, uploaded files, staging tables). For runs killed with -9, lost CI
// runners, or a second Ctrl-C.
//
//   dbtpy cancel --run <run_id>   one run (its ledger must exist under this target path)
//   dbtpy cancel --all-open       every ledger whose run ended without settling everything
//   dbtpy cancel --list           show the ledgers and what each may have left open
//
// A ledger still locked by a live dbtpy process is refused (that run cancels its own work on
// SIGINT/SIGTERM). What was done is appended to the ledger (`cancel_replayed`), so a second
// `--all-open` does not replay it again. Exit 0 when every item was handled, 1 otherwise, 2
// for usage errors.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <optional>

#include "cli/invocation.h"
#include "cli/project_context.h"
#include "runner/ledger_reader.h"
#include "runner/run_ledger.h"
#include "submitters/clients.h"
#include "submitters/execution.h"
#include "util/error.h"
#include "util/fs.h"

namespace dbtpy::cli {
namespace {

namespace fs = std::filesystem;

struct CancelFlags {
  std::optional<std::string> run;
  bool all_open = false;
  bool list = false;
};

// replay_cancel's lines start with what happened; anything but a failure counts as handled.
bool line_failed(const std::string& line) {
  return line.find("failed") != std::string::npos || line.find("error") != std::string::npos;
}

int run_cancel(Invocation& inv, const CancelFlags& flags) {
  const int modes = (flags.run ? 1 : 0) + (flags.all_open ? 1 : 0) + (flags.list ? 1 : 0);
  if (modes != 1)
    throw_usage_error("DBTPY560",
                      "dbtpy cancel needs exactly one of --run <id>, --all-open, --list",
                      "e.g. `dbtpy cancel --run 3f2c...` (the id is printed by `dbtpy submit` and "
                      "is run_results.json's metadata.invocation_id)");
  // The profile gives the credentials; the project gives the target path (only its
  // dbt_project.yml and profile are needed, but loading is the one way to get both right).
  GlobalOptions& g = inv.globals;
  g.select.clear();
  g.exclude.clear();
  ProjectContext ctx = load_project_context(inv, {/*apply_selection=*/false});
  const compiler::Project& project = ctx.project;
  const fs::path dir = runner::ledger_dir(project.target_dir);
  const fs::path cwd = fs::current_path();

  std::vector<runner::LedgerSummary> chosen;
  if (flags.run) {
    const fs::path path = runner::ledger_path(project.target_dir, *flags.run);
    if (!fs::exists(path))
      throw_usage_error("DBTPY561", "no ledger for run " + *flags.run + " under this target path",
                        "run `dbtpy cancel --list` to see the runs dbtpy knows of; pass the same "
                        "--project-dir/--target as the run",
                        display_path(path, cwd));
    chosen.push_back(runner::read_ledger(path));
  } else {
    for (const auto& path : runner::list_ledgers(dir)) {
      try {
        runner::LedgerSummary s = runner::read_ledger(path);
        if (flags.list || (s.open() && !s.replayed && !s.active)) chosen.push_back(std::move(s));
      } catch (const std::exception& e) {
        Diagnostic d;
        d.code = "DBTPY562";
        d.severity = Severity::kWarning;
        d.file = display_path(path, cwd);
        d.message = std::string("cannot read this run ledger: ") + e.what();
        d.hint = "it is skipped; delete it if it is not a dbtpy ledger";
        inv.reporter->diagnostic(d);
      }
    }
  }

  if (flags.list) {
    for (const auto& s : chosen)
      inv.reporter->output(fmt::format(
          "{}  {}  target={}  models={}  {}{}", s.run_id, s.started_at, s.target, s.models,
          s.active ? "running" : (s.status.empty() ? "ended without finishing" : s.status),
          s.open() ? fmt::format(" — {} open item{}{}", s.open_items.size(),
                                 s.open_items.size() == 1 ? "" : "s",
                                 s.replayed ? " (cancel already replayed)" : "")
                   : ""));
    if (chosen.empty())
      inv.reporter->event("no_runs", "No run ledgers under " + display_path(dir, cwd));
    return kExitOk;
  }
  if (chosen.empty()) {
    inv.reporter->event("nothing_open", "Nothing to cancel: no run left remote work open.", {},
                        Tone::kGood, /*force=*/true);
    return kExitOk;
  }

  submitters::ClientDeps deps;
  deps.env = profiles::process_env();
  deps.redactor = inv.redactor;
  std::unique_ptr<submitters::PlatformClients> clients =
      submitters::PlatformClients::create(ctx.profile, deps);

  runner::LedgerOptions lo;
  lo.redactor = inv.redactor;
  bool all_ok = true;
  for (const auto& s : chosen) {
    if (s.active) {
      Diagnostic d;
      d.code = "DBTPY563";
      d.file = display_path(s.path, cwd);
      d.message =
          fmt::format("run {} is still going (process {} holds its ledger)", s.run_id, s.pid);
      d.hint = "stop it with Ctrl-C or `kill -TERM " + std::to_string(s.pid) +
               "`: it cancels its own remote work";
      inv.reporter->diagnostic(d);
      all_ok = false;
      continue;
    }
    std::unique_ptr<runner::RunLedger> ledger = runner::RunLedger::open_existing(s.path, lo);
    if (!ledger) {  // a process took it between reading and opening
      all_ok = false;
      continue;
    }
    inv.reporter->event("cancel_run",
                        fmt::format("Run {} ({} open item{}):", s.run_id, s.open_items.size(),
                                    s.open_items.size() == 1 ? "" : "s"),
                        {{"run_id", s.run_id}, {"items", s.open_items.size()}}, Tone::kPlain,
                        /*force=*/true);
    if (s.platform != std::string(profiles::platform_name(project.target.platform)))
      inv.reporter->event(
          "cancel_platform",
          fmt::format("  note: the run used target '{}' ({}); the current target is {}", s.target,
                      s.platform, profiles::platform_name(project.target.platform)),
          {}, Tone::kWarn, true);
    std::vector<std::string> lines = submitters::replay_cancel(s.open_items, clients->clients());
    bool ok = true;
    for (const auto& line : lines) {
      ok = ok && !line_failed(line);
      inv.reporter->event("cancel_item", "  " + line, {{"run_id", s.run_id}, {"line", line}},
                          line_failed(line)                ? Tone::kBad
                          : line.rfind("warning:", 0) == 0 ? Tone::kWarn
                                                           : Tone::kPlain,
                          true);
    }
    all_ok = all_ok && ok;
    ledger->append("cancel_replayed",
                   {{"pid", static_cast<long long>(getpid())},
                    {"items", s.open_items.size()},
                    {"lines", lines},
                    {"ok", ok}},
                   /*sync=*/true);
  }
  return all_ok ? kExitOk : kExitFailure;
}

}  // namespace

void add_cancel_command(CLI::App& app, Invocation& inv) {
  auto flags = std::make_shared<CancelFlags>();
  CLI::App* cmd = app.add_subcommand(
      "cancel",
      "Cancel the remote work and clean up what a crashed or interrupted run left behind, "
      "from its ledger (<target-path>/dbtpy/runs/)");
  cmd->add_option("--run", flags->run,
                  "The run id (printed by submit; run_results.json "
                  "metadata.invocation_id)");
  cmd->add_flag("--all-open", flags->all_open,
                "Every run that ended without settling its remote work");
  cmd->add_flag("--list", flags->list, "List the run ledgers and what each left open");
  cmd->callback(
      [&inv, flags] { inv.action = [flags](Invocation& i) { return run_cancel(i, *flags); }; });
}

}  // namespace dbtpy::cli
