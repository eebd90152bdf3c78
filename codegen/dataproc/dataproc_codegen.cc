#include "codegen/dataproc/dataproc_codegen.h"

#include <functional>
#include <regex>

#include "codegen/common/compiled_model.h"
#include "codegen/common/config_reader.h"
#include "codegen/common/dbt_context.h"
#include "codegen/common/identifiers.h"
#include "codegen/common/materialization.h"
#include "codegen/common/metadata_line.h"
#include "codegen/common/model_source.h"
#include "codegen/dataproc/batch_spec.h"
#include "codegen/dataproc/merge_script.h"
#include "codegen/dataproc/pyspark_main.h"
#include "codegen/placeholders.h"
#include "util/strings.h"

namespace dbtpy::codegen::dataproc {

namespace {

// Percent-encodes the static parts of a template, leaving our placeholders intact.
std::string encode_template(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t p = s.find("${", i);
    if (p == std::string_view::npos) {
      out += percent_encode(s.substr(i));
      break;
    }
    out += percent_encode(s.substr(i, p - i));
    size_t close = s.find('}', p);
    out += std::string(s.substr(p, close - p + 1));
    i = close + 1;
  }
  return out;
}

RequestStep google_step(std::string name, std::string description, std::string method,
                        std::string url) {
  RequestStep s;
  s.name = std::move(name);
  s.description = std::move(description);
  s.method = std::move(method);
  s.url = std::move(url);
  s.headers = {{"Accept", "application/json"}};
  s.credential = Credential::kGoogle;
  s.idempotency = {"natural", ""};
  return s;
}

// dbt-bigquery's partition_by as spark-bigquery connector write options.
Json layout_options(ConfigReader& cfg, std::string& write_method) {
  Json opts = Json::object();
  write_method = "direct";
  if (const Json* part = cfg.object("partition_by")) {
    write_method = "indirect";  // as dbt-bigquery: partitioned writes go through GCS
    if (part->contains("time_ingestion_partitioning") &&
        (*part)["time_ingestion_partitioning"] == true)
      cfg.fail("DBTPY325", "partition_by",
               "Python models do not support ingestion-time partitioning (as in dbt)",
               "partition on a column of the model's output instead");
    if (!part->contains("field") || !(*part)["field"].is_string())
      cfg.fail("DBTPY324", "partition_by",
               "partition_by needs a 'field' (the column to partition on)",
               "write partition_by as {field: created_at, data_type: timestamp, granularity: day}");
    std::string field = (*part)["field"].get<std::string>();
    std::string type = part->contains("data_type") && (*part)["data_type"].is_string()
                           ? to_lower((*part)["data_type"].get<std::string>())
                           : "date";
    opts["partitionField"] = field;
    if (type == "date" || type == "timestamp" || type == "datetime") {
      std::string granularity = part->contains("granularity") && (*part)["granularity"].is_string()
                                    ? to_upper((*part)["granularity"].get<std::string>())
                                    : "DAY";
      if (granularity != "HOUR" && granularity != "DAY" && granularity != "MONTH" &&
          granularity != "YEAR")
        cfg.fail(
            "DBTPY324", "partition_by",
            "partition_by.granularity '" + granularity + "' is not one of hour, day, month, year",
            "use granularity: day (or hour, month, year)");
      opts["partitionType"] = granularity;
    } else if (type == "int64") {
      const Json* range = part->contains("range") ? &(*part)["range"] : nullptr;
      if (!range || !range->is_object() || !range->contains("start") || !range->contains("end") ||
          !range->contains("interval"))
        cfg.fail("DBTPY324", "partition_by",
                 "integer partitioning needs partition_by.range with start, end and interval",
                 "write partition_by as {field: id, data_type: int64, range: {start: 0, end: "
                 "100000, interval: 1000}}");
      opts["partitionRangeStart"] = (*range)["start"].dump();
      opts["partitionRangeEnd"] = (*range)["end"].dump();
      opts["partitionRangeInterval"] = (*range)["interval"].dump();
    } else {
      cfg.fail("DBTPY324", "partition_by",
               "partition_by.data_type '" + type + "' is not date, timestamp, datetime or int64",
               "use one of date, timestamp, datetime, int64");
    }
  }
  std::vector<std::string> cluster = cfg.string_list("cluster_by");
  if (!cluster.empty()) opts["clusteredFields"] = join(cluster, ",");
  return opts;
}

}  // namespace

Payload generate(const CodegenInput& in) {
  const compiler::ModelIR& model = *in.model;
  ConfigReader cfg(model, in.source, *in.target);
  ModelSource src = prepare_model_source(in.source, cfg);
  require_model_function(cfg, src);

  StrategyRules rules;
  rules.allowed = {"merge"};
  rules.default_strategy = "merge";
  rules.rejected = {{"insert_overwrite",
                     "the 'insert_overwrite' strategy is not yet supported for Python "
                     "models (as in dbt-bigquery)"},
                    {"microbatch",
                     "microbatch needs event-time batches, which dbtpy does not run for Python "
                     "models"}};
  Materialization mat = read_materialization(cfg, rules);

  std::string method =
      cfg.has("submission_method")
          ? cfg.choice("submission_method", {"serverless", "cluster"}, "serverless")
          : to_lower(cfg.profile_string("submission_method").value_or("serverless"));
  if (method == "bigframes")
    cfg.fail("DBTPY302", "submission_method",
             "submission_method 'bigframes' is not supported by dbtpy yet (planned)",
             "use submission_method: serverless or cluster");
  if (method != "serverless" && method != "cluster")
    cfg.fail_profile(
        "DBTPY302",
        "profile submission_method '" + method + "' is not valid for BigQuery Python models",
        "use submission_method: serverless or cluster");

  const std::string region = cfg.profile_string("compute_region")
                                 .value_or(cfg.profile_string("dataproc_region").value_or(""));
  if (region.empty())
    cfg.fail_profile("DBTPY304",
                     "profile target '" + in.target->name +
                         "' has no `compute_region`, which Python models on BigQuery need (the "
                         "Dataproc region)",
                     "add `compute_region: us-central1` (your Dataproc region) to the target in "
                     "profiles.yml");
  const std::string bucket = cfg.required_profile_string(
      "gcs_bucket", "which Python models on BigQuery need (the model file is uploaded there)");
  const std::string exec_project =
      cfg.profile_string("execution_project").value_or(in.target->default_database());
  const std::string location = cfg.profile_string("location").value_or("");

  std::string cluster_name;
  if (method == "cluster") {
    cluster_name = cfg.string("dataproc_cluster_name")
                       .value_or(cfg.profile_string("dataproc_cluster_name").value_or(""));
    if (cluster_name.empty())
      cfg.fail("DBTPY305", "dataproc_cluster_name",
               "submission_method 'cluster' needs dataproc_cluster_name (in the model config or "
               "the profile)",
               "set dataproc_cluster_name to your Dataproc cluster, or use submission_method: "
               "serverless");
  }

  const std::string project = model.relation.database;
  const std::string dataset = model.relation.schema;
  const std::string identifier = model.relation.identifier;
  const std::string target = model.relation.rendered.empty()
                                 ? project + "." + dataset + "." + identifier
                                 : model.relation.rendered;

  std::string write_method;
  Json layout = layout_options(cfg, write_method);
  Json spark_conf = Json::object();
  spark_conf["viewsEnabled"] = "true";
  spark_conf["materializationDataset"] = dataset;
  spark_conf["temporaryGcsBucket"] = bucket;
  spark_conf["enableListInference"] =
      cfg.boolean("enable_list_inference").value_or(true) ? "true" : "false";
  if (auto fmt = cfg.string("intermediate_format")) {
    std::string f = to_lower(*fmt);
    if (f != "parquet" && f != "orc" && f != "avro")
      cfg.fail("DBTPY302", "intermediate_format",
               "intermediate_format '" + *fmt + "' is not parquet, orc or avro",
               "use intermediate_format: parquet (or orc, avro)");
    spark_conf["intermediateFormat"] = f;
  }

  Json settings = Json::object();
  settings["unique_id"] = model.unique_id;
  settings["materialized"] = mat.materialized;
  settings["target"] = target;
  settings["execution_project"] = exec_project;
  settings["project"] = project;
  settings["dataset"] = dataset;
  settings["location"] = location.empty() ? Json() : Json(location);
  settings["staging_prefix"] = project + "." + dataset + "." + identifier + "__dbt_tmp_";
  settings["gcs_bucket"] = bucket;
  settings["write_method"] = write_method;
  settings["layout_options"] = layout;
  settings["spark_conf"] = spark_conf;
  settings["app_name"] = "dbtpy-" + model.name;
  settings["exists_query"] =
      "select table_type from `" + project + "`.`" + dataset +
      "`.INFORMATION_SCHEMA.TABLES where table_name = " + bq_string(identifier);

  Json meta = Json::object();
  meta["platform"] = "bigquery";
  meta["relation"] = model.relation.rendered;
  meta["unique_id"] = model.unique_id;
  mat.add_metadata(meta);
  ThisRelation this_rel{project, dataset, identifier, model.relation.rendered};
  CompiledModel compiled =
      assemble_model(metadata_line(meta), "", src, dbt_context_python(model, this_rel),
                     pyspark_driver_python(settings));

  Payload p;
  p.unique_id = model.unique_id;
  p.model_name = model.name;
  p.platform = "bigquery";
  p.method = method == "serverless" ? "dataproc_serverless" : "dataproc_cluster";
  p.materialized = mat.materialized;
  p.relation = model.relation.rendered;
  p.files.push_back({"model.py", compiled.text, "text/x-python"});
  p.files.push_back({"main.py", compiled.text, "text/x-python"});
  p.source_map.push_back(source_map_entry("main.py", compiled.user_first_line,
                                          compiled.user_line_count, model.original_file_path,
                                          "dataproc driver main file", 0));

  // Upload the main file under the run's namespace.
  const std::string object = "dbtpy/" + std::string(kRunId) + "/" + escape_placeholders(dataset) +
                             "/" + escape_placeholders(identifier) + ".py";
  const std::string main_uri = "gs://" + escape_placeholders(bucket) + "/" + object;
  RequestStep upload =
      google_step("upload_main", "Upload the PySpark main file (main.py) to Cloud Storage", "POST",
                  in.endpoints->storage + "/upload/storage/v1/b/" + percent_encode(bucket) +
                      "/o?uploadType=media&name=" + encode_template(object));
  upload.body_file = "main.py";
  upload.content_type = "text/x-python";
  p.steps.push_back(upload);

  Json labels = {{"dbtpy-model", dns_label(model.name, 63)}, {"dbtpy-run-id", std::string(kRunId)}};
  Json args = Json::array(
      {"--run-id=" + std::string(kRunId), "--full-refresh=" + std::string(kFullRefresh)});
  const std::string jar = cfg.string("jar_file_uri").value_or("");

  // Ids unique per run and model (dbt-bigquery#1051: fixed ids collide on the next run).
  std::string prefix;
  if (auto custom = cfg.string("batch_id")) {
    static const std::regex kPrefix("^[a-z][a-z0-9-]{0,25}$");
    if (!std::regex_match(*custom, kPrefix))
      cfg.fail("DBTPY313", "batch_id",
               "batch_id '" + *custom +
                   "' cannot prefix a Dataproc id: it must start with a letter and hold at most 26 "
                   "of [a-z0-9-] (dbtpy appends a per-run suffix so runs never collide)",
               "use a short lowercase prefix such as 'orders-nightly', or remove batch_id");
    prefix = *custom;
  } else {
    prefix = dns_label(model.name, 17) + "-" + short_hash(model.unique_id, 8);
  }
  const std::string remote_id = prefix + "-" + std::string(kRequestId);

  const std::string dp = in.endpoints->dataproc;
  if (method == "serverless") {
    Json batch = {{"pysparkBatch",
                   {{"mainPythonFileUri", main_uri},
                    {"jarFileUris",
                     Json::array({escape_placeholders(jar.empty() ? kDefaultConnectorJar : jar)})},
                    {"args", args}}},
                  {"runtimeConfig",
                   {{"version", kDefaultRuntimeVersion},
                    {"properties", {{"spark.executor.instances", "2"}}}}},
                  {"labels", labels}};
    if (const Json* overlay =
            in.target->fields.is_object() && in.target->fields.contains("dataproc_batch")
                ? &in.target->fields["dataproc_batch"]
                : nullptr) {
      if (!overlay->is_object())
        cfg.fail_profile("DBTPY308",
                         "profile field dataproc_batch must be a mapping (a Batch spec)",
                         "write dataproc_batch as a mapping, e.g. {runtime_config: {properties: "
                         "{spark.executor.instances: '4'}}}");
      batch = deep_merge(batch, [&] {
        Json o = to_json_field_names(*overlay);
        // User strings keep their `${` literal.
        std::function<Json(const Json&)> esc = [&esc](const Json& v) -> Json {
          if (v.is_string()) return escape_placeholders(v.get<std::string>());
          if (!v.is_structured()) return v;
          Json out = v.is_array() ? Json::array() : Json::object();
          if (v.is_array()) {
            for (const auto& e : v)
              out.push_back(esc(e));
          } else {
            for (auto it = v.begin(); it != v.end(); ++it)
              out[it.key()] = esc(it.value());
          }
          return out;
        };
        return esc(o);
      }());
    }
    p.files.push_back({"batch.json", batch.dump(2) + "\n", "application/json"});
    const std::string parent =
        "projects/" + percent_encode(exec_project) + "/locations/" + percent_encode(region);
    RequestStep create = google_step(
        "create_batch", "Create the Dataproc Serverless batch that runs main.py", "POST",
        dp + "/v1/" + parent + "/batches?batchId=" + remote_id +
            "&requestId=" + std::string(kRequestId));
    create.json_body = batch;
    create.content_type = "application/json";
    create.follow.kind = "dataproc_batch";
    create.follow.handle = "/name";
    create.follow.status_url = dp + "/v1/" + parent + "/batches/" + remote_id;
    create.follow.cancel_url = dp + "/v1/" + std::string(kHandle) + ":cancel";
    create.follow.cancel_body = Json::object();
    create.idempotency = {"query:requestId", std::string(kRequestId)};
    p.steps.push_back(create);
    p.facts["batch_id"] = remote_id;
  } else {
    Json pyspark = {{"mainPythonFileUri", main_uri}, {"args", args}};
    if (!jar.empty()) pyspark["jarFileUris"] = Json::array({escape_placeholders(jar)});
    Json job = {{"job",
                 {{"reference", {{"jobId", remote_id}}},
                  {"placement", {{"clusterName", escape_placeholders(cluster_name)}}},
                  {"pysparkJob", pyspark},
                  {"labels", labels}}},
                {"requestId", std::string(kRequestId)}};
    p.files.push_back({"job.json", job.dump(2) + "\n", "application/json"});
    const std::string base = dp + "/v1/projects/" + percent_encode(exec_project) + "/regions/" +
                             percent_encode(region) + "/jobs";
    RequestStep submit = google_step(
        "submit_job", "Submit the PySpark job (main.py) to the cluster", "POST", base + ":submit");
    submit.json_body = job;
    submit.content_type = "application/json";
    submit.follow.kind = "dataproc_job";
    submit.follow.handle = "/reference/jobId";
    submit.follow.status_url = base + "/" + std::string(kHandle);
    submit.follow.cancel_url = base + "/" + std::string(kHandle) + ":cancel";
    submit.follow.cancel_body = Json::object();
    submit.idempotency = {"body:/requestId", std::string(kRequestId)};
    p.steps.push_back(submit);
    p.facts["job_id"] = remote_id;
    p.facts["cluster_name"] = cluster_name;
  }

  // Incremental: the merge job, and dropping the staging table on every path.
  if (mat.incremental()) {
    MergeSpec ms{model.unique_id,
                 project,
                 dataset,
                 identifier,
                 mat.unique_key,
                 mat.merge_update_columns,
                 mat.merge_exclude_columns,
                 mat.predicates,
                 mat.on_schema_change};
    p.files.push_back({"merge.sql", merge_script_sql(ms), "application/sql"});
    p.files.push_back({"drop_staging.sql", drop_staging_sql(ms), "application/sql"});
    const std::string jobs =
        in.endpoints->bigquery + "/bigquery/v2/projects/" + percent_encode(exec_project) + "/jobs";
    const std::string loc_q = location.empty() ? "" : "?location=" + percent_encode(location);
    auto query_job = [&](std::string name, std::string description, const std::string& file,
                         const std::string& job_prefix) {
      Json reference = {
          {"projectId", escape_placeholders(exec_project)},
          {"jobId", job_prefix + word_chars(identifier, 40) + "_" + std::string(kRequestId)}};
      if (!location.empty()) reference["location"] = escape_placeholders(location);
      Json body = {{"jobReference", reference},
                   {"configuration",
                    {{"query",
                      {{"query", file_text_ref(file)},
                       {"useLegacySql", false},
                       {"parameterMode", "NAMED"},
                       {"queryParameters",
                        Json::array({{{"name", "run_id"},
                                      {"parameterType", {{"type", "STRING"}}},
                                      {"parameterValue", {{"value", std::string(kRunId)}}}}})}}},
                     {"labels", labels}}}};
      RequestStep s = google_step(std::move(name), std::move(description), "POST", jobs);
      s.json_body = body;
      s.content_type = "application/json";
      s.follow.kind = "bigquery_job";
      s.follow.handle = "/jobReference/jobId";
      s.follow.status_url = jobs + "/" + std::string(kHandle) + loc_q;
      s.follow.cancel_url = jobs + "/" + std::string(kHandle) + "/cancel" + loc_q;
      s.idempotency = {"body:/jobReference/jobId", std::string(kRequestId)};
      return s;
    };
    p.steps.push_back(query_job("merge",
                                "Merge this run's staging table into the target (merge.sql)",
                                "merge.sql", "dbtpy_merge_"));
    RequestStep drop =
        query_job("drop_staging", "Drop this run's staging table (runs on every path)",
                  "drop_staging.sql", "dbtpy_drop_");
    drop.cleanup = true;
    drop.armed_by = method == "serverless" ? "create_batch" : "submit_job";
    p.steps.push_back(drop);
  }

  RequestStep remove =
      google_step("delete_main", "Delete the uploaded main file (runs on every path)", "DELETE",
                  in.endpoints->storage + "/storage/v1/b/" + percent_encode(bucket) + "/o/" +
                      encode_template(object));
  remove.cleanup = true;
  remove.armed_by = "upload_main";
  p.steps.push_back(remove);

  p.facts["gcs_object"] = main_uri;
  p.facts["region"] = region;
  p.facts["execution_project"] = exec_project;
  p.warnings = cfg.warnings();
  return p;
}

}  // namespace dbtpy::codegen::dataproc
