#include "profiles/profile_loader.h"

#include <map>

#include "profiles/jinja_value.h"
#include "profiles/yaml_reader.h"
#include "util/error.h"
#include "util/strings.h"

namespace dbtpy::profiles {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const char* code, std::string file, int line, std::string message,
                       std::string hint) {
  throw_usage_error(code, std::move(message), std::move(hint), std::move(file), line);
}

std::string list_or_none(const std::vector<std::string>& names) {
  return names.empty() ? "(none)" : join(names, ", ");
}

std::string suggestion(const std::string& name, const std::vector<std::string>& names,
                       const std::string& what) {
  auto close = closest_names(name, names);
  if (!close.empty())
    return "did you mean '" + close.front() + "'? " + what + ": " + join(names, ", ");
  return what + ": " + list_or_none(names);
}

}  // namespace

fs::path find_profiles_file(const ProfileRequest& r) {
  auto in = [](const fs::path& dir) { return dir / "profiles.yml"; };
  std::error_code ec;
  if (r.profiles_dir) {
    fs::path p = in(*r.profiles_dir);
    if (fs::is_regular_file(p, ec)) return p;
    fail("DBTPY204", {}, 0, "no profiles.yml in --profiles-dir " + r.profiles_dir->string(),
         "create " + p.string() + " or point --profiles-dir at the folder that holds it");
  }
  if (auto env_dir = r.env ? r.env("DBT_PROFILES_DIR") : std::nullopt;
      env_dir && !env_dir->empty()) {
    fs::path p = in(*env_dir);
    if (fs::is_regular_file(p, ec)) return p;
    fail("DBTPY204", {}, 0, "no profiles.yml in $DBT_PROFILES_DIR (" + *env_dir + ")",
         "create " + p.string() + ", fix DBT_PROFILES_DIR, or pass --profiles-dir");
  }
  std::vector<std::string> looked;
  fs::path project = in(r.project_dir);
  if (fs::is_regular_file(project, ec)) return project;
  looked.push_back(project.string());
  if (auto home = r.env ? r.env("HOME") : std::nullopt; home && !home->empty()) {
    fs::path p = in(fs::path(*home) / ".dbt");
    if (fs::is_regular_file(p, ec)) return p;
    looked.push_back(p.string());
  }
  fail("DBTPY204", {}, 0, "profiles.yml not found (looked in " + join(looked, ", ") + ")",
       "pass --profiles-dir, set DBT_PROFILES_DIR, or create ~/.dbt/profiles.yml");
}

LoadedProfile load_profile(const ProfileRequest& r) {
  LoadedProfile out;
  out.profiles_file = find_profiles_file(r);
  const std::string file = out.profiles_file.string();
  YAML::Node root = load_yaml_file(out.profiles_file, file);
  if (!root.IsMap()) {
    fail("DBTPY208", file, yaml_line(root), "profiles.yml must be a mapping of profile names",
         "see https://docs.getdbt.com/docs/core/connect-data-platform/profiles.yml");
  }

  std::string profile_name = r.profile_name.value_or(r.project_profile);
  std::vector<YamlEntry> entries = yaml_mapping_entries(root, file);
  std::vector<std::string> profile_names;
  for (const auto& e : entries)
    if (e.key != "config") profile_names.push_back(e.key);
  if (profile_name.empty()) {
    fail("DBTPY205", file, 0,
         "no profile named: dbt_project.yml has no `profile:` and no --profile was given",
         "add `profile: <name>` to dbt_project.yml; profiles here: " + list_or_none(profile_names));
  }
  YAML::Node profile;
  bool found_profile = false;
  for (const auto& e : entries) {
    if (e.key == profile_name) {
      profile = e.value;
      found_profile = true;
    }
  }
  if (!found_profile || profile_name == "config") {
    fail("DBTPY205", file, 0, "profile '" + profile_name + "' not found in " + file,
         suggestion(profile_name, profile_names, "profiles defined"));
  }
  if (!profile.IsMap()) {
    fail("DBTPY208", file, yaml_line(profile), "profile '" + profile_name + "' must be a mapping",
         "give it `target:` and `outputs:`");
  }

  // profiles.yml sees environment variables and --vars only (dbt renders it before anything
  // else exists); secret variables are allowed here.
  JinjaValueContext ctx;
  ctx.env = r.env;
  ctx.vars = &r.cli_vars;
  ctx.allow_secret_env = true;
  ctx.redactor = r.redactor;
  auto render = [&](const YAML::Node& node, const std::string& key) -> Json {
    YamlToJsonOptions opts;
    opts.file = file;
    opts.render = [&](const std::string& text, const YAML::Node& n, const YamlKeypath&) {
      ValueSite s{file, yaml_line(n), yaml_column(n), key};
      return render_jinja_value(text, ctx, s);
    };
    return yaml_to_json(node, opts);
  };

  YAML::Node outputs;
  YAML::Node target_node;
  for (const auto& e : yaml_mapping_entries(profile, file)) {
    if (e.key == "outputs") outputs = e.value;
    if (e.key == "target") target_node = e.value;
  }
  if (!outputs.IsMap()) {
    fail("DBTPY208", file, yaml_line(profile),
         "profile '" + profile_name + "' has no `outputs:` mapping",
         "add `outputs:` with at least one target (e.g. `dev:` with `type: snowflake`)");
  }
  std::string target_name;
  if (r.target_name) {
    target_name = *r.target_name;
  } else if (!target_node.IsNull()) {
    Json t = render(target_node, "target");
    target_name = t.is_string() ? t.get<std::string>() : python_str(t);
  } else {
    target_name = "default";
  }

  std::vector<YamlEntry> output_entries = yaml_mapping_entries(outputs, file);
  std::vector<std::string> target_names;
  YAML::Node output;
  bool found_output = false;
  for (const auto& e : output_entries) {
    target_names.push_back(e.key);
    if (e.key == target_name) {
      output = e.value;
      found_output = true;
    }
  }
  if (!found_output) {
    fail("DBTPY206", file, yaml_line(outputs),
         "target '" + target_name + "' not found in profile '" + profile_name + "'",
         suggestion(target_name, target_names, "targets defined") +
             (r.target_name ? "" : " (or pass --target)"));
  }
  if (!output.IsMap()) {
    fail("DBTPY208", file, yaml_line(output),
         "target '" + target_name + "' of profile '" + profile_name + "' must be a mapping",
         "give it `type:` and the connection fields");
  }

  Target& t = out.target;
  t.profile_name = profile_name;
  t.name = target_name;
  t.source_file = file;
  t.source_line = yaml_line(output);
  t.fields = Json::object();
  Json secret_raw = Json::object();
  auto secret_lines = std::make_shared<std::map<std::string, int, std::less<>>>();
  for (const auto& e : yaml_mapping_entries(output, file)) {
    if (is_secret_field_name(e.key)) {
      YamlToJsonOptions keep;  // unrendered: rendered on demand by SecretFields
      keep.file = file;
      secret_raw[e.key] = yaml_to_json(e.value, keep);
      (*secret_lines)[e.key] = yaml_line(e.value);
      if (!secret_raw[e.key].is_null()) t.secret_field_names.push_back(e.key);
      continue;
    }
    t.fields[e.key] = render(e.value, e.key);
  }

  auto type = t.fields.find("type");
  if (type == t.fields.end() || !type->is_string()) {
    fail("DBTPY208", file, t.source_line, "target '" + target_name + "' has no `type:`",
         "set `type:` to snowflake, databricks or bigquery");
  }
  t.type = type->get<std::string>();
  auto platform = parse_platform(to_lower(t.type));
  if (!platform) {
    fail("DBTPY207", file, t.source_line,
         "target '" + target_name + "' has type '" + t.type +
             "'; dbtpy runs Python models on snowflake, databricks and bigquery",
         "choose a target of one of those types with --target");
  }
  t.platform = *platform;
  if (auto threads = t.fields.find("threads"); threads != t.fields.end() && !threads->is_null()) {
    auto n = t.int_field("threads");
    if (!n || *n < 1) {
      fail("DBTPY208", file, t.source_line,
           "`threads:` of target '" + target_name + "' must be a positive integer, got " +
               python_str(*threads),
           "set e.g. `threads: 4`");
    }
    t.threads = static_cast<int>(*n);
  }

  JinjaValueContext secret_ctx = ctx;
  Json vars_copy = r.cli_vars;
  auto vars_holder = std::make_shared<Json>(std::move(vars_copy));
  SecretFields::Renderer renderer = [secret_ctx, vars_holder, secret_lines, file](
                                        const Json& raw, std::string_view key) {
    JinjaValueContext c = secret_ctx;
    c.vars = vars_holder.get();
    auto line = secret_lines->find(key);
    ValueSite site{file, line == secret_lines->end() ? 0 : line->second, 0, std::string(key)};
    return render_jinja_tree(raw, c, site);
  };
  out.secrets = SecretFields(std::move(secret_raw), std::move(renderer), r.redactor);
  return out;
}

}  // namespace dbtpy::profiles
