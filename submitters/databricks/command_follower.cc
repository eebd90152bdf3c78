#include "submitters/databricks/command_follower.h"

#include <fmt/format.h>

#include "submitters/failure_codes.h"
#include "submitters/http/url.h"
#include "submitters/traceback.h"
#include "util/strings.h"

namespace dbtpy::submitters::databricks {
namespace {

class CommandFollower final : public Follower {
 public:
  FollowUpdate poll(FollowIo& io) override {
    const Json body = json_of(io.get(target_.status_url), "GET", target_.status_url);
    const std::string status = text_at(body, "/status");
    if (status == "Queued" || status == "Running" || status == "Cancelling")
      return FollowUpdate::running(status);
    const std::string what =
        fmt::format("command {} on cluster {}", target_.handle_text,
                    http::query_param(target_.status_url, "clusterId").value_or("?"));
    const std::string type = text_at(body, "/results/resultType");
    const std::string cause = text_at(body, "/results/cause");
    const std::string summary =
        std::string(trim(strip_ansi(strip_html(text_at(body, "/results/summary")))));
    if (status == "Finished") {
      if (type != "error") {
        if (type == "text") output_ = text_at(body, "/results/data");
        return FollowUpdate::succeeded(status);
      }
      // Finished with an error result: the Python code raised.
      return FollowUpdate::failed(
          "Finished/error",
          cause.find("Traceback") != std::string::npos ? codes::kPythonError : codes::kRemoteFailed,
          fmt::format("{} finished with an error{}{}", what, summary.empty() ? "" : ": ",
                      first_line(summary)),
          cause.empty() ? summary : cause);
    }
    if (status == "Error") {
      std::string detail = !cause.empty() ? cause : text_at(body, "/results/data");
      return FollowUpdate::failed(
          status,
          detail.find("Traceback") != std::string::npos ? codes::kPythonError
                                                        : codes::kRemoteFailed,
          fmt::format("{} ended in state Error{}{}", what, detail.empty() ? "" : ": ",
                      first_line(strip_ansi(detail))),
          detail.find("Traceback") != std::string::npos ? detail : "");
    }
    if (status == "Cancelled") {
      auto u = FollowUpdate::failed(status, codes::kRemoteFailed,
                                    what + " was cancelled on the cluster");
      u.remote_cancelled = true;
      return u;
    }
    return FollowUpdate::running(status.empty() ? "(no status)" : status, false);
  }

  void describe(Json& ar) const override {
    ar["command_id"] = target_.handle_text;
    ar["query_id"] = target_.handle_text;
    if (auto c = http::query_param(target_.status_url, "contextId")) ar["context_id"] = *c;
    if (auto c = http::query_param(target_.status_url, "clusterId")) ar["cluster_id"] = *c;
  }
  std::string remote_output() const override { return output_; }
  std::string noun() const override { return "command"; }

 private:
  static std::string first_line(std::string_view text) {
    text = trim(text);
    auto nl = text.find('\n');
    return std::string(nl == std::string_view::npos ? text : text.substr(0, nl));
  }

  std::string output_;
};

}  // namespace

std::unique_ptr<Follower> make_command_follower() {
  return std::make_unique<CommandFollower>();
}

}  // namespace dbtpy::submitters::databricks
