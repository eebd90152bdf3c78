// The generic executor on small hand-made payloads: the order of steps, run_if, captures and
// checks, cleanups on every path (and only when armed and formable), missing fields reported
// with the redacted answer, unknown states and failing status calls waited on with a bound,
// cancel before the start and unconfirmed cancels, and the observer's view for the ledger.
#include <gtest/gtest.h>

#include "codegen/placeholders.h"
#include "submitters/execution.h"
#include "tests/submitters/fake_platform.h"

namespace dbtpy::submitters {
namespace {

using dbtpy::testing::FakeClock;
using namespace submitters::testing;

constexpr const char* kHost = "https://dbc.example.com";

codegen::RequestStep post(std::string name, std::string path, Json body) {
  codegen::RequestStep s;
  s.name = std::move(name);
  s.method = "POST";
  s.url = std::string(kHost) + path;
  s.headers = {{"Accept", "application/json"}};
  s.credential = codegen::Credential::kDatabricks;
  s.json_body = std::move(body);
  s.idempotency = {"natural", ""};
  return s;
}

// upload (arms delete) -> submit (followed run) -> delete (cleanup).
codegen::Payload run_payload() {
  codegen::Payload p;
  p.unique_id = "model.p.m";
  p.platform = "databricks";
  p.files = {{"notebook.py", "# notebook\n", "text/x-python"}};
  p.steps.push_back(
      post("upload", "/api/2.0/workspace/import",
           Json{{"path", "/nb-${RUN_ID}"}, {"content", "${FILE_BASE64:notebook.py}"}}));
  codegen::RequestStep submit =
      post("submit", "/api/2.1/jobs/runs/submit", Json{{"idempotency_token", "${REQUEST_ID}"}});
  submit.idempotency = {"body:/idempotency_token", "${REQUEST_ID}"};
  submit.follow.kind = "databricks_run";
  submit.follow.handle = "/run_id";
  submit.follow.status_url = std::string(kHost) + "/api/2.1/jobs/runs/get?run_id=${HANDLE}";
  submit.follow.cancel_url = std::string(kHost) + "/api/2.1/jobs/runs/cancel";
  submit.follow.cancel_body = Json{{"run_id", "${HANDLE}"}};
  p.steps.push_back(submit);
  codegen::RequestStep del =
      post("delete", "/api/2.0/workspace/delete", Json{{"path", "/nb-${RUN_ID}"}});
  del.cleanup = true;
  del.armed_by = "upload";
  p.steps.push_back(del);
  return p;
}

Json run_state(const std::string& lcs, const std::string& rs = "") {
  Json state = {{"life_cycle_state", lcs}};
  if (!rs.empty()) state["result_state"] = rs;
  return Json{{"run_id", 9}, {"state", state}};
}

struct Rig {
  FakeClock clock;
  FakePlatform db;
  RecordingObserver observer;
  std::shared_ptr<Redactor> redactor = std::make_shared<Redactor>();
  ExecutionOptions options() {
    ExecutionOptions o;
    o.run_id = "run-1";
    o.clock = &clock;
    o.redactor = redactor;
    return o;
  }
  Clients clients() { return Clients{nullptr, &db, nullptr}; }
  void basics() {
    db.on("POST /api/2.0/workspace/import", {json_reply(200, Json::object())});
    db.on("POST /api/2.0/workspace/delete", {json_reply(200, Json::object())});
    db.on("POST /api/2.1/jobs/runs/submit", {json_reply(200, Json{{"run_id", 9}})});
    db.on("POST /api/2.1/jobs/runs/cancel", {json_reply(200, Json::object())});
  }
};

TEST(Executor, StepsInOrderThenCleanupAndTheLedgerHearsEverythingFirst) {
  Rig rig;
  rig.basics();
  rig.db.on("GET /api/2.1/jobs/runs/get", {json_reply(200, run_state("PENDING")),
                                           json_reply(200, run_state("TERMINATED", "SUCCESS"))});
  auto p = run_payload();
  auto e = make_execution(p, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock, {.one_exchange = &rig.db});
  ASSERT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
  EXPECT_EQ(rig.db.routes(), (std::vector<std::string>{
                                 "POST /api/2.0/workspace/import", "POST /api/2.1/jobs/runs/submit",
                                 "GET /api/2.1/jobs/runs/get", "GET /api/2.1/jobs/runs/get",
                                 "POST /api/2.0/workspace/delete"}));
  EXPECT_EQ(rig.observer.events,
            (std::vector<std::string>{"armed delete", "send upload", "send submit",
                                      "handle databricks_run 9", "state submit SUBMITTED",
                                      "state submit PENDING", "state submit TERMINATED/SUCCESS",
                                      "send delete", "cleaned delete"}));
  // The armed cleanup is the exact request that is sent later.
  EXPECT_EQ(rig.observer.cleanup_requests[0]["url"],
            std::string(kHost) + "/api/2.0/workspace/delete");
  EXPECT_EQ(rig.observer.cleanup_requests[0]["body"]["path"], "/nb-run-1");
  EXPECT_EQ(rig.observer.cleanup_requests[0]["credential"], "databricks");
  // The submit's summary carries its idempotency key.
  EXPECT_EQ(rig.observer.summaries[1]["idempotency_key"],
            codegen::request_id("run-1", "model.p.m", "submit"));
  EXPECT_EQ(rig.observer.handles[0].detail["status_url"],
            std::string(kHost) + "/api/2.1/jobs/runs/get?run_id=9");
}

TEST(Executor, CancelBeforeTheFirstAdvanceSendsNothing) {
  Rig rig;
  rig.basics();
  auto p = run_payload();
  auto e = make_execution(p, rig.options(), rig.clients(), rig.observer);
  e->cancel(CancelReason::kSignal);
  const Outcome& o = drive(*e, rig.clock);
  EXPECT_EQ(o.status, FinalStatus::kCancelled);
  EXPECT_EQ(rig.db.count(), 0u);
  EXPECT_TRUE(rig.observer.events.empty());
}

TEST(Executor, CleanupRunsAfterATransportFailureMidSequence) {
  Rig rig;
  rig.basics();
  rig.db.on("POST /api/2.1/jobs/runs/submit",
            {Answer(http::TransportError(http::TransportFailure::kConnect,
                                         http::SentState::kNotSent, "connection refused"))});
  auto p = run_payload();
  auto e = make_execution(p, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  EXPECT_EQ(o.status, FinalStatus::kFailed);
  EXPECT_EQ(o.code, "DBTPY500");
  EXPECT_NE(o.message.find("step submit"), std::string::npos) << o.message;
  EXPECT_EQ(rig.db.sent("POST /api/2.0/workspace/delete").size(), 1u);
}

TEST(Executor, CleanupIsNotSentWhenItsArmingStepWasNeverSent) {
  Rig rig;
  rig.basics();
  rig.db.on(
      "POST /api/2.0/workspace/import",
      {json_reply(400, Json{{"error_code", "INVALID_PARAMETER_VALUE"}, {"message", "bad path"}})});
  auto p = run_payload();
  p.steps[2].armed_by = "submit";  // armed by a step the failure prevents
  auto e = make_execution(p, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  EXPECT_EQ(o.status, FinalStatus::kFailed);
  EXPECT_NE(o.message.find("INVALID_PARAMETER_VALUE: bad path"), std::string::npos) << o.message;
  EXPECT_EQ(rig.db.sent("POST /api/2.0/workspace/delete").size(), 0u);
}

TEST(Executor, CleanupThatNeedsAValueTheArmedStepNeverBroughtIsSkipped) {
  Rig rig;
  rig.basics();
  auto p = run_payload();
  p.steps[0].captures = {{"NB_ID", "/object_id", false}};
  p.steps[2].json_body = Json{{"id", "${NB_ID}"}};
  auto e = make_execution(p, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  EXPECT_EQ(o.status, FinalStatus::kFailed);
  EXPECT_EQ(o.code, "DBTPY502");
  EXPECT_EQ(rig.db.sent("POST /api/2.0/workspace/delete").size(), 0u);
  EXPECT_FALSE(rig.observer.has("armed delete"));
}

TEST(Executor, MissingFieldQuotesTheAnswerRedacted) {
  Rig rig;
  rig.basics();
  rig.redactor->add_secret("dapi-secret-token-123");
  rig.db.on("POST /api/2.1/jobs/runs/submit",
            {json_reply(200, Json{{"note", "echo dapi-secret-token-123"}})});
  auto p = run_payload();
  auto e = make_execution(p, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  EXPECT_EQ(o.code, "DBTPY502");
  EXPECT_NE(o.message.find("has no /run_id"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("echo <redacted>"), std::string::npos) << o.message;
  EXPECT_EQ(o.message.find("dapi-secret"), std::string::npos);
  EXPECT_EQ(rig.db.sent("POST /api/2.0/workspace/delete").size(), 1u);
}

TEST(Executor, RunIfCapturesAndChecks) {
  Rig rig;
  rig.basics();
  codegen::Payload p;
  p.unique_id = "model.p.m";
  codegen::RequestStep find;
  find.name = "find";
  find.method = "GET";
  find.url = std::string(kHost) + "/api/2.1/jobs/list";
  find.credential = codegen::Credential::kDatabricks;
  find.captures = {{"JOB_ID", "/jobs/0/job_id", true}};
  find.checks = {{"/jobs/1", false, "two jobs"}};
  p.steps.push_back(find);
  codegen::RequestStep reset = post("reset", "/api/2.1/jobs/reset", Json{{"job_id", "${JOB_ID}"}});
  reset.run_if = codegen::Condition{"JOB_ID", true};
  p.steps.push_back(reset);
  codegen::RequestStep create = post("create", "/api/2.1/jobs/create", Json{{"name", "j"}});
  create.run_if = codegen::Condition{"JOB_ID", false};
  create.captures = {{"JOB_ID", "/job_id", false}};
  p.steps.push_back(create);
  p.steps.push_back(post("run", "/api/2.1/jobs/run-now", Json{{"job_id", "${JOB_ID}"}}));
  rig.db.on("GET /api/2.1/jobs/list",
            {json_reply(200, Json{{"jobs", Json::array({{{"job_id", 3}}})}})});
  rig.db.on("POST /api/2.1/jobs/reset", {json_reply(200, Json::object())});
  rig.db.on("POST /api/2.1/jobs/run-now", {json_reply(200, Json{{"run_id", 1}})});
  auto e = make_execution(p, rig.options(), rig.clients(), rig.observer);
  ASSERT_EQ(drive(*e, rig.clock).status, FinalStatus::kSucceeded);
  EXPECT_EQ(rig.db.routes(),
            (std::vector<std::string>{"GET /api/2.1/jobs/list", "POST /api/2.1/jobs/reset",
                                      "POST /api/2.1/jobs/run-now"}));
  EXPECT_EQ(Json::parse(rig.db.sent("POST /api/2.1/jobs/run-now")[0].body)["job_id"], 3);
}

TEST(Executor, UnknownStateIsWaitedOnWithABoundThenCancelled) {
  Rig rig;
  rig.basics();
  rig.db.on("GET /api/2.1/jobs/runs/get", {json_reply(200, run_state("HOVERING"))});
  auto p = run_payload();
  auto opts = rig.options();
  opts.limits.unknown_state = std::chrono::seconds(30);
  opts.limits.cancel_confirm = std::chrono::seconds(10);
  auto e = make_execution(p, opts, rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock, {.poll_delay = std::chrono::seconds(1)});
  EXPECT_EQ(o.status, FinalStatus::kFailed);
  EXPECT_EQ(o.code, "DBTPY507");
  EXPECT_NE(o.message.find("unknown state 'HOVERING'"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("had not confirmed the cancel"), std::string::npos) << o.message;
  EXPECT_EQ(rig.db.sent("POST /api/2.1/jobs/runs/cancel").size(), 1u);
  EXPECT_EQ(rig.db.sent("POST /api/2.0/workspace/delete").size(), 1u);
  // Waited about the bound, not forever and not at once.
  EXPECT_GE(rig.db.sent("GET /api/2.1/jobs/runs/get").size(), 30u);
  EXPECT_LE(rig.db.sent("GET /api/2.1/jobs/runs/get").size(), 50u);
}

TEST(Executor, FailingStatusCallsAreToleratedForABound) {
  {  // a passing outage: the model succeeds
    Rig rig;
    rig.basics();
    rig.db.on("GET /api/2.1/jobs/runs/get",
              {json_reply(503, Json::object()), json_reply(503, Json::object()),
               json_reply(200, run_state("TERMINATED", "SUCCESS"))});
    auto p = run_payload();
    auto e = make_execution(p, rig.options(), rig.clients(), rig.observer);
    EXPECT_EQ(drive(*e, rig.clock).status, FinalStatus::kSucceeded);
  }
  {  // a lasting one: dbtpy says it lost track and cancels
    Rig rig;
    rig.basics();
    rig.db.on("GET /api/2.1/jobs/runs/get", {json_reply(503, Json::object())});
    auto p = run_payload();
    auto opts = rig.options();
    opts.limits.status_failures = std::chrono::seconds(60);
    auto e = make_execution(p, opts, rig.clients(), rig.observer);
    const Outcome& o = drive(*e, rig.clock);
    EXPECT_EQ(o.status, FinalStatus::kFailed);
    EXPECT_EQ(o.code, "DBTPY508");
    EXPECT_EQ(rig.db.sent("POST /api/2.1/jobs/runs/cancel").size(), 1u);
  }
  {  // a refusal is not waited on
    Rig rig;
    rig.basics();
    rig.db.on("GET /api/2.1/jobs/runs/get",
              {json_reply(403, Json{{"error_code", "PERMISSION_DENIED"}, {"message", "no"}})});
    auto p = run_payload();
    auto e = make_execution(p, rig.options(), rig.clients(), rig.observer);
    const Outcome& o = drive(*e, rig.clock);
    EXPECT_EQ(o.code, "DBTPY500");
    EXPECT_NE(o.message.find("could not follow run 9"), std::string::npos) << o.message;
    EXPECT_LE(rig.db.sent("GET /api/2.1/jobs/runs/get").size(), 2u);
  }
}

TEST(Executor, TimeoutWhoseCancelIsNeverConfirmedSaysWhatMayStillRun) {
  Rig rig;
  rig.basics();
  rig.db.on("GET /api/2.1/jobs/runs/get", {json_reply(200, run_state("RUNNING"))});
  auto p = run_payload();
  auto opts = rig.options();
  opts.limits.cancel_confirm = std::chrono::seconds(20);
  auto e = make_execution(p, opts, rig.clients(), rig.observer);
  const Outcome& o =
      drive(*e, rig.clock, {.cancel_after = 4, .cancel_reason = CancelReason::kTimeout});
  EXPECT_EQ(o.status, FinalStatus::kTimedOut);
  EXPECT_EQ(o.code, "DBTPY510");
  EXPECT_NE(o.message.find("may still be running"), std::string::npos) << o.message;
  EXPECT_NE(o.hint.find("dbtpy cancel"), std::string::npos);
  EXPECT_EQ(rig.db.sent("POST /api/2.0/workspace/delete").size(), 1u);
}

TEST(Executor, FinishingBeforeTheCancelTookEffectIsASuccess) {
  Rig rig;
  rig.basics();
  rig.db.on("GET /api/2.1/jobs/runs/get", {json_reply(200, run_state("RUNNING")),
                                           json_reply(200, run_state("TERMINATED", "SUCCESS"))});
  auto p = run_payload();
  auto e = make_execution(p, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock, {.cancel_after = 3});
  EXPECT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
}

TEST(Executor, UnresolvablePlaceholderAndUnknownKindSendNothing) {
  {
    Rig rig;
    auto p = run_payload();
    p.steps[0].url += "?x=${NOPE}";
    auto e = make_execution(p, rig.options(), rig.clients(), rig.observer);
    const Outcome& o = drive(*e, rig.clock);
    EXPECT_EQ(o.code, "DBTPY504");
    EXPECT_NE(o.message.find("NOPE"), std::string::npos);
    EXPECT_EQ(rig.db.count(), 0u);
  }
  {
    Rig rig;
    rig.basics();
    auto p = run_payload();
    p.steps[1].follow.kind = "quantum_job";
    auto e = make_execution(p, rig.options(), rig.clients(), rig.observer);
    const Outcome& o = drive(*e, rig.clock);
    EXPECT_EQ(o.code, "DBTPY516");
    EXPECT_EQ(rig.db.sent("POST /api/2.1/jobs/runs/submit").size(), 0u);
    EXPECT_EQ(rig.db.sent("POST /api/2.0/workspace/delete").size(), 1u);
  }
  {
    Rig rig;
    auto p = run_payload();
    auto e = make_execution(p, rig.options(), Clients{}, rig.observer);
    const Outcome& o = drive(*e, rig.clock);
    EXPECT_EQ(o.code, "DBTPY517");
  }
}

TEST(Executor, ALedgerThatCannotRecordStopsTheModelBeforeTheSend) {
  struct FailingObserver : RecordingObserver {
    void before_send(std::string_view step, const Json& s) override {
      if (step == "submit") throw std::runtime_error("ledger: No space left on device");
      RecordingObserver::before_send(step, s);
    }
  } observer;
  Rig rig;
  rig.basics();
  auto p = run_payload();
  auto e = make_execution(p, rig.options(), rig.clients(), observer);
  const Outcome& o = drive(*e, rig.clock);
  EXPECT_EQ(o.status, FinalStatus::kFailed);
  EXPECT_NE(o.message.find("No space left"), std::string::npos);
  EXPECT_EQ(rig.db.sent("POST /api/2.1/jobs/runs/submit").size(), 0u);
  EXPECT_EQ(rig.db.sent("POST /api/2.0/workspace/delete").size(), 1u);
}

TEST(Executor, CleanupOfSomethingAlreadyGoneCountsAsDone) {
  Rig rig;
  rig.basics();
  rig.db.on("GET /api/2.1/jobs/runs/get", {json_reply(200, run_state("TERMINATED", "SUCCESS"))});
  rig.db.on(
      "POST /api/2.0/workspace/delete",
      {json_reply(404, Json{{"error_code", "RESOURCE_DOES_NOT_EXIST"}, {"message", "gone"}})});
  auto p = run_payload();
  auto e = make_execution(p, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  EXPECT_EQ(o.status, FinalStatus::kSucceeded);
  EXPECT_TRUE(o.cleanup_failures.empty());
  EXPECT_TRUE(rig.observer.has("cleaned delete"));
}

}  // namespace
}  // namespace dbtpy::submitters
