#include "submitters/databricks/cluster_follower.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <set>

#include "submitters/failure_codes.h"
#include "submitters/http/url.h"

namespace dbtpy::submitters::databricks {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

class ClusterFollower final : public Follower {
 public:
  FollowUpdate on_submit(const http::HttpResponse& /*response*/, const Json& body,
                         FollowIo& io) override {
    started_ = io.clock().steady_now();
    return read_cluster(body, io);
  }

  FollowUpdate poll(FollowIo& io) override {
    if (start_due_) {
      start_due_ = false;
      ++starts_;
      const std::string url = url_prefix(target_.status_url, "/clusters/get") + "/clusters/start";
      http::HttpResponse r = io.post("start", url, Json{{"cluster_id", target_.handle_text}},
                                     http::Idempotency::kNonIdempotent);
      if (!r.ok()) {
        // Another model (or a person) started it first: INVALID_STATE "... is in unexpected
        // state Pending". Anything else is a real refusal.
        if (r.body.find("INVALID_STATE") == std::string::npos) throw_status(r, "POST", url);
        spdlog::info("cluster {} is already starting", target_.handle_text);
      }
      return FollowUpdate::running("PENDING");
    }
    if (libraries_due_) {
      libraries_due_ = false;
      const std::string url =
          url_prefix(target_.status_url, "/api/") +
          "/api/2.0/libraries/cluster-status?cluster_id=" + http::url_encode(target_.handle_text);
      return read_libraries(json_of(io.get(url), "GET", url));
    }
    return read_cluster(json_of(io.get(target_.status_url), "GET", target_.status_url), io);
  }

  void describe(Json& ar) const override { ar["cluster_id"] = target_.handle_text; }
  std::string noun() const override { return "cluster"; }

 private:
  FollowUpdate read_cluster(const Json& body, FollowIo& io) {
    const std::string state = text_at(body, "/state");
    const std::string message = text_at(body, "/state_message");
    const auto waited = duration_cast<milliseconds>(io.clock().steady_now() - started_);
    if (waited > io.limits().cluster_ready) {
      return FollowUpdate::failed(
          state, codes::kClusterNotReady,
          fmt::format("cluster {} was not ready after {} s (state {}{}{})", target_.handle_text,
                      waited.count() / 1000, state.empty() ? "unknown" : state,
                      message.empty() ? "" : ": ", message));
    }
    if (state == "RUNNING" || state == "RESIZING") {
      libraries_due_ = true;  // a running cluster takes commands while it resizes
      return FollowUpdate::more(state);
    }
    if (state == "TERMINATED") {
      if (starts_ >= 2) {
        return FollowUpdate::failed(
            state, codes::kClusterNotReady,
            fmt::format("cluster {} terminated again after being started{}{}", target_.handle_text,
                        message.empty() ? "" : ": ", message));
      }
      start_due_ = true;
      return FollowUpdate::more(state);
    }
    if (state == "PENDING" || state == "RESTARTING" || state == "TERMINATING")
      return FollowUpdate::running(state);
    if (state == "ERROR") {
      return FollowUpdate::failed(
          state, codes::kClusterNotReady,
          fmt::format("cluster {} is in state ERROR{}{}", target_.handle_text,
                      message.empty() ? "" : ": ", message));
    }
    return FollowUpdate::running(state.empty() ? "(no state)" : state, false);
  }

  FollowUpdate read_libraries(const Json& body) {
    static const std::set<std::string> kReady = {"INSTALLED", "SKIPPED", "RESTORED",
                                                 "UNINSTALL_ON_RESTART"};
    const Json* statuses = at_pointer(body, "/library_statuses");
    if (!statuses || !statuses->is_array()) return FollowUpdate::succeeded("RUNNING");
    std::vector<std::string> waiting;
    for (const auto& s : *statuses) {
      std::string status = text_at(s, "/status");
      std::string lib = s.contains("library") ? s["library"].dump() : "a library";
      if (status == "FAILED") {
        std::string why;
        if (const Json* m = at_pointer(s, "/messages"); m && m->is_array() && !m->empty())
          why = ": " + (m->front().is_string() ? m->front().get<std::string>() : m->dump());
        return FollowUpdate::failed("LIBRARY_FAILED", codes::kClusterNotReady,
                                    fmt::format("library {} failed to install on cluster {}{}", lib,
                                                target_.handle_text, why));
      }
      if (!kReady.count(status)) waiting.push_back(lib + " " + status);
    }
    if (waiting.empty()) return FollowUpdate::succeeded("RUNNING");
    return FollowUpdate::running("INSTALLING_LIBRARIES");
  }

  std::chrono::steady_clock::time_point started_{};
  bool start_due_ = false;
  bool libraries_due_ = false;
  int starts_ = 0;
};

}  // namespace

std::unique_ptr<Follower> make_cluster_follower() {
  return std::make_unique<ClusterFollower>();
}

}  // namespace dbtpy::submitters::databricks
