// `dbtpy submit` (alias `run`): compiles the selected Python models exactly as `dbtpy compile`
// does (and writes the same review files, so what ran is what can be reviewed), then runs
// them on their platform through the run engine (runner/engine.h), upstream before
// downstream, `--threads` at a time, and writes <target-path>/run_results.json and the run
// ledger <target-path>/dbtpy/runs/<run_id>.jsonl.
//
// Signals: SIGINT/SIGTERM are read by a SignalWatcher thread created before any other
// thread; the first one cancels everything in flight and waits (bounded, with a countdown)
// for the platforms to confirm; a second SIGINT stops waiting at once and prints what may
// still be running and the `dbtpy cancel --run <id>` that cleans it up. Artifacts are written
// on every path. Exit codes: 0, 1 (a model failed), 2 (usage/project), 130/143 (signals).
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "cli/compile_models.h"
#include "cli/invocation.h"
#include "cli/project_context.h"
#include "cli/run_printer.h"
#include "compiler/python_order.h"
#include "runner/engine.h"
#include "runner/run_ledger.h"
#include "runner/run_results.h"
#include "runner/signal_watcher.h"
#include "submitters/clients.h"
#include "submitters/execution.h"
#include "submitters/run_lookups.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/ids.h"
#include "util/version.h"

namespace dbtpy::cli {
namespace {

namespace fs = std::filesystem;

struct SubmitFlags {
  std::optional<int> threads;
  bool full_refresh = false;
  bool dry_run = false;
  bool show_output = false;
  bool fail_fast = false;
  std::optional<double> cancel_wait;  // seconds
};

// The process's own command line, for the ledger (redacted when written).
Json own_argv() {
  Json argv = Json::array();
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string arg;
  while (std::getline(in, arg, '\0'))
    argv.push_back(arg);
  return argv;
}

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

// The selected Python models a node waits for: its nearest Python ancestors; one that is not
// selected is looked through to its own (dbt orders the selected nodes by the whole graph).
void selected_upstream(const compiler::Project& project, size_t node,
                       const std::map<size_t, size_t>& plan_index, std::set<size_t>& out,
                       std::set<size_t>& seen) {
  for (size_t up : compiler::upstream_python_models(project, node)) {
    if (!seen.insert(up).second) continue;
    auto it = plan_index.find(up);
    if (it != plan_index.end())
      out.insert(it->second);
    else
      selected_upstream(project, up, plan_index, out, seen);
  }
}

std::optional<std::chrono::milliseconds> model_timeout(const compiler::ResolvedConfig& config) {
  auto it = config.values.find("timeout");
  if (it == config.values.end() || !it->is_number()) return std::nullopt;
  const double secs = it->get<double>();
  if (secs <= 0) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(secs * 1000));
}

Json invocation_args(const Invocation& inv, const SubmitFlags& flags, int threads,
                     const std::string& target) {
  const GlobalOptions& g = inv.globals;
  Json select = g.select, exclude = g.exclude;
  return {{"which", "run"},
          {"project_dir", g.project_dir},
          {"profiles_dir", g.profiles_dir ? Json(*g.profiles_dir) : Json(nullptr)},
          {"profile", g.profile ? Json(*g.profile) : Json(nullptr)},
          {"target", target},
          {"vars", g.vars_yaml},
          {"select", select},
          {"exclude", exclude},
          {"threads", threads},
          {"full_refresh", flags.full_refresh},
          {"fail_fast", flags.fail_fast},
          {"show_output", flags.show_output},
          {"log_format", g.log_format}};
}

// Handed the signals by the watcher thread; forwards them to the engine once it exists.
class SignalRelay {
 public:
  void on_signal(int signal, int count) {
    std::lock_guard lock(mu_);
    if (!first_) first_ = signal;
    if (count == 1) {
      if (engine_) engine_->interrupt(signal);
    } else if (signal == SIGINT || count >= 3) {
      // Second Ctrl-C (or a third signal of any kind): stop waiting for confirmations.
      abort_ = true;
      if (cancelled_) cancelled_->store(true);
      if (engine_) engine_->abort_now();
    }
  }
  void attach(runner::Engine* engine) {
    std::lock_guard lock(mu_);
    engine_ = engine;
    if (engine_ && first_) {
      engine_->interrupt(first_);
      if (abort_) engine_->abort_now();
    }
  }
  void set_cancel_flag(std::shared_ptr<std::atomic<bool>> flag) {
    std::lock_guard lock(mu_);
    cancelled_ = std::move(flag);
    if (abort_) cancelled_->store(true);
  }
  int first() const {
    std::lock_guard lock(mu_);
    return first_;
  }

 private:
  mutable std::mutex mu_;
  runner::Engine* engine_ = nullptr;
  std::shared_ptr<std::atomic<bool>> cancelled_;
  int first_ = 0;
  bool abort_ = false;
};

int run_submit(Invocation& inv, const SubmitFlags& flags) {
  if (flags.dry_run) return run_compile_command(inv);

  // First, before any other thread exists (libcurl's resolver, the engine's workers).
  SignalRelay relay;
  runner::SignalWatcher watcher(
      [&relay](int signal, int count) { relay.on_signal(signal, count); });

  ProjectContext ctx = load_project_context(inv);
  const compiler::Project& project = ctx.project;
  if (project.exit_code() == kExitUsage) return kExitUsage;
  if (flags.threads && *flags.threads < 1) {
    Diagnostic d;
    d.code = "DBTPY550";
    d.message = fmt::format("--threads must be at least 1 (got {})", *flags.threads);
    d.hint = "pass --threads N with N >= 1, or leave it out to use the profile's `threads`";
    throw Error(ErrorKind::kUsage, {d});
  }
  const int threads = flags.threads.value_or(std::max(1, project.target.threads));
  const std::string target_name = project.target.name;
  const std::string platform(profiles::platform_name(project.target.platform));

  RunPrinterOptions po;
  po.live_progress = !inv.reporter->json() && !inv.globals.quiet && isatty(STDERR_FILENO);
  po.show_output = flags.show_output;
  RunPrinter printer(*inv.reporter, po);
  printer.info("run_header", fmt::format("Running with dbtpy={}", kVersion),
               {{"version", kVersion}});

  CompileOutput compiled = compile_selected(inv, ctx, {/*announce=*/false});
  if (!compiled.manifest_written) return kExitFailure;

  // The plan: the selected Python models, parents first, with what each waits for.
  runner::RunPlan plan;
  std::map<size_t, size_t> plan_index;  // node index -> plan index
  std::map<size_t, const CompiledModel*> by_node;
  std::map<size_t, std::string> failed_by_node;
  for (const auto& c : compiled.compiled)
    by_node[c.node] = &c;
  for (const auto& [node, why] : compiled.failed)
    failed_by_node[node] = why;
  for (size_t node : ctx.selected_python) {
    const compiler::Node& n = project.nodes[node];
    const compiler::ModelIR& ir = project.python_models[static_cast<size_t>(n.python_model)];
    runner::PlannedModel m;
    m.unique_id = n.unique_id;
    m.name = n.name;
    m.original_file_path = ir.original_file_path;
    m.display_relation = ir.relation.schema.empty()
                             ? ir.relation.identifier
                             : ir.relation.schema + "." + ir.relation.identifier;
    m.relation_name = ir.relation.rendered;
    m.platform = platform;
    const compiler::ResolvedConfig config = ir.config.unpack();
    m.materialized = config.values.value("materialized", std::string("table"));
    m.timeout = model_timeout(config);
    std::set<size_t> up, seen;
    selected_upstream(project, node, plan_index, up, seen);
    m.upstream.assign(up.begin(), up.end());
    if (auto it = by_node.find(node); it != by_node.end()) {
      m.payload = &it->second->payload;
      m.materialized = it->second->payload.materialized;
      m.compile_started = it->second->started;
      m.compile_completed = it->second->completed;
    } else {
      auto f = failed_by_node.find(node);
      m.error = f != failed_by_node.end() ? "Compilation error: " + f->second
                                          : "the model could not be compiled";
    }
    plan_index[node] = plan.models.size();
    plan.models.push_back(std::move(m));
  }

  printer.info("found",
               fmt::format("Found {} to run on target '{}' ({})",
                           fmt::format("{} Python model{}", plan.models.size(),
                                       plan.models.size() == 1 ? "" : "s"),
                           target_name, platform),
               {{"models", plan.models.size()}, {"target", target_name}, {"platform", platform}});
  if (plan.models.empty()) {
    printer.info("nothing_to_do",
                 "Nothing to do. Try checking your model configs and model specification args", {},
                 Tone::kWarn);
    return project.exit_code() == 0 ? kExitOk : kExitFailure;
  }
  if (relay.first()) return runner::exit_code_for_signal(relay.first());

  // Credentials and HTTP clients (no network until the first request).
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  relay.set_cancel_flag(cancelled);
  submitters::ClientDeps deps;
  deps.env = profiles::process_env();
  deps.redactor = inv.redactor;
  deps.cancelled = cancelled;
  std::unique_ptr<submitters::PlatformClients> clients =
      submitters::PlatformClients::create(ctx.profile, deps);

  RandomIdSource ids;
  const std::string run_id = ids.uuid4();
  const fs::path ledger_file = runner::ledger_path(project.target_dir, run_id);
  Json model_ids = Json::array();
  for (const auto& m : plan.models)
    model_ids.push_back(m.unique_id);
  runner::LedgerOptions lo;
  lo.redactor = inv.redactor;
  std::unique_ptr<runner::RunLedger> ledger;
  try {
    fs::create_directories(ledger_file.parent_path());
    ledger = runner::RunLedger::create(ledger_file,
                                       {{"run_id", run_id},
                                        {"project", project.name},
                                        {"profile", project.profile_name},
                                        {"target", target_name},
                                        {"platform", platform},
                                        {"pid", static_cast<long long>(getpid())},
                                        {"host", host_name()},
                                        {"argv", own_argv()},
                                        {"models", model_ids}},
                                       lo);
  } catch (const std::exception& e) {
    Diagnostic d;
    d.code = "DBTPY551";
    d.file = ledger_file.string();
    d.message = std::string("cannot create the run ledger: ") + e.what();
    d.hint =
        "dbtpy records remote work there before starting it; make the target path "
        "(dbt_project.yml `target-path`) writable";
    throw Error(ErrorKind::kRuntime, {d});
  }
  printer.info(
      "run_id",
      fmt::format("Run {} — ledger {}", run_id, display_path(ledger_file, fs::current_path())),
      {{"run_id", run_id}, {"ledger", ledger_file.string()}}, Tone::kDim);
  printer.info(
      "concurrency",
      fmt::format("Concurrency: {} (target='{}')",
                  fmt::format("{} thread{}", threads, threads == 1 ? "" : "s"), target_name),
      {{"threads", threads}, {"target", target_name}});

  runner::SystemEngineClock clock;
  submitters::RunLookups lookups;
  submitters::ExecutionOptions eo;
  eo.run_id = run_id;
  eo.full_refresh = flags.full_refresh;
  eo.show_output = flags.show_output;
  eo.clock = &clock;
  eo.redactor = inv.redactor;
  eo.lookups = &lookups;
  const submitters::Clients borrowed = clients->clients();

  runner::EngineOptions options;
  options.threads = threads;
  options.fail_fast = flags.fail_fast;
  options.clock = &clock;
  if (flags.cancel_wait)
    options.cancel_wait =
        std::chrono::milliseconds(static_cast<long long>(*flags.cancel_wait * 1000));
  runner::Engine engine(
      options,
      [&](const runner::PlannedModel& model, submitters::ExecutionObserver& observer) {
        return submitters::make_execution(*model.payload, eo, borrowed, observer);
      },
      ledger.get(), &printer);
  relay.attach(&engine);
  runner::RunOutcome outcome = engine.run(plan);
  relay.attach(nullptr);

  // Artifacts, on every path.
  printer.summary(plan, outcome);
  runner::RunResultsMetadata meta;
  meta.invocation_id = run_id;
  meta.dbtpy_version = kVersion;
  meta.generated_at = std::chrono::system_clock::now();
  meta.env = runner::custom_env_from_process();
  meta.args = invocation_args(inv, flags, threads, target_name);
  int code = outcome.count(runner::ResultStatus::kError) ? kExitFailure : kExitOk;
  if (outcome.signal) code = runner::exit_code_for_signal(outcome.signal);
  if (project.exit_code() != 0 && code == kExitOk) code = kExitFailure;
  const fs::path results_path = project.target_dir / "run_results.json";
  try {
    runner::write_run_results(results_path, runner::run_results_json(plan, outcome, meta),
                              inv.redactor.get());
  } catch (const std::exception& e) {
    Diagnostic d;
    d.code = "DBTPY552";
    d.file = results_path.string();
    d.message = std::string("cannot write run_results.json: ") + e.what();
    d.hint = "make the target path (dbt_project.yml `target-path`) writable";
    inv.reporter->diagnostic(d);
    if (code == kExitOk) code = kExitFailure;
  }
  const size_t open_items = outcome.unsettled();
  try {
    ledger->append("run_finished",
                   {{"status", outcome.signal                                ? "interrupted"
                               : outcome.count(runner::ResultStatus::kError) ? "error"
                                                                             : "success"},
                    {"elapsed", outcome.elapsed_seconds},
                    {"open_items", open_items}},
                   /*sync=*/true);
  } catch (const std::exception& e) {
    Diagnostic d;
    d.code = "DBTPY553";
    d.file = ledger_file.string();
    d.message = std::string("cannot finish the run ledger: ") + e.what();
    d.hint = "check the disk; `dbtpy cancel --run " + run_id + "` treats the run as possibly open";
    inv.reporter->diagnostic(d);
  }
  if (open_items)
    printer.info(
        "how_to_cancel",
        fmt::format("To cancel what may still be running: dbtpy cancel --run {}{}", run_id,
                    inv.globals.project_dir == "." ? std::string()
                                                   : " --project-dir " + inv.globals.project_dir),
        {{"run_id", run_id}}, Tone::kWarn);
  return code;
}

}  // namespace

void add_submit_command(CLI::App& app, Invocation& inv) {
  auto flags = std::make_shared<SubmitFlags>();
  CLI::App* cmd = app.add_subcommand(
      "submit",
      "Compile and run the selected Python models on their platform, upstream first, and "
      "write <target-path>/run_results.json (alias: run)");
  cmd->alias("run");
  cmd->add_option("--threads", flags->threads,
                  "Models in flight at once (default: the profile's `threads`)");
  cmd->add_flag("--full-refresh", flags->full_refresh, "Rebuild incremental models from scratch");
  cmd->add_flag("--dry-run", flags->dry_run,
                "Only compile and write the payloads (same as `dbtpy compile`)");
  cmd->add_flag("--show-output", flags->show_output,
                "Print each model's remote output (driver stdout, return value) on success too");
  cmd->add_flag("-x,--fail-fast", flags->fail_fast,
                "Stop at the first failure: cancel everything in flight");
  cmd->add_option("--cancel-wait", flags->cancel_wait,
                  "Seconds to wait for the platforms to confirm cancellations after a signal "
                  "or --fail-fast (default 30)");
  cmd->callback(
      [&inv, flags] { inv.action = [flags](Invocation& i) { return run_submit(i, *flags); }; });
}

}  // namespace dbtpy::cli
