#include "submitters/dataproc/batch_follower.h"

#include <fmt/format.h>

#include "submitters/dataproc/driver_follower.h"
#include "submitters/failure_codes.h"
#include "util/strings.h"

namespace dbtpy::submitters::dataproc {
namespace {

using std::chrono::milliseconds;

// A batch may not be readable for a moment after its create call returned.
constexpr milliseconds kNotVisibleGrace{60'000};

class BatchFollower final : public DriverFollower {
 public:
  std::optional<Json> attach(const Json& /*request_body*/, FollowIo& io) override {
    if (target_.status_url.empty()) return std::nullopt;
    const Json batch = json_of(io.get(target_.status_url), "GET", target_.status_url);
    read_names(batch);
    const std::string op = text_at(batch, "/operation");
    if (op.empty()) return std::nullopt;
    return Json(op);
  }

  FollowUpdate on_submit(const http::HttpResponse& /*response*/, const Json& body,
                         FollowIo& io) override {
    started_ = io.clock().steady_now();
    if (std::string b = text_at(body, "/metadata/batch"); !b.empty()) batch_name_ = b;
    if (std::string u = text_at(body, "/metadata/batchUuid"); !u.empty()) batch_uuid_ = u;
    return FollowUpdate::running("PENDING");
  }

  FollowUpdate poll(FollowIo& io) override {
    if (reading_output()) return continue_output(io);
    if (started_ == std::chrono::steady_clock::time_point{}) started_ = io.clock().steady_now();
    http::HttpResponse r = io.get(target_.status_url);
    if (r.status == 404 && io.clock().steady_now() - started_ < kNotVisibleGrace)
      return FollowUpdate::running("CREATING");
    const Json batch = json_of(r, "GET", target_.status_url);
    read_names(batch);
    const std::string state = text_at(batch, "/state");
    if (state == "PENDING" || state == "RUNNING" || state == "CANCELLING")
      return FollowUpdate::running(state);
    const std::string uri = text_at(batch, "/runtimeInfo/outputUri");
    const std::string what = "Dataproc batch " + batch_id();
    const std::string msg = text_at(batch, "/stateMessage");
    if (state == "SUCCEEDED") return finish(FollowUpdate::succeeded(state), uri, io);
    if (state == "FAILED") {
      return finish(
          FollowUpdate::failed(state, codes::kRemoteFailed,
                               fmt::format("{} failed{}{}", what, msg.empty() ? "" : ": ", msg)),
          uri, io);
    }
    if (state == "CANCELLED") {
      auto u = FollowUpdate::failed(
          state, codes::kRemoteFailed,
          fmt::format("{} was cancelled{}{}", what, msg.empty() ? "" : ": ", msg));
      u.remote_cancelled = true;
      return finish(u, uri, io);
    }
    return FollowUpdate::running(state.empty() ? "(no state)" : state, false);
  }

  void describe(Json& ar) const override {
    ar["batch_id"] = batch_id();
    if (!batch_name_.empty()) ar["batch"] = batch_name_;
    if (!batch_uuid_.empty()) ar["batch_uuid"] = batch_uuid_;
    ar["operation"] = target_.handle_text;
    if (std::string url = console_url(); !url.empty()) ar["console_url"] = url;
  }

  // projects/P/locations/R/batches/ID -> the Cloud Console page of the batch.
  std::string console_url() const override {
    auto parts = split(batch_name_, '/');
    if (parts.size() != 6 || parts[0] != "projects" || parts[2] != "locations") return {};
    return fmt::format("https://console.cloud.google.com/dataproc/batches/{}/{}?project={}",
                       parts[3], parts[5], parts[1]);
  }

  std::string noun() const override { return "batch"; }

 private:
  void read_names(const Json& batch) {
    if (std::string n = text_at(batch, "/name"); !n.empty()) batch_name_ = n;
    if (std::string u = text_at(batch, "/uuid"); !u.empty()) batch_uuid_ = u;
  }

  std::string batch_id() const {
    if (!batch_name_.empty()) return batch_name_.substr(batch_name_.rfind('/') + 1);
    auto slash = target_.status_url.rfind('/');
    return slash == std::string::npos ? target_.status_url : target_.status_url.substr(slash + 1);
  }

  std::chrono::steady_clock::time_point started_{};
  std::string batch_name_;
  std::string batch_uuid_;
};

}  // namespace

std::unique_ptr<Follower> make_batch_follower() {
  return std::make_unique<BatchFollower>();
}

}  // namespace dbtpy::submitters::dataproc
