#include "submitters/databricks/context_follower.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "submitters/http/url.h"

namespace dbtpy::submitters::databricks {
namespace {

class ContextFollower final : public Follower {
 public:
  FollowUpdate poll(FollowIo& io) override {
    if (destroy_due_) {
      destroy_due_ = false;
      const std::string url =
          url_prefix(target_.status_url, "/contexts/status") + "/contexts/destroy";
      const std::string cluster = http::query_param(target_.status_url, "clusterId").value_or("");
      try {
        http::HttpResponse r =
            io.post("destroy_failed_context", url,
                    Json{{"clusterId", cluster}, {"contextId", target_.handle_text}},
                    http::Idempotency::kIdempotent);
        if (!r.ok())
          spdlog::warn("could not destroy the failed execution context {}: HTTP {}",
                       target_.handle_text, r.status);
      } catch (const std::exception& e) {
        spdlog::warn("could not destroy the failed execution context {}: {}", target_.handle_text,
                     e.what());
      }
      FollowUpdate u;
      u.kind = FollowUpdate::Kind::kRestart;
      u.state = "Error";
      u.message = error_;
      return u;
    }
    const Json body = json_of(io.get(target_.status_url), "GET", target_.status_url);
    const std::string status = text_at(body, "/status");
    if (status == "Running") return FollowUpdate::succeeded(status);
    if (status == "Pending") return FollowUpdate::running(status);
    if (status == "Error") {
      error_ =
          fmt::format("execution context {} on cluster {} failed to start{}", target_.handle_text,
                      http::query_param(target_.status_url, "clusterId").value_or("?"),
                      body.contains("error") ? ": " + text_at(body, "/error") : "");
      destroy_due_ = true;
      return FollowUpdate::more(status);
    }
    return FollowUpdate::running(status.empty() ? "(no status)" : status, false);
  }

  void describe(Json& ar) const override { ar["context_id"] = target_.handle_text; }
  std::string noun() const override { return "execution context"; }

 private:
  bool destroy_due_ = false;
  std::string error_;
};

}  // namespace

std::unique_ptr<Follower> make_context_follower() {
  return std::make_unique<ContextFollower>();
}

}  // namespace dbtpy::submitters::databricks
