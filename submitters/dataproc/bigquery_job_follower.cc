#include "submitters/dataproc/bigquery_job_follower.h"

#include <fmt/format.h>

#include "submitters/failure_codes.h"
#include "submitters/http/url.h"

namespace dbtpy::submitters::dataproc {
namespace {

class BigQueryJobFollower final : public Follower {
 public:
  std::optional<Json> attach(const Json& request_body, FollowIo& /*io*/) override {
    const std::string id = text_at(request_body, "/jobReference/jobId");
    if (id.empty()) return std::nullopt;
    return Json(id);
  }

  FollowUpdate on_submit(const http::HttpResponse& /*response*/, const Json& body,
                         FollowIo& /*io*/) override {
    return read(body);
  }

  FollowUpdate poll(FollowIo& io) override {
    return read(json_of(io.get(target_.status_url), "GET", target_.status_url));
  }

  void describe(Json& ar) const override {
    ar["job_id"] = target_.handle_text;
    for (const auto& [key, value] : facts_.items())
      ar[key] = value;
  }

  std::string console_url() const override {
    if (project_.empty()) return {};
    return fmt::format(
        "https://console.cloud.google.com/bigquery?project={}&j=bq:{}:{}&page=queryresults",
        project_, location_, target_.handle_text);
  }

  std::string noun() const override { return "BigQuery job"; }

 private:
  FollowUpdate read(const Json& job) {
    project_ = text_at(job, "/jobReference/projectId");
    location_ = text_at(job, "/jobReference/location");
    const std::string state = text_at(job, "/status/state");
    if (state == "PENDING" || state == "RUNNING") return FollowUpdate::running(state);
    if (state != "DONE") return FollowUpdate::running(state.empty() ? "(no state)" : state, false);
    record_statistics(job);
    if (const Json* err = at_pointer(job, "/status/errorResult"); err && !err->is_null()) {
      std::string message =
          fmt::format("BigQuery job {} failed: {}{}", target_.handle_text,
                      text_at(*err, "/reason").empty() ? "" : text_at(*err, "/reason") + ": ",
                      text_at(*err, "/message"));
      if (const Json* errors = at_pointer(job, "/status/errors"); errors && errors->is_array()) {
        for (const auto& e : *errors) {
          std::string m = text_at(e, "/message");
          if (!m.empty() && message.find(m) == std::string::npos) message += "\n" + m;
        }
      }
      auto u = FollowUpdate::failed("DONE/error", codes::kRemoteFailed, message);
      u.remote_cancelled = text_at(*err, "/reason") == "stopped";
      return u;
    }
    return FollowUpdate::succeeded(state);
  }

  void record_statistics(const Json& job) {
    auto number = [&](std::string_view pointer) -> std::optional<long long> {
      std::string t = text_at(job, pointer);
      if (t.empty()) return std::nullopt;
      try {
        return std::stoll(t);
      } catch (const std::exception&) {
        return std::nullopt;
      }
    };
    if (!location_.empty()) facts_["location"] = location_;
    if (!project_.empty()) facts_["project_id"] = project_;
    if (auto v = number("/statistics/totalBytesProcessed")) facts_["bytes_processed"] = *v;
    if (auto v = number("/statistics/query/totalBytesBilled")) facts_["bytes_billed"] = *v;
    if (auto v = number("/statistics/totalSlotMs")) facts_["slot_ms"] = *v;
    if (auto v = number("/statistics/query/numDmlAffectedRows")) facts_["rows_affected"] = *v;
  }

  std::string project_;
  std::string location_;
  Json facts_ = Json::object();
};

}  // namespace

std::unique_ptr<Follower> make_bigquery_job_follower() {
  return std::make_unique<BigQueryJobFollower>();
}

}  // namespace dbtpy::submitters::dataproc
