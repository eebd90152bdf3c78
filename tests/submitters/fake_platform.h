#pragma once
// Test doubles for the submitter tests: a scripted platform (an HttpClient that answers by
// method and URL path from per-route scripts and records every request), an observer that
// records what the run ledger would, and a driver loop that plays the engine's part with a
// fake clock. Not thread-safe beyond what the tests need (one thread).
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "submitters/execution.h"
#include "submitters/http/http_client.h"
#include "submitters/http/url.h"
#include "tests/support/fakes.h"

namespace dbtpy::submitters::testing {

using Answer = std::variant<http::HttpResponse, http::TransportError>;
using Handler = std::function<Answer(const http::HttpRequest&)>;

inline http::HttpResponse json_reply(int status, const Json& body,
                                     std::vector<http::Header> headers = {}) {
  http::HttpResponse r;
  r.status = status;
  r.body = body.is_null() ? "" : body.dump();
  r.headers = std::move(headers);
  return r;
}

inline http::HttpResponse text_reply(int status, std::string body) {
  http::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

inline http::TransportError dropped() {
  return http::TransportError(http::TransportFailure::kConnectionLost, http::SentState::kMaybeSent,
                              "connection reset by peer");
}

// Answers requests from routes: "METHOD /path" (the URL's path, exact) -> a queue of answers
// (the last one repeats) or a handler. Unknown routes answer 404 and are recorded as such.
class FakePlatform final : public http::HttpClient {
 public:
  void on(const std::string& route, std::vector<Answer> answers) {
    std::lock_guard lock(mu_);
    queues_[route] = std::deque<Answer>(answers.begin(), answers.end());
  }
  void on(const std::string& route, Handler handler) {
    std::lock_guard lock(mu_);
    handlers_[route] = std::move(handler);
  }
  // For routes whose path holds ids: "METHOD /path/prefix" matched when no exact route is.
  void on_prefix(const std::string& route_prefix, Handler handler) {
    std::lock_guard lock(mu_);
    prefixes_.emplace_back(route_prefix, std::move(handler));
  }

  http::HttpResponse send(const http::HttpRequest& request) override {
    Answer a = answer(request);
    if (auto* r = std::get_if<http::HttpResponse>(&a)) return *r;
    throw std::get<http::TransportError>(a);
  }

  std::vector<http::HttpRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }
  // Requests whose route starts with `prefix`.
  std::vector<http::HttpRequest> sent_prefix(const std::string& prefix) const {
    std::lock_guard lock(mu_);
    std::vector<http::HttpRequest> out;
    for (const auto& r : requests_)
      if (route_of(r).rfind(prefix, 0) == 0) out.push_back(r);
    return out;
  }
  // Requests whose route ("METHOD /path") equals `route`.
  std::vector<http::HttpRequest> sent(const std::string& route) const {
    std::lock_guard lock(mu_);
    std::vector<http::HttpRequest> out;
    for (const auto& r : requests_)
      if (route_of(r) == route) out.push_back(r);
    return out;
  }
  std::vector<std::string> routes() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& r : requests_)
      out.push_back(route_of(r));
    return out;
  }
  std::vector<std::string> unknown() const {
    std::lock_guard lock(mu_);
    return unknown_;
  }

  static std::string route_of(const http::HttpRequest& r) {
    auto p = http::parse_url(r.url);
    return r.method + " " + (p ? p->path : r.url);
  }

 private:
  Answer answer(const http::HttpRequest& request) {
    std::unique_lock lock(mu_);
    requests_.push_back(request);
    const std::string route = route_of(request);
    if (auto h = handlers_.find(route); h != handlers_.end()) {
      Handler handler = h->second;
      lock.unlock();
      return handler(request);
    }
    auto q = queues_.find(route);
    if (q == queues_.end()) {
      for (const auto& [prefix, handler] : prefixes_) {
        if (route.rfind(prefix, 0) == 0) {
          Handler h = handler;
          lock.unlock();
          return h(request);
        }
      }
    }
    if (q == queues_.end() || q->second.empty()) {
      unknown_.push_back(route);
      return json_reply(404, Json{{"error_code", "ENDPOINT_NOT_FOUND"}, {"message", route}});
    }
    Answer a = q->second.front();
    if (q->second.size() > 1) q->second.pop_front();
    return a;
  }

  mutable std::mutex mu_;
  std::map<std::string, std::deque<Answer>> queues_;
  std::map<std::string, Handler> handlers_;
  std::vector<std::pair<std::string, Handler>> prefixes_;
  std::vector<http::HttpRequest> requests_;
  std::vector<std::string> unknown_;
};

// Records the observer calls as lines ("send create_context", "handle run 42", "state
// RUNNING", "armed drop_procedure", "cleaned drop_procedure") plus the data.
class RecordingObserver : public ExecutionObserver {
 public:
  void before_send(std::string_view step, const Json& summary) override {
    events.push_back("send " + std::string(step));
    summaries.push_back(summary);
  }
  void handle_created(const RemoteHandle& handle) override {
    events.push_back("handle " + handle.kind + " " + handle.id);
    handles.push_back(handle);
  }
  void remote_state(std::string_view step, std::string_view state,
                    std::string_view /*message*/) override {
    events.push_back("state " + std::string(step) + " " + std::string(state));
  }
  void cleanup(std::string_view step, const Json& request, bool done) override {
    events.push_back((done ? "cleaned " : "armed ") + std::string(step));
    cleanup_requests.push_back(request);
  }

  bool has(const std::string& event) const {
    for (const auto& e : events)
      if (e == event) return true;
    return false;
  }
  // Index of the first event equal to `event`, or -1.
  int index(const std::string& event) const {
    for (size_t i = 0; i < events.size(); ++i)
      if (events[i] == event) return static_cast<int>(i);
    return -1;
  }
  std::string dump() const {
    std::string out;
    for (const auto& e : events)
      out += e + "\n";
    return out;
  }

  std::vector<std::string> events;
  std::vector<Json> summaries;
  std::vector<RemoteHandle> handles;
  std::vector<Json> cleanup_requests;
};

struct DriveOptions {
  size_t max_advances = 2'000;
  std::chrono::milliseconds poll_delay{500};  // the engine's polling delay
  // Cancels after this many advances (0 = never).
  size_t cancel_after = 0;
  CancelReason cancel_reason = CancelReason::kUser;
  // When set, asserts each advance made at most this many requests.
  const FakePlatform* one_exchange = nullptr;
};

// Plays the engine: advance until done, moving the fake clock for kPoll.
inline const Outcome& drive(Execution& e, dbtpy::testing::FakeClock& clock,
                            const DriveOptions& o = {}) {
  for (size_t i = 0; i < o.max_advances; ++i) {
    if (o.cancel_after && i == o.cancel_after) e.cancel(o.cancel_reason);
    const size_t before = o.one_exchange ? o.one_exchange->count() : 0;
    Next n = e.advance();
    if (o.one_exchange) {
      EXPECT_LE(o.one_exchange->count() - before, 1u)
          << "advance " << i << " made several exchanges";
    }
    if (n.kind == Next::Kind::kDone) return e.outcome();
    if (n.kind == Next::Kind::kPoll) clock.advance(std::max(n.not_before, o.poll_delay));
  }
  ADD_FAILURE() << "the execution did not finish in " << o.max_advances << " advances";
  return e.outcome();
}

inline std::string status_name(FinalStatus s) {
  switch (s) {
    case FinalStatus::kSucceeded:
      return "succeeded";
    case FinalStatus::kFailed:
      return "failed";
    case FinalStatus::kCancelled:
      return "cancelled";
    case FinalStatus::kTimedOut:
      return "timed out";
  }
  return "?";
}

}  // namespace dbtpy::submitters::testing
