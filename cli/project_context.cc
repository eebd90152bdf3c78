#include "cli/project_context.h"

#include <chrono>
#include <memory>

#include "compiler/project_loader.h"
#include "compiler/python_order.h"
#include "compiler/selector.h"
#include "profiles/yaml_reader.h"
#include "util/error.h"

namespace dbtpy::cli {
namespace fs = std::filesystem;

Json parse_cli_vars(const std::string& vars_yaml) {
  if (vars_yaml.empty()) return Json::object();
  YAML::Node node;
  try {
    node = profiles::load_yaml_text(vars_yaml, "--vars");
  } catch (const Error& e) {
    throw_usage_error(
        "DBTPY209", "--vars is not valid YAML: " + e.diagnostics()[0].message,
        "pass a YAML mapping, e.g. --vars '{start_date: \"2024-01-01\", full: true}'");
  }
  if (node.IsNull()) return Json::object();
  if (!node.IsMap()) {
    throw_usage_error("DBTPY209", "--vars must be a YAML mapping, got '" + vars_yaml + "'",
                      "pass a YAML mapping, e.g. --vars '{start_date: \"2024-01-01\"}'");
  }
  return profiles::yaml_to_json(node, {});
}

namespace {

compiler::LoadOptions load_options(Invocation& inv, Json vars) {
  compiler::LoadOptions o;
  o.cli_vars = std::move(vars);
  o.env = profiles::process_env();
  o.redactor = inv.redactor;
  if (inv.globals.manifest) o.dbt_manifest = fs::path(*inv.globals.manifest);
  if (inv.globals.partial_parse != 0) o.partial_parse = inv.globals.partial_parse > 0;
  if (inv.globals.partial_parse_file)
    o.partial_parse_file = fs::path(*inv.globals.partial_parse_file);
  return o;
}

profiles::ProfileRequest profile_request(Invocation& inv, const compiler::DbtProjectFile& header,
                                         const Json& vars) {
  profiles::ProfileRequest r;
  r.project_dir = header.root;
  if (inv.globals.profiles_dir) r.profiles_dir = fs::path(*inv.globals.profiles_dir);
  r.profile_name = inv.globals.profile;
  r.project_profile = header.profile;
  r.target_name = inv.globals.target;
  r.cli_vars = vars;
  r.env = profiles::process_env();
  r.redactor = inv.redactor;
  return r;
}

}  // namespace

profiles::LoadedProfile load_profile_for(Invocation& inv) {
  Json vars = parse_cli_vars(inv.globals.vars_yaml);
  compiler::LoadOptions o = load_options(inv, vars);
  compiler::DbtProjectFile header =
      compiler::read_project_header(fs::path(inv.globals.project_dir), o);
  return profiles::load_profile(profile_request(inv, header, vars));
}

ProjectContext load_project_context(Invocation& inv, const ContextOptions& options) {
  auto start = std::chrono::steady_clock::now();
  ProjectContext ctx;
  Json vars = parse_cli_vars(inv.globals.vars_yaml);
  compiler::LoadOptions o = load_options(inv, vars);
  compiler::DbtProjectFile header =
      compiler::read_project_header(fs::path(inv.globals.project_dir), o);
  ctx.profile = profiles::load_profile(profile_request(inv, header, vars));
  ctx.project = compiler::load_project(std::move(header), ctx.profile.target, o);
  for (const auto& d : ctx.project.diagnostics)
    inv.reporter->diagnostic(d);

  std::vector<Diagnostic> warnings;
  if (options.apply_selection) {
    ctx.selected =
        compiler::select_nodes(ctx.project, inv.globals.select, inv.globals.exclude, &warnings);
  } else {
    ctx.selected = compiler::select_nodes(ctx.project, {}, {}, nullptr);
  }
  for (const auto& d : warnings)
    inv.reporter->diagnostic(d);
  ctx.selected_python = compiler::python_models_in_order(ctx.project, ctx.selected);
  ctx.load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return ctx;
}

void keep_until_exit(ProjectContext&& context) {
  static auto* kept = new std::vector<std::unique_ptr<ProjectContext>>();
  kept->push_back(std::make_unique<ProjectContext>(std::move(context)));
}

}  // namespace dbtpy::cli
