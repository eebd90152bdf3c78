#include "submitters/dataproc/job_follower.h"

#include <fmt/format.h>

#include <set>

#include "submitters/dataproc/driver_follower.h"
#include "submitters/failure_codes.h"
#include "util/strings.h"

namespace dbtpy::submitters::dataproc {
namespace {

class JobFollower final : public DriverFollower {
 public:
  std::optional<Json> attach(const Json& request_body, FollowIo& /*io*/) override {
    const std::string id = text_at(request_body, "/job/reference/jobId");
    if (id.empty()) return std::nullopt;
    return Json(id);
  }

  FollowUpdate on_submit(const http::HttpResponse& /*response*/, const Json& /*body*/,
                         FollowIo& /*io*/) override {
    return FollowUpdate::running("PENDING");
  }

  FollowUpdate poll(FollowIo& io) override {
    if (reading_output()) return continue_output(io);
    const Json job = json_of(io.get(target_.status_url), "GET", target_.status_url);
    const std::string state = text_at(job, "/status/state");
    static const std::set<std::string> kRunning = {
        "PENDING", "SETUP_DONE", "RUNNING", "CANCEL_PENDING", "CANCEL_STARTED", "ATTEMPT_FAILURE"};
    if (kRunning.count(state)) return FollowUpdate::running(state);
    const std::string uri = text_at(job, "/driverOutputResourceUri");
    const std::string what = "Dataproc job " + target_.handle_text;
    const std::string details = text_at(job, "/status/details");
    if (state == "DONE") return finish(FollowUpdate::succeeded(state), uri, io);
    if (state == "ERROR") {
      return finish(FollowUpdate::failed(
                        state, codes::kRemoteFailed,
                        fmt::format("{} failed{}{}", what, details.empty() ? "" : ": ", details)),
                    uri, io);
    }
    if (state == "CANCELLED") {
      auto u = FollowUpdate::failed(
          state, codes::kRemoteFailed,
          fmt::format("{} was cancelled{}{}", what, details.empty() ? "" : ": ", details));
      u.remote_cancelled = true;
      return finish(u, uri, io);
    }
    return FollowUpdate::running(state.empty() ? "(no state)" : state, false);
  }

  void describe(Json& ar) const override {
    ar["dataproc_job_id"] = target_.handle_text;
    if (std::string url = console_url(); !url.empty()) ar["console_url"] = url;
  }

  // .../v1/projects/P/regions/R/jobs/ID -> the Cloud Console page of the job.
  std::string console_url() const override {
    auto at = target_.status_url.find("/projects/");
    if (at == std::string::npos) return {};
    std::string path = target_.status_url.substr(at + 1);
    if (auto q = path.find('?'); q != std::string::npos) path.erase(q);
    auto parts = split(path, '/');
    if (parts.size() != 6 || parts[2] != "regions" || parts[4] != "jobs") return {};
    return fmt::format("https://console.cloud.google.com/dataproc/jobs/{}?region={}&project={}",
                       parts[5], parts[3], parts[1]);
  }

  std::string noun() const override { return "job"; }
};

}  // namespace

std::unique_ptr<Follower> make_job_follower() {
  return std::make_unique<JobFollower>();
}

}  // namespace dbtpy::submitters::dataproc
