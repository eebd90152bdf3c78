#include "runner/run_results.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "util/clock.h"
#include "util/fs.h"

extern char** environ;

namespace dbtpy::runner {

namespace {

Json timestamp(const std::optional<std::chrono::system_clock::time_point>& t) {
  return t ? Json(format_rfc3339(*t)) : Json(nullptr);
}

Json compiled_code(const PlannedModel& model) {
  if (!model.payload) return nullptr;
  if (const auto* f = model.payload->file("model.py")) return f->content;
  if (!model.payload->files.empty()) return model.payload->files.front().content;
  return nullptr;
}

Json result_json(const PlannedModel& model, const ModelResult& r) {
  Json timing = Json::array();
  if (r.status != ResultStatus::kSkipped) {
    if (model.compile_started)
      timing.push_back({{"name", "compile"},
                        {"started_at", timestamp(model.compile_started)},
                        {"completed_at", timestamp(model.compile_completed)}});
    if (r.started_at)
      timing.push_back({{"name", "execute"},
                        {"started_at", timestamp(r.started_at)},
                        {"completed_at", timestamp(r.completed_at)}});
  }
  const bool ran = r.status != ResultStatus::kSkipped;
  return {
      {"status", std::string(result_status_name(r.status))},
      {"timing", timing},
      {"thread_id", r.slot > 0 ? fmt::format("Thread-{}", r.slot) : std::string("main")},
      {"execution_time", r.execution_time},
      {"adapter_response", r.adapter_response.is_object() ? r.adapter_response : Json::object()},
      {"message", r.message.empty() ? Json(nullptr) : Json(r.message)},
      {"failures", nullptr},
      {"unique_id", model.unique_id},
      {"compiled", ran && model.payload != nullptr},
      {"compiled_code", ran ? compiled_code(model) : Json(nullptr)},
      {"relation_name", model.relation_name.empty() ? Json(nullptr) : Json(model.relation_name)}};
}

}  // namespace

Json run_results_json(const RunPlan& plan, const RunOutcome& outcome,
                      const RunResultsMetadata& metadata) {
  std::vector<size_t> order(plan.models.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Completion order, as dbt lists results; models that never got a result (none, unless the
  // run was cut short) go last in plan order.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const int ca = outcome.results[a].completion, cb = outcome.results[b].completion;
    if ((ca == 0) != (cb == 0)) return cb == 0;
    return ca < cb;
  });
  Json results = Json::array();
  for (size_t i : order)
    results.push_back(result_json(plan.models[i], outcome.results[i]));
  Json env = Json::object();
  for (const auto& [k, v] : metadata.env)
    env[k] = v;
  return {{"metadata",
           {{"dbt_schema_version", std::string(kRunResultsSchema)},
            {"dbt_version", metadata.dbtpy_version},
            {"generated_at", format_rfc3339(metadata.generated_at)},
            {"invocation_id", metadata.invocation_id},
            {"env", env}}},
          {"results", results},
          {"elapsed_time", outcome.elapsed_seconds},
          {"args", metadata.args.is_object() ? metadata.args : Json::object()}};
}

std::map<std::string, std::string> custom_env_from_process() {
  static constexpr std::string_view kPrefix = "DBT_ENV_CUSTOM_ENV_";
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    if (entry.substr(0, kPrefix.size()) != kPrefix) continue;
    auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == kPrefix.size()) continue;
    out[std::string(entry.substr(kPrefix.size(), eq - kPrefix.size()))] =
        std::string(entry.substr(eq + 1));
  }
  return out;
}

void write_run_results(const std::filesystem::path& path, const Json& run_results,
                       const Redactor* redactor) {
  std::string text = run_results.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
  if (redactor) text = redactor->redact(text);
  write_file_atomic(path, text);
}

}  // namespace dbtpy::runner
