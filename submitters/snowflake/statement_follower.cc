#include "submitters/snowflake/statement_follower.h"

#include <fmt/format.h>

#include "submitters/failure_codes.h"
#include "submitters/http/url.h"
#include "util/strings.h"

namespace dbtpy::submitters::snowflake {
namespace {

// Snowflake appends " in function <NAME> with handler <h>" to a Python error's last line.
std::string without_handler_suffix(std::string text) {
  auto at = text.rfind(" in function ");
  if (at != std::string::npos && text.find(" with handler ", at) != std::string::npos &&
      text.find('\n', at) == std::string::npos) {
    text.erase(at);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

class StatementFollower final : public Follower {
 public:
  void prepare_submit(http::HttpRequest& request) const override {
    auto url = http::parse_url(request.url);
    if (to_upper(request.method) != "POST" || !url || !url->path.ends_with("/api/v2/statements"))
      return;
    if (!http::query_param(request.url, "async"))
      request.url = http::with_query_param(request.url, "async", "true");
  }

  bool reads_submit_status(int status) const override { return status == 422 || status == 408; }

  FollowUpdate on_submit(const http::HttpResponse& response, const Json& body,
                         FollowIo& /*io*/) override {
    return read(response.status, body);
  }

  FollowUpdate poll(FollowIo& io) override {
    http::HttpResponse r = io.get(target_.status_url);
    if (r.status == 202 || r.status == 200 || r.status == 422 || r.status == 408) {
      Json body = Json::parse(r.body, nullptr, false);
      if (body.is_discarded()) body = json_of(r, "GET", target_.status_url);  // throws DBTPY416
      return read(r.status, body);
    }
    http::HttpRequest req;
    req.method = "GET";
    req.url = target_.status_url;
    throw http::status_error(req, r);
  }

  void describe(Json& ar) const override {
    ar["query_id"] = target_.handle_text;
    if (succeeded_) {
      ar["code"] = "SUCCESS";
      ar["rows_affected"] = rows_;
      ar["_message"] = fmt::format("SUCCESS {}", rows_);
    } else if (!error_code_.empty()) {
      ar["code"] = error_code_;
      if (!sql_state_.empty()) ar["sql_state"] = sql_state_;
    }
  }

  std::string remote_output() const override { return return_value_; }
  std::string noun() const override { return "statement"; }

 private:
  FollowUpdate read(int status, const Json& body) {
    if (status == 202) return FollowUpdate::running("RUNNING");
    if (status == 200) {
      succeeded_ = true;
      if (const Json* rows = at_pointer(body, "/resultSetMetaData/numRows");
          rows && rows->is_number_integer()) {
        rows_ = rows->get<long long>();
      }
      if (const Json* cell = at_pointer(body, "/data/0/0"); cell && !cell->is_null()) {
        return_value_ = cell->is_string() ? cell->get<std::string>() : cell->dump();
      }
      return FollowUpdate::succeeded("SUCCESS");
    }
    error_code_ = text_at(body, "/code");
    sql_state_ = text_at(body, "/sqlState");
    std::string message = text_at(body, "/message");
    std::string head = fmt::format("Snowflake error {}", error_code_.empty() ? "?" : error_code_);
    if (!sql_state_.empty()) head += fmt::format(" (SQL state {})", sql_state_);
    const std::string what = fmt::format("statement {}", target_.handle_text);
    if (error_code_ == "000604") {
      auto u = FollowUpdate::failed(
          "CANCELLED", codes::kRemoteFailed,
          fmt::format("{} was cancelled on Snowflake ({}: {})", what, head, message));
      u.remote_cancelled = true;
      return u;
    }
    if (error_code_ == "000630" || status == 408) {
      return FollowUpdate::failed(
          "TIMED_OUT", codes::kRemoteFailed,
          fmt::format("{} reached its Snowflake statement timeout ({}: {})", what, head, message));
    }
    auto tb = message.find("Traceback (most recent call last)");
    if (tb != std::string::npos) {
      std::string intro = std::string(trim(message.substr(0, tb)));
      if (!intro.empty() && intro.back() == ':') intro.pop_back();
      return FollowUpdate::failed(
          "FAILED", codes::kPythonError,
          fmt::format("{} failed: {}: {}", what, head, intro.empty() ? "Python error" : intro),
          without_handler_suffix(message.substr(tb)));
    }
    return FollowUpdate::failed("FAILED", codes::kRemoteFailed,
                                fmt::format("{} failed: {}: {}", what, head, message));
  }

  bool succeeded_ = false;
  long long rows_ = 0;
  std::string return_value_;
  std::string error_code_;
  std::string sql_state_;
};

}  // namespace

std::unique_ptr<Follower> make_statement_follower() {
  return std::make_unique<StatementFollower>();
}

}  // namespace dbtpy::submitters::snowflake
