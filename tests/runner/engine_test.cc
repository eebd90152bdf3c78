// The engine against scripted Executions on virtual time: DAG order, skipping, the threads
// bound, fail-fast, timeouts, signals, polling cadence, and what happens when an Execution
// misbehaves (throws, never confirms a cancel).
#include "runner/engine.h"

#include <gtest/gtest.h>

#include <csignal>

#include "tests/runner/fake_execution.h"

namespace dbtpy::runner {
namespace {

using namespace std::chrono_literals;
using submitters::CancelReason;
using submitters::FinalStatus;
using testing::FakeJob;
using testing::FakePlatform;
using testing::model_id;
using testing::VirtualClock;

// Records the order of listener events.
class RecordingListener final : public RunListener {
 public:
  void model_started(const PlannedModel& m, int index, int total) override {
    std::lock_guard lock(mu_);
    events.push_back("start " + m.unique_id + " " + std::to_string(index) + "/" +
                     std::to_string(total));
  }
  void model_finished(const PlannedModel& m, const ModelResult& r, int) override {
    std::lock_guard lock(mu_);
    events.push_back(std::string(result_status_name(r.status)) + " " + m.unique_id);
  }
  void stopping(StopReason reason, int signal, size_t in_flight,
                std::chrono::milliseconds) override {
    std::lock_guard lock(mu_);
    events.push_back("stopping " + std::to_string(static_cast<int>(reason)) + " " +
                     std::to_string(signal) + " " + std::to_string(in_flight));
  }
  void heartbeat(const Progress& p) override {
    std::lock_guard lock(mu_);
    last = p;
    if (p.cancel_wait_left) countdown.push_back(*p.cancel_wait_left);
  }
  std::vector<std::string> events;
  Progress last;
  std::vector<std::chrono::milliseconds> countdown;

 private:
  std::mutex mu_;
};

class EngineTest : public ::testing::Test {
 protected:
  EngineOptions options(int threads) {
    EngineOptions o;
    o.threads = threads;
    o.clock = &clock_;
    return o;
  }
  RunOutcome run(const RunPlan& plan, EngineOptions o, RunListener* listener = nullptr) {
    Engine engine(o, platform_.factory(), nullptr, listener);
    return engine.run(plan);
  }
  std::chrono::milliseconds at(testing::SteadyTime t) const { return clock_.since_origin(t); }

  VirtualClock clock_;
  FakePlatform platform_{clock_};
};

TEST_F(EngineTest, RunsEveryModelAndReportsSuccess) {
  auto h = testing::make_plan(3);
  RunOutcome out = run(h.plan, options(4));
  ASSERT_EQ(out.results.size(), 3u);
  for (const auto& r : out.results) {
    EXPECT_EQ(r.status, ResultStatus::kSuccess);
    EXPECT_TRUE(r.settled);
    EXPECT_EQ(r.message, "SUCCESS");  // adapter_response._message
    EXPECT_GT(r.slot, 0);
    EXPECT_EQ(r.adapter_response["job_id"], model_id(&r - out.results.data()));
  }
  EXPECT_EQ(out.stopped, StopReason::kNone);
  EXPECT_GE(out.elapsed_seconds, 1.0);  // each fake job lasts 1 s of virtual time
}

TEST_F(EngineTest, UpstreamFinishesBeforeDownstreamStarts) {
  // 0 -> 2, 1 -> 2, 2 -> 3, 0 -> 4
  auto h = testing::make_plan(5, {{0, 2}, {1, 2}, {2, 3}, {0, 4}});
  platform_.set_job(model_id(0), {.duration = 3000ms});
  platform_.set_job(model_id(1), {.duration = 500ms});
  RunOutcome out = run(h.plan, options(8));
  for (size_t child = 0; child < h.plan.models.size(); ++child) {
    for (size_t parent : h.plan.models[child].upstream) {
      auto p = platform_.record(model_id(parent));
      auto c = platform_.record(model_id(child));
      ASSERT_TRUE(p.terminal_seen && c.submitted);
      EXPECT_LE(*p.terminal_seen, *c.submitted) << parent << " -> " << child;
    }
  }
  EXPECT_EQ(out.count(ResultStatus::kSuccess), 5u);
}

TEST_F(EngineTest, FailedModelSkipsAllItsDescendantsOnly) {
  // 0 -> 1 -> 2 ; 0 -> 3 ; 4 independent ; 1 -> 5 <- 4
  auto h = testing::make_plan(6, {{0, 1}, {1, 2}, {0, 3}, {1, 5}, {4, 5}});
  platform_.set_job(model_id(1), {.result = FinalStatus::kFailed, .message = "ValueError: boom"});
  RecordingListener listener;
  RunOutcome out = run(h.plan, options(4), &listener);
  EXPECT_EQ(out.results[0].status, ResultStatus::kSuccess);
  EXPECT_EQ(out.results[1].status, ResultStatus::kError);
  EXPECT_EQ(out.results[1].message, "ValueError: boom");
  EXPECT_EQ(out.results[2].status, ResultStatus::kSkipped);
  EXPECT_EQ(out.results[2].message, "Skipped because upstream model model.proj.m001 failed");
  EXPECT_EQ(out.results[3].status, ResultStatus::kSuccess);
  EXPECT_EQ(out.results[4].status, ResultStatus::kSuccess);
  EXPECT_EQ(out.results[5].status, ResultStatus::kSkipped);
  EXPECT_FALSE(platform_.record(model_id(2)).submitted);
  EXPECT_FALSE(platform_.record(model_id(5)).submitted);
  // Every model got an index, each index once.
  std::set<int> indices;
  for (const auto& r : out.results)
    indices.insert(r.index);
  EXPECT_EQ(indices, (std::set<int>{1, 2, 3, 4, 5, 6}));
}

TEST_F(EngineTest, NeverMoreThanThreadsInFlightAndUsesAllOfThem) {
  auto h = testing::make_plan(40);
  RunOutcome out = run(h.plan, options(7));
  EXPECT_EQ(platform_.max_running(), 7);
  EXPECT_EQ(out.count(ResultStatus::kSuccess), 40u);
  for (const auto& r : out.results) {
    EXPECT_GE(r.slot, 1);
    EXPECT_LE(r.slot, 7);
  }
}

TEST_F(EngineTest, ThousandModelsInFlightNeedOnlyTheWorkerPool) {
  auto h = testing::make_plan(1000);
  platform_.set_default({.duration = 30'000ms});
  EngineOptions o = options(1000);
  o.workers = 4;
  RunOutcome out = run(h.plan, o);
  EXPECT_EQ(platform_.max_running(), 1000);
  EXPECT_EQ(out.count(ResultStatus::kSuccess), 1000u);
  EXPECT_LE(platform_.advancing_threads().size(), 4u);
  for (size_t i = 0; i < 1000; ++i)
    ASSERT_FALSE(platform_.record(model_id(i)).concurrent_advance);
}

TEST_F(EngineTest, PollsFollowThePolicyAndNoticeTheEndQuickly) {
  auto h = testing::make_plan(1);
  platform_.set_job(model_id(0), {.duration = 2'345ms});
  EngineOptions o = options(1);
  RunOutcome out = run(h.plan, o);
  auto rec = platform_.record(model_id(0));
  ASSERT_GE(rec.advances.size(), 3u);
  // Each check comes exactly the policy's delay after the previous one.
  const PollingPolicy& policy = o.polling;
  for (size_t i = 1; i < rec.advances.size(); ++i) {
    auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(rec.advances[i - 1] - *rec.submitted);
    EXPECT_EQ(rec.advances[i] - rec.advances[i - 1], policy.delay(elapsed)) << i;
  }
  // The end (2.345 s after submission) is noticed within one delay: 10 % of 2.3 s.
  auto noticed = at(*rec.terminal_seen) - at(*rec.submitted);
  EXPECT_GE(noticed, 2'345ms);
  EXPECT_LE(noticed - 2'345ms, policy.delay(2'345ms));
  EXPECT_LE(rec.advances.size(), 25u);
}

TEST_F(EngineTest, LongJobsAreCheckedRarely) {
  auto h = testing::make_plan(1);
  platform_.set_job(model_id(0), {.duration = 3'600'000ms});
  RunOutcome out = run(h.plan, options(1));
  auto rec = platform_.record(model_id(0));
  EXPECT_EQ(out.results[0].status, ResultStatus::kSuccess);
  EXPECT_LE(rec.advances.size(), 420u);  // dbt-databricks' fixed 10 s: 360
  auto lag = at(*rec.terminal_seen) - at(*rec.submitted) - 3'600'000ms;
  EXPECT_LE(lag, 10'000ms);
}

TEST_F(EngineTest, PlatformRequestedWaitIsHonoured) {
  auto h = testing::make_plan(1);
  platform_.set_job(model_id(0), {.duration = 10'000ms, .not_before = 4'000ms});
  run(h.plan, options(1));
  auto rec = platform_.record(model_id(0));
  for (size_t i = 1; i < rec.advances.size(); ++i)
    EXPECT_GE(rec.advances[i] - rec.advances[i - 1], 4'000ms);
}

TEST_F(EngineTest, TimeoutCancelsTheRemoteWorkAndFailsTheModel) {
  auto h = testing::make_plan(2, {{0, 1}});
  h.plan.models[0].timeout = 5'000ms;
  platform_.set_job(model_id(0), {.duration = 3'600'000ms});
  RunOutcome out = run(h.plan, options(2));
  auto rec = platform_.record(model_id(0));
  ASSERT_TRUE(rec.cancel_reason);
  EXPECT_EQ(*rec.cancel_reason, CancelReason::kTimeout);
  // The cancel goes out at the deadline, not at the next (distant) poll.
  EXPECT_EQ(at(*rec.cancel_requested) - at(*rec.submitted), 5'000ms);
  EXPECT_EQ(*rec.cancel_sent, *rec.cancel_requested);
  const ModelResult& r = out.results[0];
  EXPECT_EQ(r.status, ResultStatus::kError);
  EXPECT_TRUE(r.timed_out);
  EXPECT_TRUE(r.settled);
  EXPECT_NE(r.message.find("Timed out after 5s (model config `timeout: 5`)"), std::string::npos)
      << r.message;
  EXPECT_EQ(out.results[1].status, ResultStatus::kSkipped);
}

TEST_F(EngineTest, ACancelledLongJobIsFollowedQuicklyNotOnItsLongJobSchedule) {
  // After 20 minutes a job is polled every 10 s; once cancelled, its confirmation (3 s here)
  // must be noticed promptly, or a bounded cancel wait is spent in one polling gap.
  auto h = testing::make_plan(1);
  h.plan.models[0].timeout = 1'200'000ms;
  platform_.set_job(model_id(0), {.duration = 3'600'000ms, .cancel_latency = 3'000ms});
  RunOutcome out = run(h.plan, options(1));
  auto rec = platform_.record(model_id(0));
  ASSERT_TRUE(rec.cancel_sent && rec.terminal_seen);
  const auto noticed = at(*rec.terminal_seen) - at(*rec.cancel_sent);
  EXPECT_GE(noticed, 3'000ms);
  EXPECT_LE(noticed, 3'000ms + PollingPolicy{}.delay(3'000ms));
  EXPECT_TRUE(out.results[0].timed_out);
}

TEST_F(EngineTest, TimeoutWhoseCancelIsNeverConfirmedIsGivenUpAfterTheGrace) {
  auto h = testing::make_plan(1);
  h.plan.models[0].timeout = 2'000ms;
  platform_.set_job(model_id(0), {.duration = 3'600'000ms, .cancel_latency = std::nullopt});
  EngineOptions o = options(1);
  o.timeout_grace = 60'000ms;
  RunOutcome out = run(h.plan, o);
  const ModelResult& r = out.results[0];
  EXPECT_EQ(r.status, ResultStatus::kError);
  EXPECT_FALSE(r.settled);
  EXPECT_NE(r.message.find("may still be running"), std::string::npos) << r.message;
  ASSERT_EQ(r.handles.size(), 1u);
  EXPECT_EQ(r.handles[0].id, "job-" + model_id(0));
  EXPECT_NEAR(out.elapsed_seconds, 62.0, 0.5);
}

TEST_F(EngineTest, FailFastCancelsEverythingInFlightAndSkipsTheRest) {
  auto h = testing::make_plan(10);
  platform_.set_default({.duration = 60'000ms});
  platform_.set_job(model_id(2),
                    {.duration = 1'000ms, .result = FinalStatus::kFailed, .message = "boom"});
  EngineOptions o = options(4);
  o.fail_fast = true;
  RecordingListener listener;
  RunOutcome out = run(h.plan, o, &listener);
  EXPECT_EQ(out.stopped, StopReason::kFailFast);
  EXPECT_EQ(out.results[2].status, ResultStatus::kError);
  for (size_t i : {0u, 1u, 3u}) {
    auto rec = platform_.record(model_id(i));
    ASSERT_TRUE(rec.cancel_reason) << i;
    EXPECT_EQ(*rec.cancel_reason, CancelReason::kFailFast);
    // Cancelled right when the failure was noticed, not after their own (60 s) jobs.
    EXPECT_LT(at(*rec.cancel_sent), 2'000ms);
    EXPECT_EQ(out.results[i].status, ResultStatus::kError);
    EXPECT_NE(out.results[i].message.find("Cancelled by --fail-fast after model.proj.m002 failed"),
              std::string::npos);
    EXPECT_TRUE(out.results[i].settled);
  }
  for (size_t i = 4; i < 10; ++i) {
    EXPECT_EQ(out.results[i].status, ResultStatus::kSkipped) << i;
    EXPECT_FALSE(platform_.record(model_id(i)).submitted) << i;
    EXPECT_NE(out.results[i].message.find("--fail-fast"), std::string::npos);
  }
  EXPECT_LT(out.elapsed_seconds, 3.0);
}

TEST_F(EngineTest, WithoutFailFastOtherModelsKeepRunning) {
  auto h = testing::make_plan(6);
  platform_.set_job(model_id(0), {.duration = 100ms, .result = FinalStatus::kFailed});
  RunOutcome out = run(h.plan, options(2));
  EXPECT_EQ(out.count(ResultStatus::kSuccess), 5u);
  EXPECT_EQ(out.count(ResultStatus::kError), 1u);
  EXPECT_EQ(out.results[0].message, "The model failed.");
}

// Interrupts the run when the virtual clock first passes `when`.
class InterruptingListener final : public RunListener {
 public:
  InterruptingListener(Engine*& engine, std::chrono::milliseconds when, int signal, bool abort)
      : engine_(engine), when_(when), signal_(signal), abort_(abort) {}
  void heartbeat(const Progress& p) override {
    if (!fired_ && p.elapsed >= when_) {
      fired_ = true;
      // heartbeat() runs on the dispatcher, which reads these flags on its next iteration.
      if (abort_) {
        engine_->abort_now();
      } else {
        engine_->interrupt(signal_);
      }
    }
    if (p.cancel_wait_left) countdown.push_back(*p.cancel_wait_left);
  }
  std::vector<std::chrono::milliseconds> countdown;

 private:
  Engine*& engine_;
  std::chrono::milliseconds when_;
  int signal_;
  bool abort_;
  bool fired_ = false;
};

TEST_F(EngineTest, SignalCancelsEveryModelInFlightAndWaitsForConfirmation) {
  auto h = testing::make_plan(8, {{0, 7}});
  platform_.set_default({.duration = 600'000ms, .cancel_latency = 3'000ms});
  Engine* engine = nullptr;
  InterruptingListener listener(engine, 5'000ms, SIGTERM, false);
  Engine e(options(3), platform_.factory(), nullptr, &listener);
  engine = &e;
  RunOutcome out = e.run(h.plan);
  EXPECT_EQ(out.stopped, StopReason::kSignal);
  EXPECT_EQ(out.signal, SIGTERM);
  for (size_t i = 0; i < 3; ++i) {
    auto rec = platform_.record(model_id(i));
    ASSERT_TRUE(rec.cancel_reason);
    EXPECT_EQ(*rec.cancel_reason, CancelReason::kSignal);
    EXPECT_TRUE(rec.done);
    EXPECT_EQ(out.results[i].status, ResultStatus::kError);
    EXPECT_TRUE(out.results[i].settled);
    EXPECT_NE(out.results[i].message.find("interrupted (SIGTERM)"), std::string::npos);
  }
  for (size_t i = 3; i < 8; ++i) {
    EXPECT_EQ(out.results[i].status, ResultStatus::kSkipped);
    EXPECT_FALSE(platform_.record(model_id(i)).submitted);
  }
  EXPECT_EQ(out.unsettled(), 0u);
  // The countdown ran while the cancellations were pending.
  ASSERT_FALSE(listener.countdown.empty());
  EXPECT_EQ(listener.countdown.front(), 30'000ms);
}

TEST_F(EngineTest, UnconfirmedCancellationsAreReportedAsPossiblyRunning) {
  auto h = testing::make_plan(2);
  platform_.set_default({.duration = 600'000ms, .cancel_latency = std::nullopt});
  Engine* engine = nullptr;
  InterruptingListener listener(engine, 2'000ms, SIGINT, false);
  EngineOptions o = options(2);
  o.cancel_wait = 10'000ms;
  Engine e(o, platform_.factory(), nullptr, &listener);
  engine = &e;
  RunOutcome out = e.run(h.plan);
  EXPECT_EQ(out.signal, SIGINT);
  EXPECT_EQ(out.unsettled(), 2u);
  for (const auto& r : out.results) {
    EXPECT_EQ(r.status, ResultStatus::kError);
    EXPECT_NE(r.message.find("did not confirm the cancellation within 10s"), std::string::npos)
        << r.message;
  }
  EXPECT_NEAR(out.elapsed_seconds, 12.0, 1.1);
  // 10 s countdown, shown about once a second.
  EXPECT_GE(listener.countdown.size(), 9u);
}

TEST_F(EngineTest, AbortReturnsWithoutWaiting) {
  auto h = testing::make_plan(2);
  platform_.set_default({.duration = 600'000ms, .cancel_latency = std::nullopt});
  Engine* engine = nullptr;
  InterruptingListener listener(engine, 3'000ms, SIGINT, true);
  Engine e(options(2), platform_.factory(), nullptr, &listener);
  engine = &e;
  RunOutcome out = e.run(h.plan);
  EXPECT_TRUE(out.aborted);
  EXPECT_EQ(out.unsettled(), 2u);
  EXPECT_LT(out.elapsed_seconds, 5.0);
}

// On real time, from another thread, as the CLI's signal watcher calls it.
TEST(EngineRealTime, InterruptFromAnotherThreadCancelsPromptly) {
  SystemEngineClock clock;
  FakePlatform platform(clock);
  platform.set_default({.duration = 600'000ms, .cancel_latency = 20ms});
  auto h = testing::make_plan(3);
  EngineOptions o;
  o.threads = 3;
  o.clock = &clock;
  Engine engine(o, platform.factory(), nullptr, nullptr);
  std::thread signaller([&] {
    // Once every model has been submitted.
    while (true) {
      bool all = true;
      for (size_t i = 0; i < 3; ++i)
        all = all && platform.record(model_id(i)).submitted.has_value();
      if (all) break;
      std::this_thread::sleep_for(1ms);
    }
    engine.interrupt(SIGINT);
  });
  RunOutcome out = engine.run(h.plan);
  signaller.join();
  EXPECT_EQ(out.signal, SIGINT);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(platform.record(model_id(i)).cancel_reason, CancelReason::kSignal);
    EXPECT_TRUE(out.results[i].settled);
  }
}

TEST_F(EngineTest, AnExecutionThatThrowsFailsItsModelOnly) {
  auto h = testing::make_plan(3, {{0, 1}});
  platform_.set_job(model_id(0), {.throw_on_advance = true});
  platform_.set_job(model_id(2), {.throw_on_create = true});
  RunOutcome out = run(h.plan, options(3));
  EXPECT_EQ(out.results[0].status, ResultStatus::kError);
  EXPECT_NE(out.results[0].message.find("the executor broke"), std::string::npos);
  EXPECT_FALSE(out.results[0].settled);
  EXPECT_EQ(out.results[1].status, ResultStatus::kSkipped);
  EXPECT_EQ(out.results[2].status, ResultStatus::kError);
  EXPECT_EQ(out.results[2].message, "cannot create the execution");
}

TEST_F(EngineTest, ModelThatDidNotCompileFailsAndSkipsItsChildren) {
  auto h = testing::make_plan(3, {{0, 1}});
  h.plan.models[0].payload = nullptr;
  h.plan.models[0].error = "models/m000.py: error[DBTPY301]: bad config";
  RunOutcome out = run(h.plan, options(3));
  EXPECT_EQ(out.results[0].status, ResultStatus::kError);
  EXPECT_EQ(out.results[0].message, "models/m000.py: error[DBTPY301]: bad config");
  EXPECT_EQ(out.results[1].status, ResultStatus::kSkipped);
  EXPECT_EQ(out.results[2].status, ResultStatus::kSuccess);
  EXPECT_FALSE(platform_.record(model_id(0)).submitted);
}

TEST_F(EngineTest, ListenerSeesStartsInIndexOrderAndEveryResult) {
  auto h = testing::make_plan(3, {{0, 1}});
  RecordingListener listener;
  run(h.plan, options(1), &listener);
  ASSERT_EQ(listener.events.size(), 6u);
  EXPECT_EQ(listener.events[0], "start model.proj.m000 1/3");
  EXPECT_EQ(listener.events[1], "success model.proj.m000");
  EXPECT_EQ(listener.events[2], "start model.proj.m001 2/3");
  EXPECT_EQ(listener.last.succeeded, 3u);
}

TEST_F(EngineTest, APlanWhoseModelWaitsForALaterOneIsRejected) {
  auto h = testing::make_plan(2);
  h.plan.models[0].upstream.push_back(1);
  Engine e(options(1), platform_.factory(), nullptr, nullptr);
  EXPECT_THROW(e.run(h.plan), std::invalid_argument);
}

}  // namespace
}  // namespace dbtpy::runner
