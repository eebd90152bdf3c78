#include "codegen/databricks/databricks_codegen.h"

#include <set>

#include "codegen/common/compiled_model.h"
#include "codegen/common/config_reader.h"
#include "codegen/common/dbt_context.h"
#include "codegen/common/materialization.h"
#include "codegen/common/metadata_line.h"
#include "codegen/common/model_source.h"
#include "codegen/common/spark_common.h"
#include "codegen/databricks/cluster_id.h"
#include "codegen/databricks/notebook.h"
#include "codegen/databricks/spark_driver.h"
#include "codegen/placeholders.h"
#include "util/strings.h"

namespace dbtpy::codegen::databricks {

namespace {

const std::vector<std::string> kMethods = {"all_purpose_cluster", "job_cluster",
                                           "serverless_cluster", "workflow_job"};
const std::vector<std::string> kFormats = {"delta", "iceberg", "hudi", "parquet", "orc",  "csv",
                                           "json",  "text",    "avro", "hive",    "jdbc", "libsvm"};
// Top-level runs/submit fields a python_job_config may carry into a one-time run.
const std::set<std::string> kRunSubmitFields = {
    "access_control_list", "budget_policy_id", "email_notifications",   "environments",
    "git_source",          "health",           "notification_settings", "run_as",
    "timeout_seconds",     "usage_policy_id",  "webhook_notifications"};
// python_job_config keys that steer dbtpy rather than being job settings.
const std::set<std::string> kHelperKeys = {"name", "existing_job_id", "additional_task_settings",
                                           "post_hook_tasks", "grants"};

constexpr const char* kTaskKey = "dbtpy_model";
constexpr const char* kEnvironmentKey = "dbtpy_default";

// Every string a user wrote escaped so that no `${` of theirs is read as a placeholder.
Json escape_json(const Json& v) {
  if (v.is_string()) return escape_placeholders(v.get<std::string>());
  if (v.is_array()) {
    Json out = Json::array();
    for (const auto& e : v)
      out.push_back(escape_json(e));
    return out;
  }
  if (v.is_object()) {
    Json out = Json::object();
    for (auto it = v.begin(); it != v.end(); ++it)
      out[escape_placeholders(it.key())] = escape_json(it.value());
    return out;
  }
  return v;
}

struct Context {
  const compiler::ModelIR& model;
  ConfigReader& cfg;
  std::string host;
  std::string catalog;
  std::string schema;
  std::string identifier;
};

// Libraries for a task on a classic cluster: packages (+ index_url) and additional_libs.
Json task_libraries(const std::vector<std::string>& packages, const std::string& index_url,
                    const Json* additional_libs, bool notebook_scoped) {
  Json libs = Json::array();
  if (!notebook_scoped) {
    for (const auto& p : packages) {
      Json pypi = {{"package", escape_placeholders(p)}};
      if (!index_url.empty()) pypi["repo"] = escape_placeholders(index_url);
      libs.push_back({{"pypi", pypi}});
    }
  }
  if (additional_libs)
    for (const auto& l : *additional_libs)
      libs.push_back(escape_json(l));
  return libs;
}

// Serverless tasks take dependencies through an environment spec: pip requirement lines.
std::vector<std::string> environment_dependencies(ConfigReader& cfg,
                                                  const std::vector<std::string>& packages,
                                                  const std::string& index_url,
                                                  const Json* additional_libs,
                                                  bool notebook_scoped) {
  std::vector<std::string> deps;
  if (!notebook_scoped) {
    if (!packages.empty() && !index_url.empty()) deps.push_back("--index-url " + index_url);
    for (const auto& p : packages)
      deps.push_back(p);
  }
  if (additional_libs) {
    for (const auto& l : *additional_libs) {
      if (l.contains("pypi") && l["pypi"].is_object() && l["pypi"].contains("package")) {
        deps.push_back(l["pypi"]["package"].get<std::string>());
      } else if (l.contains("whl") && l["whl"].is_string()) {
        deps.push_back(l["whl"].get<std::string>());
      } else if (l.contains("requirements") && l["requirements"].is_string()) {
        deps.push_back("-r " + l["requirements"].get<std::string>());
      } else {
        cfg.fail("DBTPY323", "additional_libs",
                 "additional_libs entry " + l.dump() +
                     " cannot be installed on serverless compute, which only takes pip "
                     "dependencies (pypi packages, wheels, requirements files)",
                 "use a pypi/whl/requirements entry, or submission_method: job_cluster");
      }
    }
  }
  for (const auto& d : cfg.string_list("environment_dependencies"))
    deps.push_back(d);
  return deps;
}

Json grants_to_acl(ConfigReader& cfg, const Json& grants) {
  static const std::vector<std::pair<std::string, std::string>> kLevels = {
      {"view", "CAN_VIEW"}, {"run", "CAN_MANAGE_RUN"}, {"manage", "CAN_MANAGE"}};
  Json acl = Json::array();
  if (!grants.is_object())
    cfg.fail("DBTPY308", "python_job_config",
             "python_job_config.grants must be a mapping of view/run/manage to principals",
             "write grants as {view: [{group_name: analysts}], run: [...], manage: [...]}");
  for (const auto& [key, level] : kLevels) {
    auto it = grants.find(key);
    if (it == grants.end()) continue;
    if (!it->is_array())
      cfg.fail("DBTPY308", "python_job_config",
               "python_job_config.grants." + key + " must be a list of principals",
               "write each principal as {user_name: ...}, {group_name: ...} or "
               "{service_principal_name: ...}");
    for (const auto& principal : *it) {
      Json entry = escape_json(principal);
      entry["permission_level"] = level;
      acl.push_back(entry);
    }
  }
  return acl;
}

RequestStep post(const Context& c, std::string name, std::string description, std::string path,
                 Json body) {
  RequestStep s;
  s.name = std::move(name);
  s.description = std::move(description);
  s.method = "POST";
  s.url = c.host + path;
  s.headers = {{"Accept", "application/json"}};
  s.credential = Credential::kDatabricks;
  s.content_type = "application/json";
  s.json_body = std::move(body);
  s.idempotency = {"natural", ""};
  return s;
}

Follow run_follow(const Context& c) {
  Follow f;
  f.kind = "databricks_run";
  f.handle = "/run_id";
  f.status_url = c.host + "/api/2.1/jobs/runs/get?run_id=" + std::string(kHandle);
  f.cancel_url = c.host + "/api/2.1/jobs/runs/cancel";
  f.cancel_body = Json{{"run_id", std::string(kHandle)}};
  return f;
}

}  // namespace

Payload generate(const CodegenInput& in) {
  const compiler::ModelIR& model = *in.model;
  ConfigReader cfg(model, in.source, *in.target);
  ModelSource src = prepare_model_source(in.source, cfg);
  require_model_function(cfg, src);

  StrategyRules rules;
  rules.allowed = {"merge", "append", "insert_overwrite", "replace_where", "delete+insert"};
  rules.default_strategy = "merge";
  rules.rejected = {{"microbatch",
                     "microbatch needs event-time batches, which dbtpy does not "
                     "run for Python models"}};
  Materialization mat = read_materialization(cfg, rules);
  std::string method = cfg.choice("submission_method", kMethods, "all_purpose_cluster");

  std::string format = cfg.has("file_format") ? cfg.choice("file_format", kFormats, "delta")
                                              : cfg.choice("format", kFormats, "delta");
  if (mat.incremental()) {
    const std::string fkey = cfg.has("file_format") ? "file_format" : "format";
    if (mat.strategy == "merge" && format != "delta" && format != "hudi")
      cfg.fail(
          "DBTPY311", fkey,
          "incremental_strategy 'merge' needs file_format 'delta' or 'hudi', not '" + format + "'",
          "use file_format: delta, or incremental_strategy: append / insert_overwrite");
    if ((mat.strategy == "replace_where" || mat.strategy == "delete+insert") && format != "delta")
      cfg.fail("DBTPY311", fkey,
               "incremental_strategy '" + mat.strategy + "' needs file_format 'delta', not '" +
                   format + "'",
               "use file_format: delta");
    if (mat.strategy == "delete+insert" && mat.unique_key.empty())
      cfg.fail("DBTPY311", "unique_key",
               "incremental_strategy 'delete+insert' needs a unique_key to know which rows to "
               "replace",
               "set unique_key, e.g. unique_key='id' or ['id', 'day']");
    if (mat.strategy == "replace_where" && mat.predicates.empty())
      cfg.fail("DBTPY311", "incremental_predicates",
               "incremental_strategy 'replace_where' needs incremental_predicates: they say "
               "which rows of the target the new data replaces",
               "set incremental_predicates, e.g. [\"day >= current_date() - 3\"]");
  }

  // The relation: Databricks renders `catalog`.`schema`.`identifier`.
  Context c{model,
            cfg,
            in.endpoints->databricks,
            model.relation.database,
            model.relation.schema,
            model.relation.identifier};
  if (c.catalog.empty()) c.catalog = "hive_metastore";
  const std::string target =
      model.relation.rendered.empty()
          ? spark_quote(c.catalog) + "." + spark_quote(c.schema) + "." + spark_quote(c.identifier)
          : model.relation.rendered;

  std::string location;
  if (auto root = cfg.string("location_root")) {
    std::string r = *root;
    while (!r.empty() && r.back() == '/')
      r.pop_back();
    location = cfg.boolean("include_full_name_in_path").value_or(false)
                   ? r + "/" + c.catalog + "/" + c.schema + "/" + c.identifier
                   : r + "/" + c.identifier;
  }
  Json tblproperties = Json::object();
  if (const Json* props = cfg.object("tblproperties")) {
    for (auto it = props->begin(); it != props->end(); ++it) {
      const Json& v = it.value();
      tblproperties[it.key()] = v.is_string() ? v.get<std::string>() : v.dump();
    }
  }
  std::optional<long long> buckets = cfg.integer("buckets");

  Json settings = Json::object();
  settings["unique_id"] = model.unique_id;
  settings["materialized"] = mat.materialized;
  settings["target"] = target;
  settings["schema_prefix"] = spark_quote(c.catalog) + "." + spark_quote(c.schema);
  settings["identifier"] = c.identifier;
  settings["format"] = format;
  settings["location"] = location.empty() ? Json() : Json(location);
  settings["partition_by"] = cfg.string_list("partition_by");
  settings["liquid_clustered_by"] = cfg.string_list("liquid_clustered_by");
  settings["clustered_by"] = cfg.string_list("clustered_by");
  settings["buckets"] = buckets ? Json(*buckets) : Json();
  settings["tblproperties"] = tblproperties;
  settings["strategy"] = mat.incremental() ? mat.strategy : "";
  settings["unique_key"] = mat.unique_key;
  settings["merge_update_columns"] = mat.merge_update_columns;
  settings["merge_exclude_columns"] = mat.merge_exclude_columns;
  settings["incremental_predicates"] = mat.predicates;
  settings["on_schema_change"] = mat.on_schema_change;

  Json meta = Json::object();
  meta["platform"] = "databricks";
  meta["relation"] = model.relation.rendered;
  meta["unique_id"] = model.unique_id;
  mat.add_metadata(meta);
  ThisRelation this_rel{model.relation.database, model.relation.schema, model.relation.identifier,
                        model.relation.rendered};
  CompiledModel compiled =
      assemble_model(metadata_line(meta), "", src, dbt_context_python(model, this_rel),
                     spark_driver_python(settings));

  // A cell separator inside the user's code splits the notebook cell there.
  {
    int line = 0;
    size_t start = 0;
    while (start < src.text.size()) {
      ++line;
      size_t end = src.text.find('\n', start);
      std::string_view l(src.text.data() + start, end - start);
      if (trim(l) == kCellSeparator)
        cfg.warn_model("DBTPY318",
                       "this line is a Databricks cell separator; in a notebook the model is "
                       "split into separate cells here",
                       "remove the `# COMMAND ----------` line (harmless only between top-level "
                       "statements)",
                       line);
      start = end + 1;
    }
  }

  // Libraries.
  std::vector<std::string> packages = cfg.string_list("packages");
  std::string index_url = cfg.string("index_url").value_or("");
  if (index_url.find('@') != std::string::npos && index_url.find("://") != std::string::npos &&
      index_url.find('@') < index_url.find('/', index_url.find("://") + 3))
    cfg.fail("DBTPY327", "index_url",
             "index_url holds credentials (user:password@host); dbtpy never writes secrets into "
             "payloads",
             "configure the private index on the cluster (e.g. a pip.conf init script or a "
             "secret-backed environment variable) and use a URL without credentials");
  const Json* additional_libs = cfg.array("additional_libs");
  if (additional_libs)
    for (const auto& l : *additional_libs)
      if (!l.is_object())
        cfg.fail("DBTPY308", "additional_libs",
                 "every additional_libs entry must be a Databricks library mapping, e.g. "
                 "{whl: /Volumes/.../pkg.whl}",
                 "write additional_libs as a list of mappings");
  bool notebook_scoped = cfg.boolean("notebook_scoped_libraries").value_or(false);
  std::string pip = notebook_scoped && !packages.empty() ? pip_install_command(packages, index_url)
                                                         : std::string();

  Payload p;
  p.unique_id = model.unique_id;
  p.model_name = model.name;
  p.platform = "databricks";
  p.materialized = mat.materialized;
  p.relation = model.relation.rendered;
  p.files.push_back({"model.py", compiled.text, "text/x-python"});
  p.source_map.push_back(source_map_entry("model.py", compiled.user_first_line,
                                          compiled.user_line_count, model.original_file_path,
                                          "databricks command / notebook model cell", 0));

  // Cluster id for all_purpose_cluster.
  bool create_notebook = cfg.boolean("create_notebook").value_or(false);
  std::string cluster_id;
  if (method == "all_purpose_cluster") {
    std::vector<std::pair<std::string, std::string>> candidates;
    if (auto v = cfg.string("cluster_id")) candidates.emplace_back("cluster_id (model config)", *v);
    if (auto v = cfg.string("http_path")) candidates.emplace_back("http_path (model config)", *v);
    if (auto v = cfg.profile_string("cluster_id"))
      candidates.emplace_back("cluster_id (profile)", *v);
    if (auto v = cfg.profile_string("http_path"))
      candidates.emplace_back("http_path (profile)", *v);
    for (const auto& [where, value] : candidates) {
      if (where.rfind("cluster_id", 0) == 0) {
        cluster_id = std::string(trim(value));
        break;
      }
      if (auto id = cluster_id_from_http_path(value)) {
        cluster_id = *id;
        break;
      }
      if (is_warehouse_http_path(value)) {
        std::string message = where + " '" + value +
                              "' points to a SQL warehouse, which cannot run Python; "
                              "all_purpose_cluster needs an all-purpose cluster";
        std::string hint =
            "set cluster_id (or an http_path /sql/protocolv1/o/<org>/<cluster>), or use "
            "submission_method: job_cluster or serverless_cluster";
        if (where.find("(profile)") != std::string::npos)
          cfg.fail_profile("DBTPY309", std::move(message), std::move(hint));
        cfg.fail("DBTPY309", "http_path", std::move(message), std::move(hint));
      }
    }
    if (cluster_id.empty())
      cfg.fail("DBTPY309", "cluster_id",
               "submission_method 'all_purpose_cluster' needs the id of an all-purpose cluster",
               "set cluster_id in the model config, or an http_path "
               "/sql/protocolv1/o/<org>/<cluster> in the config or the profile");
  }

  // ---- Command API path -------------------------------------------------------------------
  if (method == "all_purpose_cluster" && !create_notebook) {
    p.method = "command_api";
    const std::string cid = escape_placeholders(cluster_id);
    const std::string cid_q = percent_encode(cluster_id);
    RequestStep ready;
    ready.name = "cluster_ready";
    ready.description =
        "Check the cluster; start it if terminated and wait until RUNNING with "
        "its libraries installed";
    ready.method = "GET";
    ready.url = c.host + "/api/2.0/clusters/get?cluster_id=" + cid_q;
    ready.headers = {{"Accept", "application/json"}};
    ready.credential = Credential::kDatabricks;
    ready.follow.kind = "databricks_cluster";
    ready.follow.handle = "/cluster_id";
    ready.follow.status_url = ready.url;
    ready.idempotency = {"natural", ""};
    p.steps.push_back(ready);

    RequestStep ctx =
        post(c, "create_context", "Create a Python execution context on the cluster",
             "/api/1.2/contexts/create", {{"clusterId", cid}, {"language", "python"}});
    ctx.captures.push_back({"CONTEXT_ID", "/id", false});
    ctx.follow.kind = "databricks_context";
    ctx.follow.handle = "/id";
    ctx.follow.status_url = c.host + "/api/1.2/contexts/status?clusterId=" + cid_q +
                            "&contextId=" + std::string(kHandle);
    ctx.idempotency = {"none", ""};
    p.steps.push_back(ctx);

    auto command = [&](std::string name, std::string description, std::string text) {
      RequestStep s = post(c, std::move(name), std::move(description), "/api/1.2/commands/execute",
                           {{"clusterId", cid},
                            {"contextId", "${CONTEXT_ID}"},
                            {"language", "python"},
                            {"command", std::move(text)}});
      s.follow.kind = "databricks_command";
      s.follow.handle = "/id";
      s.follow.status_url = c.host + "/api/1.2/commands/status?clusterId=" + cid_q +
                            "&contextId=${CONTEXT_ID}&commandId=" + std::string(kHandle);
      s.follow.cancel_url = c.host + "/api/1.2/commands/cancel";
      s.follow.cancel_body = Json{
          {"clusterId", cid}, {"contextId", "${CONTEXT_ID}"}, {"commandId", std::string(kHandle)}};
      s.idempotency = {"none", ""};
      return s;
    };
    if (!pip.empty())
      p.steps.push_back(command("install_packages",
                                "Install the model's packages into the context (notebook-scoped)",
                                escape_placeholders(pip)));
    p.steps.push_back(command("set_parameters", "Pass the run parameters to the context",
                              "dbtpy_params = {\"run_id\": \"" + std::string(kRunId) +
                                  "\", \"full_refresh\": \"" + std::string(kFullRefresh) + "\"}"));
    p.steps.push_back(command("run_model", "Run and materialize the model (model.py)",
                              file_text_ref("model.py")));
    RequestStep destroy =
        post(c, "destroy_context", "Destroy the execution context (runs on every path)",
             "/api/1.2/contexts/destroy", {{"clusterId", cid}, {"contextId", "${CONTEXT_ID}"}});
    destroy.cleanup = true;
    destroy.armed_by = "create_context";
    p.steps.push_back(destroy);
    p.facts = {{"cluster_id", cluster_id}};
    if (!packages.empty() && !notebook_scoped)
      cfg.warn("DBTPY328", "packages",
               "packages are not installed on the Command API path (all_purpose_cluster without "
               "create_notebook)",
               "install them on the cluster, set notebook_scoped_libraries: true, or set "
               "create_notebook: true to install them as task libraries");
    p.warnings = cfg.warnings();
    return p;
  }

  // ---- Notebook paths ---------------------------------------------------------------------
  Notebook nb = notebook_source({metadata_line(meta), pip, compiled.text});
  p.files.push_back({"notebook.py", nb.text, "text/x-python"});
  p.source_map.push_back(source_map_entry(
      "notebook.py", nb.model_first_line + compiled.user_first_line - 1, compiled.user_line_count,
      model.original_file_path, "databricks notebook model cell", nb.model_first_line - 1));

  bool user_folder = cfg.boolean("user_folder_for_python").value_or(true);
  const std::string folder =
      (user_folder ? "/Users/" + std::string(kUserName) : std::string("/Shared")) +
      "/dbt_python_models/" + escape_placeholders(c.catalog) + "/" + escape_placeholders(c.schema);
  const bool workflow = method == "workflow_job";
  const std::string notebook_path = folder + "/" + escape_placeholders(c.identifier) +
                                    (workflow ? "" : "-" + std::string(kRunId));

  p.steps.push_back(post(c, "mkdirs", "Create the notebook folder", "/api/2.0/workspace/mkdirs",
                         {{"path", folder}}));
  p.steps.push_back(post(c, "import_notebook",
                         workflow ? "Upload the notebook the workflow job runs (notebook.py)"
                                  : "Upload the run's notebook (notebook.py)",
                         "/api/2.0/workspace/import",
                         {{"path", notebook_path},
                          {"format", "SOURCE"},
                          {"language", "PYTHON"},
                          {"content", file_base64_ref("notebook.py")},
                          {"overwrite", true}}));

  Json notebook_task = {{"notebook_path", notebook_path}, {"source", "WORKSPACE"}};
  Json task = {{"task_key", kTaskKey}};
  Json environments;
  Json libraries = task_libraries(packages, index_url, additional_libs, notebook_scoped);
  if (method == "all_purpose_cluster") {
    task["existing_cluster_id"] = escape_placeholders(cluster_id);
    if (!libraries.empty()) task["libraries"] = libraries;
  } else if (method == "job_cluster" || (workflow && cfg.has("job_cluster_config"))) {
    const Json* jcc = cfg.object("job_cluster_config");
    if (!jcc)
      cfg.fail("DBTPY303", "job_cluster_config",
               "submission_method 'job_cluster' needs job_cluster_config: the new cluster's spec",
               "set job_cluster_config with at least spark_version and node_type_id, e.g. "
               "{spark_version: 15.4.x-scala2.12, node_type_id: i3.xlarge, num_workers: 1}");
    for (const char* required : {"spark_version", "node_type_id"}) {
      if (!jcc->contains(required) &&
          !(std::string(required) == "node_type_id" && jcc->contains("instance_pool_id")))
        cfg.fail("DBTPY303", "job_cluster_config",
                 "job_cluster_config has no '" + std::string(required) + "'",
                 "add " + std::string(required) + " to job_cluster_config, e.g. " +
                     (std::string(required) == "spark_version" ? "spark_version: 15.4.x-scala2.12"
                                                               : "node_type_id: i3.xlarge"));
    }
    task["new_cluster"] = escape_json(*jcc);
    if (!libraries.empty()) task["libraries"] = libraries;
  } else if (workflow && cfg.has("cluster_id")) {
    task["existing_cluster_id"] = escape_placeholders(*cfg.string("cluster_id"));
    if (!libraries.empty()) task["libraries"] = libraries;
  } else {
    // Serverless: Databricks rejects task `libraries` ("Libraries field is not supported for
    // serverless task"), so dependencies go through an environment.
    std::vector<std::string> deps =
        environment_dependencies(cfg, packages, index_url, additional_libs, notebook_scoped);
    std::string env_key =
        cfg.string("environment_key").value_or(deps.empty() ? "" : kEnvironmentKey);
    if (!env_key.empty()) {
      task["environment_key"] = escape_placeholders(env_key);
      if (!deps.empty()) {
        Json dep_json = Json::array();
        for (const auto& d : deps)
          dep_json.push_back(escape_placeholders(d));
        std::string version = cfg.string("environment_version").value_or("4");
        environments = Json::array({{{"environment_key", escape_placeholders(env_key)},
                                     {"spec",
                                      {{"environment_version", escape_placeholders(version)},
                                       {"dependencies", dep_json}}}}});
      }
    }
  }

  const Json* pjc = cfg.object("python_job_config");
  Json acl = Json::array();
  if (const Json* user_acl = cfg.array("access_control_list"))
    for (const auto& e : *user_acl)
      acl.push_back(escape_json(e));
  if (pjc && pjc->contains("grants"))
    for (const auto& e : grants_to_acl(cfg, (*pjc)["grants"]))
      acl.push_back(e);

  p.facts = {{"notebook_path", notebook_path}, {"notebook_folder", folder}};
  if (!cluster_id.empty()) p.facts["cluster_id"] = cluster_id;

  if (!workflow) {
    p.method = method == "all_purpose_cluster" ? "notebook_run" : method;
    notebook_task["base_parameters"] = {{"run_id", std::string(kRunId)},
                                        {"full_refresh", std::string(kFullRefresh)}};
    task["notebook_task"] = notebook_task;
    const std::string run_name =
        escape_placeholders(c.catalog + "-" + c.schema + "-" + c.identifier) + "-" +
        std::string(kRunId);
    Json body = {{"run_name", run_name},
                 {"idempotency_token", std::string(kRequestId)},
                 {"tasks", Json::array({task})},
                 {"queue", {{"enabled", true}}}};
    if (pjc) {
      for (auto it = pjc->begin(); it != pjc->end(); ++it) {
        if (kHelperKeys.count(it.key())) continue;
        if (!kRunSubmitFields.count(it.key())) {
          cfg.warn("DBTPY329", "python_job_config",
                   "python_job_config." + it.key() +
                       " is not a field of a one-time run (jobs/runs/submit) and is ignored",
                   "keep it for submission_method: workflow_job, or remove it");
          continue;
        }
        body[it.key()] = escape_json(it.value());
      }
    }
    if (auto timeout = cfg.integer("timeout"); timeout && *timeout > 0)
      body["timeout_seconds"] = *timeout;
    if (!environments.is_null() && !body.contains("environments"))
      body["environments"] = environments;
    if (!acl.empty()) body["access_control_list"] = acl;
    RequestStep submit =
        post(c, "submit_run", "Start a one-time run of the notebook (jobs/runs/submit)",
             "/api/2.1/jobs/runs/submit", body);
    submit.captures.push_back({"DATABRICKS_RUN_ID", "/run_id", false});
    submit.follow = run_follow(c);
    submit.idempotency = {"body:/idempotency_token", std::string(kRequestId)};
    p.steps.push_back(submit);
    RequestStep del =
        post(c, "delete_notebook", "Delete the run's notebook (runs on every path)",
             "/api/2.0/workspace/delete", {{"path", notebook_path}, {"recursive", false}});
    del.cleanup = true;
    del.armed_by = "import_notebook";
    p.steps.push_back(del);
    p.facts["run_name"] = run_name;
    p.warnings = cfg.warnings();
    return p;
  }

  // ---- workflow_job ------------------------------------------------------------------------
  p.method = "workflow_job";
  if (!pjc)
    cfg.fail("DBTPY310", "python_job_config",
             "submission_method 'workflow_job' needs python_job_config (at least a mapping; "
             "`name` names the job)",
             "set python_job_config, e.g. {name: nightly_orders, max_concurrent_runs: 1}");
  task["notebook_task"] = notebook_task;
  if (pjc->contains("additional_task_settings")) {
    const Json& extra = (*pjc)["additional_task_settings"];
    if (!extra.is_object())
      cfg.fail("DBTPY308", "python_job_config",
               "python_job_config.additional_task_settings must be a mapping",
               "write additional_task_settings as task fields, e.g. {task_key: my_task}");
    for (auto it = extra.begin(); it != extra.end(); ++it)
      task[escape_placeholders(it.key())] = escape_json(it.value());
  }
  Json tasks = Json::array({task});
  if (pjc->contains("post_hook_tasks")) {
    const Json& hooks = (*pjc)["post_hook_tasks"];
    if (!hooks.is_array())
      cfg.fail("DBTPY308", "python_job_config", "python_job_config.post_hook_tasks must be a list",
               "write post_hook_tasks as a list of Jobs task specs");
    for (const auto& h : hooks)
      tasks.push_back(escape_json(h));
  }
  std::string job_name = pjc->contains("name") && (*pjc)["name"].is_string()
                             ? (*pjc)["name"].get<std::string>()
                             : "dbt__" + c.catalog + "-" + c.schema + "-" + c.identifier;
  Json settings_body = Json::object();
  for (auto it = pjc->begin(); it != pjc->end(); ++it)
    if (!kHelperKeys.count(it.key()))
      settings_body[escape_placeholders(it.key())] = escape_json(it.value());
  settings_body["name"] = escape_placeholders(job_name);
  settings_body["tasks"] = tasks;
  if (!environments.is_null() && !settings_body.contains("environments"))
    settings_body["environments"] = environments;
  if (!settings_body.contains("queue")) settings_body["queue"] = {{"enabled", true}};

  std::string existing_job_id;
  if (pjc->contains("existing_job_id")) {
    const Json& e = (*pjc)["existing_job_id"];
    existing_job_id = e.is_string() ? e.get<std::string>() : e.dump();
    existing_job_id = std::string(trim(existing_job_id));
    if (existing_job_id.find_first_not_of("0123456789") != std::string::npos ||
        existing_job_id.empty())
      cfg.fail("DBTPY308", "python_job_config",
               "python_job_config.existing_job_id must be a numeric job id, got '" +
                   existing_job_id + "'",
               "copy the job id from the job's page (a number)");
  }
  Json job_id_value =
      existing_job_id.empty() ? Json("${JOB_ID}") : Json(std::stoll(existing_job_id));
  if (existing_job_id.empty()) {
    RequestStep find;
    find.name = "find_job";
    find.description = "Look the workflow job up by name";
    find.method = "GET";
    find.url = c.host + "/api/2.1/jobs/list?name=" + percent_encode(job_name) + "&limit=2";
    find.headers = {{"Accept", "application/json"}};
    find.credential = Credential::kDatabricks;
    find.captures.push_back({"JOB_ID", "/jobs/0/job_id", true});
    find.checks.push_back({"/jobs/1", false,
                           "several jobs are named '" + job_name +
                               "'; give python_job_config a unique name or set existing_job_id"});
    find.idempotency = {"natural", ""};
    p.steps.push_back(find);
  }
  RequestStep reset =
      post(c, "reset_job", "Replace the workflow job's settings", "/api/2.1/jobs/reset",
           {{"job_id", job_id_value}, {"new_settings", settings_body}});
  if (existing_job_id.empty()) reset.run_if = Condition{"JOB_ID", true};
  p.steps.push_back(reset);
  if (existing_job_id.empty()) {
    Json create_body = settings_body;
    if (!acl.empty()) create_body["access_control_list"] = acl;
    RequestStep create = post(c, "create_job", "Create the workflow job (first run)",
                              "/api/2.1/jobs/create", create_body);
    create.run_if = Condition{"JOB_ID", false};
    create.captures.push_back({"JOB_ID", "/job_id", false});
    create.idempotency = {"none", ""};
    p.steps.push_back(create);
  }
  RequestStep run =
      post(c, "run_now", "Run the workflow job (jobs/run-now)", "/api/2.1/jobs/run-now",
           {{"job_id", job_id_value},
            {"idempotency_token", std::string(kRequestId)},
            {"notebook_params",
             {{"run_id", std::string(kRunId)}, {"full_refresh", std::string(kFullRefresh)}}},
            {"queue", {{"enabled", true}}}});
  run.captures.push_back({"DATABRICKS_RUN_ID", "/run_id", false});
  run.follow = run_follow(c);
  run.idempotency = {"body:/idempotency_token", std::string(kRequestId)};
  p.steps.push_back(run);
  p.facts["job_name"] = job_name;
  if (!existing_job_id.empty()) p.facts["job_id"] = std::stoll(existing_job_id);
  p.warnings = cfg.warnings();
  return p;
}

}  // namespace dbtpy::codegen::databricks
