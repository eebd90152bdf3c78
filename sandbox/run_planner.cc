#include "sandbox/run_planner.h"

#include <regex>

#include "util/strings.h"

namespace dbtpy::sandbox {
namespace {

bool platform_matches(const std::string& submitted, const std::string& declared) {
  if (submitted == "dataproc") return declared == "bigquery" || declared == "dataproc";
  return submitted == declared;
}

}  // namespace

std::pair<std::string, std::string> split_exception(const std::string& message) {
  static const std::regex re(
      R"(^([A-Za-z_][A-Za-z0-9_.]*(Error|Exception|Exit|Interrupt|Warning)?):)");
  std::smatch m;
  if (std::regex_search(message, m, re) && m[1].length() < 80) return {m[1].str(), message};
  return {"Exception", "Exception: " + message};
}

RunPlanner::RunPlanner(const SandboxConfig& config, PythonChecker& checker, Random& random,
                       Stats& stats)
    : config_(config), checker_(checker), random_(random), stats_(stats) {
  matches_.assign(config.rules.size(), 0);
}

RunPlan RunPlanner::plan_failure(const std::string& error_type, const std::string& message) {
  RunPlan plan;
  plan.run_seconds = 0.05;
  plan.fail = true;
  plan.error_type = error_type;
  plan.error_message = error_type + ": " + message;
  plan.traceback = plan.error_message;
  plan.rule = "sandbox-check";
  return plan;
}

PlannedRun RunPlanner::plan_python(const std::string& platform, std::string_view source,
                                   const std::string& filename, bool notebook) {
  stats_.execution(platform);
  PlannedRun out;
  std::string checked = notebook ? neutralize_magics(source) : std::string(source);
  if (auto err = checker_.check(checked, filename)) {
    out.plan = plan_failure(err->type, err->message);
    out.plan.traceback = err->traceback;
    out.plan.rule = "python-compile";
    return out;
  }
  auto inspection = inspect_payload(source);
  if (!inspection.meta) {
    out.plan = plan_failure("SandboxError", inspection.problem);
    return out;
  }
  if (!platform_matches(platform, inspection.meta->platform)) {
    out.plan = plan_failure("SandboxError", "this payload was generated for platform `" +
                                                inspection.meta->platform + "` but submitted to " +
                                                platform);
    return out;
  }
  out.plan = resolve(platform, {inspection.meta->unique_id, inspection.meta->relation}, filename);
  out.meta = std::move(inspection.meta);
  return out;
}

RunPlan RunPlanner::plan_helper(std::string_view source, const std::string& filename) {
  RunPlan plan;
  plan.run_seconds = 0.02;
  plan.rule = "helper";
  if (auto err = checker_.check(neutralize_magics(source), filename)) {
    plan = plan_failure(err->type, err->message);
    plan.traceback = err->traceback;
    plan.rule = "python-compile";
  }
  return plan;
}

RunPlan RunPlanner::plan_named(const std::string& platform, const std::string& name) {
  stats_.execution(platform);
  return resolve(platform, {name}, "<query>");
}

RunPlan RunPlanner::resolve(const std::string& platform, const std::vector<std::string>& names,
                            const std::string& filename) {
  RunPlan plan;
  const BehaviourRule* rule = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < config_.rules.size() && !rule; ++i) {
      const auto& r = config_.rules[i];
      if (r.platform && *r.platform != platform) continue;
      if (r.max_matches > 0 && matches_[i] >= r.max_matches) continue;
      for (const auto& name : names) {
        if (name.empty()) continue;
        if (glob_match(r.match, name) || glob_match(to_upper(r.match), to_upper(name))) {
          rule = &r;
          ++matches_[i];
          break;
        }
      }
    }
  }
  plan.run_seconds = random_.uniform(config_.defaults.min_duration, config_.defaults.max_duration);
  plan.startup_seconds = config_.defaults.startup_delay;
  plan.rule = "default";
  if (!rule) return plan;
  plan.rule = "sandbox.yml:" + std::to_string(rule->line);
  if (rule->duration) plan.run_seconds = *rule->duration;
  if (rule->queue_delay) plan.queue_seconds = *rule->queue_delay;
  if (rule->startup_delay) plan.startup_seconds = *rule->startup_delay;
  plan.stdout_lines = rule->stdout_lines;
  plan.columns = rule->columns;
  plan.result = rule->result;
  if (rule->fail) {
    plan.fail = true;
    auto [type, message] = split_exception(rule->message);
    plan.error_type = type;
    plan.error_message = message;
    std::string tb = rule->traceback;
    if (tb.empty()) {
      tb = "Traceback (most recent call last):\n  File \"" + filename + "\", line 1, in model\n" +
           message;
    } else {
      while (!tb.empty() && tb.back() == '\n')
        tb.pop_back();
      if (tb.find(message) == std::string::npos) tb += "\n" + message;
    }
    plan.traceback = tb;
  }
  return plan;
}

}  // namespace dbtpy::sandbox
