// dbtpy command line: parses global flags (dbt's spelling), hands over to one subcommand, and
// maps errors to dbt's exit codes. Commands live in cmd_*.cc and register themselves below.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "cli/invocation.h"
#include "util/error.h"
#include "util/log.h"
#include "util/version.h"

namespace {

void add_global_flags(CLI::App& app, dbtpy::cli::GlobalOptions& g) {
  app.add_option("--project-dir", g.project_dir, "Folder holding dbt_project.yml (default: .)");
  app.add_option("--profiles-dir", g.profiles_dir,
                 "Folder holding profiles.yml (default: $DBT_PROFILES_DIR, the project, ~/.dbt)");
  app.add_option("--profile", g.profile, "Profile to use (default: dbt_project.yml `profile:`)");
  app.add_option("-t,--target", g.target, "Target within the profile (default: its `target:`)");
  app.add_option("--vars", g.vars_yaml, "Variables as a YAML mapping, e.g. '{k: v}'");
  app.add_option("--manifest", g.manifest,
                 "dbt's manifest.json for non-Python relation names (default: "
                 "<target-path>/manifest.json when present)");
  app.add_option("-s,--select", g.select, "Selection: names, path:, tag:, config.K:V, +, @, *");
  app.add_option("--exclude", g.exclude, "Nodes to leave out (same syntax as --select)");
  app.add_option("--log-format", g.log_format, "Output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("-q,--quiet", g.quiet, "Print only results and errors");
  app.add_flag("--no-color", g.no_color, "Never colour output");
  app.add_flag("--debug", g.debug, "Print debug logs to stderr");
  // dbt's flag and env var: the click flag pair maps to a count (1 on, -1 off, 0 unset), the
  // last one given winning as in click; the env var takes dbt's boolean spellings.
  app.add_flag("--partial-parse,!--no-partial-parse", g.partial_parse,
               "Reuse the stored analyses of unchanged Python files (default: on)")
      ->envname("DBT_PARTIAL_PARSE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--partial-parse-file-path", g.partial_parse_file,
                 "Read the stored analyses from this file instead of "
                 "<target-path>/dbtpy/partial_parse.bin")
      ->envname("DBT_PARTIAL_PARSE_FILE_PATH")
      ->check(CLI::ExistingFile);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dbtpy::cli;
  Invocation inv;
  CLI::App app{
      "dbtpy: compile and run dbt Python models natively on Snowflake, Databricks and "
      "BigQuery (Dataproc)"};
  app.set_version_flag("--version", std::string("dbtpy ") + dbtpy::kVersion);
  app.fallthrough();  // global flags are accepted after the subcommand too, as dbt allows
  app.require_subcommand(1);
  add_global_flags(app, inv.globals);
  for (CommandAdder add : all_commands())
    add(app, inv);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  ReporterOptions ro;
  ro.json = inv.globals.log_format == "json";
  ro.quiet = inv.globals.quiet;
  ro.color = !ro.json && want_color(inv.globals.no_color);
  inv.reporter = std::make_unique<Reporter>(ro, inv.redactor);
  dbtpy::init_logging({ro.json, inv.globals.debug, inv.globals.quiet}, inv.redactor);

  try {
    return inv.action ? inv.action(inv) : kExitUsage;
  } catch (const dbtpy::Error& e) {
    for (const auto& d : e.diagnostics())
      inv.reporter->diagnostic(d);
    return e.kind() == dbtpy::ErrorKind::kUsage ? kExitUsage : kExitFailure;
  } catch (const std::exception& e) {
    dbtpy::Diagnostic d;
    d.code = "DBTPY001";
    d.message = e.what();
    d.hint = "this is unexpected; rerun with --debug and report it with the output";
    inv.reporter->diagnostic(d);
    return kExitUsage;
  }
}
