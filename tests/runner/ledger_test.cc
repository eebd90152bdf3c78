// The run ledger: what the engine records for each model and in which order, that each
// record is on disk before the effect it describes, the lock that tells a live run from a
// dead one, and reading a ledger back into what `dbtpy cancel` must replay.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "runner/engine.h"
#include "runner/ledger_reader.h"
#include "runner/run_ledger.h"
#include "tests/runner/fake_execution.h"
#include "tests/support/temp_dir.h"
#include "util/fs.h"

namespace dbtpy::runner {
namespace {

using namespace std::chrono_literals;
using testing::FakePlatform;
using testing::model_id;
using testing::VirtualClock;

std::vector<Json> lines_of(const std::filesystem::path& p) {
  std::vector<Json> out;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line))
    out.push_back(Json::parse(line));
  return out;
}

// The events of one model, in file order: "before_send:submit", "handle", ...
std::vector<std::string> events_of(const std::vector<Json>& lines, const std::string& id) {
  std::vector<std::string> out;
  for (const auto& l : lines) {
    if (l.value("unique_id", "") != id) continue;
    std::string e = l["event"];
    if (l.contains("step")) e += ":" + l["step"].get<std::string>();
    if (e.rfind("cleanup", 0) == 0) e += l["done"].get<bool>() ? ":done" : ":armed";
    if (l.contains("state")) e += ":" + l["state"].get<std::string>();
    if (l.contains("settled")) e += l["settled"].get<bool>() ? ":settled" : ":unsettled";
    out.push_back(e);
  }
  return out;
}

class LedgerTest : public ::testing::Test {
 protected:
  std::unique_ptr<RunLedger> make_ledger() {
    path_ = ledger_path(dir_.path() / "target", "run-1");
    return RunLedger::create(path_, {{"run_id", "run-1"}, {"target", "dev"}, {"pid", 42}},
                             {nullptr, &clock_, true});
  }
  testing::TempDir dir_;
  std::filesystem::path path_;
  VirtualClock clock_;
  FakePlatform platform_{clock_};
};

TEST_F(LedgerTest, PathIsUnderTheTargetFolder) {
  EXPECT_EQ(ledger_path("/p/target", "abc"),
            std::filesystem::path("/p/target/dbtpy/runs/abc.jsonl"));
}

TEST_F(LedgerTest, RecordsEveryModelsEffectsInOrder) {
  auto ledger = make_ledger();
  auto h = testing::make_plan(2, {{0, 1}});
  EngineOptions o;
  o.threads = 2;
  o.clock = &clock_;
  {
    Engine engine(o, platform_.factory(), ledger.get(), nullptr);
    engine.run(h.plan);
  }
  auto lines = lines_of(path_);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0]["event"], "run_started");
  EXPECT_EQ(lines[0]["run_id"], "run-1");
  EXPECT_EQ(lines[0]["ts"], "2026-11-21T12:00:00.000000Z");
  for (const auto& l : lines)
    EXPECT_TRUE(l.contains("ts"));
  const std::vector<std::string> expected = {"model_started",         "before_send:submit",
                                             "handle:submit",         "cleanup:delete_upload:armed",
                                             "state:submit:RUNNING",  "cleanup:delete_upload:done",
                                             "model_finished:settled"};
  EXPECT_EQ(events_of(lines, model_id(0)), expected);
  EXPECT_EQ(events_of(lines, model_id(1)), expected);
  // The handle line carries what `dbtpy cancel` needs.
  for (const auto& l : lines) {
    if (l["event"] == "handle" && l["unique_id"] == model_id(0)) {
      EXPECT_EQ(l["kind"], "fake_job");
      EXPECT_EQ(l["id"], "job-" + model_id(0));
      EXPECT_EQ(l["detail"]["cancel_url"], "https://fake/jobs/" + model_id(0) + "/cancel");
    }
  }
}

// An Execution that checks, right after each observer call returns, that the ledger file
// already holds the record — i.e. it would survive the process dying before the request.
class CheckingExecution final : public submitters::Execution {
 public:
  CheckingExecution(submitters::ExecutionObserver& observer, std::filesystem::path path,
                    std::vector<std::string>& missing)
      : observer_(observer), path_(std::move(path)), missing_(missing) {}
  submitters::Next advance() override {
    observer_.before_send("create", {{"method", "POST"}, {"url", "https://x/create"}});
    check("before_send");
    observer_.handle_created({"create", "fake_job", "h-1", "", Json::object()});
    check("handle");
    observer_.cleanup("drop", {{"method", "DELETE"}}, false);
    check("cleanup");
    outcome_.status = submitters::FinalStatus::kSucceeded;
    return {submitters::Next::Kind::kDone, {}, {}};
  }
  void cancel(submitters::CancelReason) override {}
  const submitters::Outcome& outcome() const override { return outcome_; }

 private:
  void check(const std::string& event) {
    // Read through a separate descriptor, as another process would.
    std::string text = read_file(path_);
    auto last_line_start = text.rfind('\n', text.size() - 2);
    std::string last = text.substr(last_line_start + 1);
    if (last.find("\"event\":\"" + event + "\"") == std::string::npos) missing_.push_back(event);
  }
  submitters::ExecutionObserver& observer_;
  std::filesystem::path path_;
  std::vector<std::string>& missing_;
  submitters::Outcome outcome_;
};

TEST_F(LedgerTest, EachRecordIsInTheFileBeforeTheObserverCallReturns) {
  auto ledger = make_ledger();
  auto h = testing::make_plan(1);
  std::vector<std::string> missing;
  EngineOptions o;
  o.clock = &clock_;
  Engine engine(
      o,
      [&](const PlannedModel&, submitters::ExecutionObserver& obs) {
        return std::make_unique<CheckingExecution>(obs, path_, missing);
      },
      ledger.get(), nullptr);
  RunOutcome out = engine.run(h.plan);
  EXPECT_EQ(out.results[0].status, ResultStatus::kSuccess);
  EXPECT_TRUE(missing.empty()) << missing.front();
}

TEST_F(LedgerTest, ALiveRunHoldsTheLock) {
  auto ledger = make_ledger();
  EXPECT_TRUE(ledger_is_active(path_));
  EXPECT_EQ(RunLedger::open_existing(path_, {}), nullptr);
  ledger.reset();  // the process "died": the lock goes with it
  EXPECT_FALSE(ledger_is_active(path_));
  auto reopened = RunLedger::open_existing(path_, {});
  ASSERT_NE(reopened, nullptr);
  EXPECT_TRUE(ledger_is_active(path_));
}

TEST_F(LedgerTest, ARunIdIsNeverReused) {
  auto ledger = make_ledger();
  EXPECT_THROW(make_ledger(), std::runtime_error);
}

TEST_F(LedgerTest, SecretsAreRedacted) {
  auto redactor = std::make_shared<Redactor>();
  redactor->add_secret("s3cr3t-token-value");
  path_ = ledger_path(dir_.path(), "run-2");
  auto ledger = RunLedger::create(path_, {{"run_id", "run-2"}}, {redactor, &clock_, false});
  ledger->append("before_send", {{"request", {{"url", "https://x?t=s3cr3t-token-value"}}}});
  std::string text = read_file(path_);
  EXPECT_EQ(text.find("s3cr3t"), std::string::npos);
  EXPECT_NE(text.find("<redacted>"), std::string::npos);
}

TEST_F(LedgerTest, UnconfirmedWorkAndArmedCleanupsAreOpenItems) {
  auto ledger = make_ledger();
  // m000 succeeded cleanly; m001 was interrupted and its cancel never confirmed.
  auto h = testing::make_plan(2);
  platform_.set_job(model_id(0), {.duration = 100ms});
  platform_.set_job(model_id(1), {.duration = 600'000ms, .cancel_latency = std::nullopt});
  struct Stop final : RunListener {
    Engine* engine = nullptr;
    void heartbeat(const Progress& p) override {
      if (p.elapsed >= 5'000ms && p.stopping == StopReason::kNone) engine->interrupt(SIGINT);
    }
  } listener;
  EngineOptions o;
  o.threads = 2;
  o.clock = &clock_;
  o.cancel_wait = 2'000ms;
  {
    Engine engine(o, platform_.factory(), ledger.get(), &listener);
    listener.engine = &engine;
    RunOutcome out = engine.run(h.plan);
    ASSERT_EQ(out.unsettled(), 1u);
  }
  auto lines = lines_of(path_);
  EXPECT_EQ(events_of(lines, model_id(1)).back(), "model_finished:unsettled");

  LedgerSummary s = read_ledger(path_);
  EXPECT_EQ(s.run_id, "run-1");
  EXPECT_EQ(s.target, "dev");
  EXPECT_EQ(s.pid, 42);
  EXPECT_TRUE(s.active);  // `ledger` is still open in this process
  EXPECT_EQ(s.models, 2u);
  ASSERT_EQ(s.open_items.size(), 2u);
  EXPECT_EQ(s.open_items[0].unique_id, model_id(1));
  ASSERT_TRUE(s.open_items[0].handle);
  EXPECT_EQ(s.open_items[0].handle->id, "job-" + model_id(1));
  EXPECT_EQ(s.open_items[0].handle->detail["cancel_url"],
            "https://fake/jobs/" + model_id(1) + "/cancel");
  ASSERT_TRUE(s.open_items[1].cleanup);
  EXPECT_EQ((*s.open_items[1].cleanup)["method"], "DELETE");
  EXPECT_TRUE(s.finished_at.empty());  // run_finished is the CLI's to write
}

TEST_F(LedgerTest, WorkSentButNeverAnsweredIsAnOpenItem) {
  // kill -9 between sending a batch creation and writing its handle: the batch may run with
  // no handle in the ledger. Uploads and answered submissions are not open items.
  const auto path = dir_.path() / "crashed.jsonl";
  const std::string batches =
      "https://dataproc/v1/projects/p/locations/r/batches?batchId=b-1&requestId=q-1";
  std::ofstream(path)
      << Json{{"event", "run_started"}, {"run_id", "run-9"}}.dump() << "\n"
      << Json{{"event", "model_started"}, {"unique_id", "model.p.a"}}.dump() << "\n"
      << Json{{"event", "before_send"},
              {"unique_id", "model.p.a"},
              {"step", "upload_main"},
              {"request", {{"method", "POST"}, {"url", "https://gcs/upload/storage/v1/b/x/o"}}}}
             .dump()
      << "\n"
      << Json{{"event", "before_send"},
              {"unique_id", "model.p.a"},
              {"step", "create_batch"},
              {"request", {{"method", "POST"}, {"url", batches}, {"credential", "google"}}}}
             .dump()
      << "\n"
      << Json{{"event", "model_started"}, {"unique_id", "model.p.b"}}.dump() << "\n"
      << Json{{"event", "before_send"},
              {"unique_id", "model.p.b"},
              {"step", "create_batch"},
              {"request", {{"method", "POST"}, {"url", batches}, {"credential", "google"}}}}
             .dump()
      << "\n"
      << Json{{"event", "handle"},
              {"unique_id", "model.p.b"},
              {"step", "create_batch"},
              {"kind", "dataproc_batch"},
              {"id", "operations/o-2"}}
             .dump()
      << "\n";
  LedgerSummary s = read_ledger(path);
  ASSERT_EQ(s.open_items.size(), 2u);
  EXPECT_EQ(s.open_items[0].unique_id, "model.p.a");
  ASSERT_TRUE(s.open_items[0].unanswered);
  EXPECT_EQ(s.open_items[0].step, "create_batch");
  EXPECT_EQ((*s.open_items[0].unanswered)["url"], batches);
  EXPECT_EQ(s.open_items[1].unique_id, "model.p.b");
  ASSERT_TRUE(s.open_items[1].handle);  // answered: its handle, not the request
  EXPECT_FALSE(s.open_items[1].unanswered);
}

TEST_F(LedgerTest, ReadingSurvivesALineCutShortByACrash) {
  auto ledger = make_ledger();
  ledger->append("model_started", {{"unique_id", "model.p.a"}});
  ledger->append("handle",
                 {{"unique_id", "model.p.a"},
                  {"step", "submit"},
                  {"kind", "snowflake_statement"},
                  {"id", "01b2"}},
                 true);
  ledger.reset();
  {
    std::ofstream out(path_, std::ios::app);
    out << R"({"event":"cleanup","unique_id":"model.p.a","step":"dr)";  // killed mid-write
  }
  LedgerSummary s = read_ledger(path_);
  EXPECT_EQ(s.bad_lines, 1u);
  EXPECT_FALSE(s.active);
  ASSERT_EQ(s.open_items.size(), 1u);
  EXPECT_EQ(s.open_items[0].handle->kind, "snowflake_statement");
}

TEST_F(LedgerTest, ReplayedAndFinishedRunsAreRecognised) {
  auto ledger = make_ledger();
  ledger->append("run_finished", {{"status", "success"}, {"open_items", 0}});
  ledger->append("cancel_replayed", {{"items", 0}});
  LedgerSummary s = read_ledger(path_);
  EXPECT_EQ(s.status, "success");
  EXPECT_FALSE(s.finished_at.empty());
  EXPECT_TRUE(s.replayed);
  EXPECT_FALSE(s.open());
}

TEST_F(LedgerTest, NotALedger) {
  auto p = dir_.write("target/dbtpy/runs/x.jsonl", "{\"event\":\"state\"}\n");
  EXPECT_THROW(read_ledger(p), std::runtime_error);
  EXPECT_THROW(read_ledger(dir_.path() / "missing.jsonl"), std::runtime_error);
}

TEST_F(LedgerTest, ListsLedgersOldestFirst) {
  EXPECT_TRUE(list_ledgers(dir_.path() / "nope").empty());
  auto a = dir_.write("runs/a.jsonl", "{}");
  auto b = dir_.write("runs/b.jsonl", "{}");
  dir_.write("runs/notes.txt", "x");
  std::filesystem::last_write_time(a, std::filesystem::file_time_type::clock::now());
  std::filesystem::last_write_time(b, std::filesystem::file_time_type::clock::now() - 1h);
  auto all = list_ledgers(dir_.path() / "runs");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].filename(), "b.jsonl");
  EXPECT_EQ(all[1].filename(), "a.jsonl");
}

}  // namespace
}  // namespace dbtpy::runner
