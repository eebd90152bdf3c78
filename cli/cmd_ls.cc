// `dbtpy ls` / `dbtpy list`: the selected Python models, one per line, as dbt's `ls` prints
// them: --output selector (default; the fqn), name, path, or json (one object per line with
// the fields of compiler::model_json, optionally narrowed by --output-keys).
#include <CLI/CLI.hpp>
#include <memory>
#include <set>

#include "cli/invocation.h"
#include "cli/project_context.h"
#include "compiler/dbtpy_manifest.h"
#include "util/strings.h"

namespace dbtpy::cli {
namespace {

struct LsOptions {
  std::string output = "selector";
  std::vector<std::string> output_keys;
};

std::string line_for(const compiler::Node& node, const compiler::ModelIR& model,
                     const LsOptions& o) {
  if (o.output == "name") return node.version ? node.name + ".v" + *node.version : node.name;
  if (o.output == "path") return node.original_file_path;
  if (o.output == "selector") return join(node.fqn, ".");
  if (o.output_keys.empty()) return compiler::model_json_text(model);
  std::set<std::string> keep;
  for (const auto& k : o.output_keys)
    for (const auto& part : split(k, ','))
      if (!trim(part).empty()) keep.insert(std::string(trim(part)));
  return compiler::model_json_text(model, &keep);
}

int run_ls(Invocation& inv, const LsOptions& o) {
  ProjectContext ctx = load_project_context(inv);
  const compiler::Project& p = ctx.project;
  std::vector<size_t> listed;
  for (size_t i : ctx.selected) {
    const compiler::Node& n = p.nodes[i];
    if (n.python_model >= 0 && !n.has_errors) listed.push_back(i);
  }
  for (size_t i : listed) {
    const compiler::Node& n = p.nodes[i];
    inv.reporter->output(line_for(n, p.python_models[static_cast<size_t>(n.python_model)], o));
  }
  if (listed.empty()) {
    Diagnostic d;
    d.severity = Severity::kWarning;
    d.code = "DBTPY252";
    d.message = "no Python models selected";
    d.hint = inv.globals.select.empty() ? "the project has no Python models (models/*.py)"
                                        : "check --select/--exclude";
    inv.reporter->diagnostic(d);
  }
  int code = p.exit_code();
  keep_until_exit(std::move(ctx));
  return code;
}

}  // namespace

void add_ls_command(CLI::App& app, Invocation& inv) {
  auto options = std::make_shared<LsOptions>();
  CLI::App* ls = app.add_subcommand("ls", "List the selected Python models (as `dbt ls`)");
  ls->alias("list");
  ls->add_option("-o,--output", options->output, "selector (default), name, path or json")
      ->check(CLI::IsMember({"selector", "name", "path", "json"}));
  ls->add_option("--output-keys", options->output_keys,
                 "With --output json: only these top-level keys (space or comma separated)");
  ls->callback(
      [&inv, options] { inv.action = [options](Invocation& i) { return run_ls(i, *options); }; });
}

}  // namespace dbtpy::cli
