// Compiling the selected Python models into payloads and writing them for review; see
// compile_models.h.
#include "cli/compile_models.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>

#include "codegen/codegen.h"
#include "codegen/placeholders.h"
#include "compiler/analysis_cache.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/version.h"

namespace dbtpy::cli {
namespace {

namespace fs = std::filesystem;

Diagnostic model_error(const compiler::ModelIR& m, std::string code, std::string message,
                       std::string hint) {
  Diagnostic d;
  d.code = std::move(code);
  d.file = m.original_file_path;
  d.message = "model '" + m.name + "': " + std::move(message);
  d.hint = std::move(hint);
  return d;
}

// The folder of one model: its name (with the version of a versioned model); a name taken
// by another selected model of another package gets the package as prefix.
std::string folder_for(const compiler::Node& node, std::set<std::string>& used) {
  std::string name = node.version ? node.name + ".v" + *node.version : node.name;
  if (used.count(name)) name = node.package_name + "." + name;
  used.insert(name);
  return name;
}

Json manifest_entry(const codegen::Payload& p, const std::string& folder) {
  Json files = Json::array();
  for (const auto& f : p.files)
    files.push_back(
        {{"name", f.name}, {"bytes", f.content.size()}, {"sha256", sha256_hex(f.content)}});
  Json steps = Json::array();
  for (const auto& s : p.steps) {
    Json step = {{"name", s.name}, {"method", s.method}, {"url", s.url}};
    if (!s.follow.kind.empty()) step["follow"] = s.follow.kind;
    if (s.cleanup) step["cleanup"] = true;
    steps.push_back(step);
  }
  Json source_map = Json::array();
  for (const auto& e : p.source_map)
    source_map.push_back({{"generated_file", e.generated_file},
                          {"first_line", e.first_line},
                          {"line_count", e.line_count},
                          {"model_file", e.model_file},
                          {"remote", e.remote},
                          {"remote_line_offset", e.remote_line_offset}});
  Json warnings = Json::array();
  for (const auto& w : p.warnings)
    warnings.push_back(format_diagnostic(w));
  return {{"folder", folder},         {"platform", p.platform},
          {"method", p.method},       {"materialized", p.materialized},
          {"relation", p.relation},   {"files", files},
          {"steps", steps},           {"placeholders", codegen::placeholders_in(p)},
          {"source_map", source_map}, {"facts", p.facts},
          {"warnings", warnings}};
}

// Writes the payload's files into `dir` and removes files a previous compile left there.
void write_model_folder(const fs::path& dir, const codegen::Payload& p) {
  std::set<std::string> names;
  for (const auto& f : p.files) {
    write_file_atomic(dir / f.name, f.content);
    names.insert(f.name);
  }
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && !names.count(e.path().filename().string())) fs::remove(e.path());
}

}  // namespace

CompileOutput compile_selected(Invocation& inv, const ProjectContext& ctx,
                               const CompileOptions& options) {
  CompileOutput out;
  const compiler::Project& project = ctx.project;
  const profiles::Endpoints endpoints =
      profiles::resolve_endpoints(project.target, profiles::process_env());
  const fs::path out_root = project.target_dir / "dbtpy" / project.target.name;
  const fs::path cwd = fs::current_path();

  // The manifest describes every compiled model of this target: entries of a previous
  // compile survive a narrower --select as long as the model still exists.
  Json models = Json::object();
  const fs::path manifest_path = out_root / "manifest.json";
  if (fs::exists(manifest_path)) {
    try {
      Json previous = Json::parse(read_file(manifest_path));
      if (previous.contains("models") && previous["models"].is_object())
        for (auto it = previous["models"].begin(); it != previous["models"].end(); ++it)
          if (project.find(it.key()) && it->contains("folder") &&
              fs::exists(out_root / (*it)["folder"].get<std::string>()))
            models[it.key()] = *it;
    } catch (const std::exception&) {
      // An unreadable previous manifest is simply replaced.
    }
  }
  size_t id_width = 0;
  for (size_t index : ctx.selected_python)
    id_width = std::max(id_width, project.nodes[index].unique_id.size());
  std::set<std::string> used_folders;
  out.manifest_path = manifest_path;
  for (size_t index : ctx.selected_python) {
    const compiler::Node& node = project.nodes[index];
    const compiler::ModelIR& model = project.python_models[static_cast<size_t>(node.python_model)];
    const auto compile_started = std::chrono::system_clock::now();
    auto fail = [&](std::string why) { out.failed.emplace_back(index, std::move(why)); };
    std::string source;
    try {
      source = read_file(model.absolute_path);
    } catch (const std::exception& e) {
      inv.reporter->diagnostic(model_error(model, "DBTPY331",
                                           "cannot read the model file: " + std::string(e.what()),
                                           "check that the file exists and is readable"));
      fail("cannot read the model file: " + std::string(e.what()));
      continue;
    }
    if (!model.checksum.empty() && sha256_hex(source) != model.checksum) {
      // The checksum may be a stored one that the file's stamp vouched for (partial parsing
      // does not read unchanged files): should a write have kept the stamp, the next run
      // must not trust it again, so the stored analyses go and that run reads every file.
      std::error_code ignored;
      fs::remove(compiler::partial_parse_path(project.target_dir), ignored);
      inv.reporter->diagnostic(model_error(model, "DBTPY331",
                                           "the file changed while dbtpy was compiling it",
                                           "run the command again once the file is saved"));
      fail("the file changed while dbtpy was compiling it");
      continue;
    }
    codegen::Payload payload;
    try {
      payload = codegen::generate({&model, source, &project.target, &endpoints});
    } catch (const Error& e) {
      for (const auto& d : e.diagnostics())
        inv.reporter->diagnostic(d);
      fail(e.diagnostics().empty() ? std::string(e.what()) : e.diagnostics().front().message);
      continue;
    }
    for (const auto& w : payload.warnings) {
      inv.reporter->diagnostic(w);
      ++out.warnings;
    }
    const std::string folder = folder_for(node, used_folders);
    const fs::path dir = out_root / folder;
    try {
      // Payloads hold no secrets by construction; should a profile secret appear in a
      // model's own code, it is masked in what we write (and the user told).
      for (auto& f : payload.files) {
        std::string masked = inv.redactor->redact(f.content);
        if (masked != f.content) {
          Diagnostic d = model_error(
              model, "DBTPY332",
              "a secret of the profile appears in " + f.name + "; it was masked in the output",
              "do not write credentials into model code; use Snowflake `secrets`, a Databricks "
              "secret scope or Google Secret Manager");
          d.severity = Severity::kWarning;
          inv.reporter->diagnostic(d);
          ++out.warnings;
          f.content = std::move(masked);
        }
      }
      write_model_folder(dir, payload);
    } catch (const std::exception& e) {
      Diagnostic d;
      d.code = "DBTPY330";
      d.file = display_path(dir, cwd);
      d.message = "cannot write the compiled model: " + std::string(e.what());
      d.hint = "check that the target path (dbt_project.yml `target-path`) is writable";
      inv.reporter->diagnostic(d);
      fail(d.message);
      continue;
    }
    const std::string where = display_path(dir, cwd);
    if (options.announce)
      inv.reporter->event("model_compiled",
                          fmt::format("{:<10} {:<20} {:<{}} -> {}", payload.platform,
                                      payload.method, node.unique_id, id_width, where),
                          {{"unique_id", node.unique_id},
                           {"platform", payload.platform},
                           {"method", payload.method},
                           {"path", where}},
                          Tone::kPlain, /*force=*/true);
    models[node.unique_id] = manifest_entry(payload, folder);
    out.compiled.push_back(
        {index, folder, std::move(payload), compile_started, std::chrono::system_clock::now()});
  }

  Json manifest = {{"metadata",
                    {{"dbtpy_version", kVersion},
                     {"project", project.name},
                     {"target", project.target.name},
                     {"platform", std::string(profiles::platform_name(project.target.platform))},
                     {"placeholders",
                      {{"RUN_ID", "the run's id (lowercase UUID)"},
                       {"FULL_REFRESH", "true or false"},
                       {"REQUEST_ID", "idempotency key per request (codegen::request_id)"},
                       {"USER_NAME", "Databricks userName (SCIM Me)"}}}}},
                   {"models", models}};
  try {
    write_file_atomic(manifest_path, manifest.dump(2) + "\n");
  } catch (const std::exception& e) {
    Diagnostic d;
    d.code = "DBTPY330";
    d.file = display_path(manifest_path, cwd);
    d.message = "cannot write the compile manifest: " + std::string(e.what());
    d.hint = "check that the target path (dbt_project.yml `target-path`) is writable";
    inv.reporter->diagnostic(d);
    return out;
  }
  out.manifest_written = true;
  return out;
}

int run_compile_command(Invocation& inv) {
  auto start = std::chrono::steady_clock::now();
  ProjectContext ctx = load_project_context(inv);
  const compiler::Project& project = ctx.project;
  const fs::path cwd = fs::current_path();
  CompileOutput out = compile_selected(inv, ctx);
  if (!out.manifest_written) return kExitFailure;
  const size_t compiled = out.compiled.size(), failed = out.failed.size(), warnings = out.warnings;
  const fs::path& manifest_path = out.manifest_path;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int load_code = project.exit_code();
  bool ok = failed == 0 && load_code == 0;
  inv.reporter->event(
      ok ? "compile_done" : "compile_failed",
      fmt::format("Compiled {} Python model{}{}{} in {:.2f}s -> {}", compiled,
                  compiled == 1 ? "" : "s", failed ? fmt::format(", {} failed", failed) : "",
                  warnings ? fmt::format(", {} warning{}", warnings, warnings == 1 ? "" : "s") : "",
                  secs, display_path(manifest_path, cwd)),
      {{"compiled", compiled}, {"failed", failed}, {"warnings", warnings}, {"seconds", secs}},
      ok ? Tone::kGood : Tone::kBad, /*force=*/true);
  if (load_code == kExitUsage) return kExitUsage;
  return ok ? kExitOk : kExitFailure;
}

}  // namespace dbtpy::cli
