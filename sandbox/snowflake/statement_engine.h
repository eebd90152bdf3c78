#pragma once
// Executes SQL API statements: parses them, keeps their state machine (running -> succeeded /
// failed / canceled / timed out), holds stored procedures per database.schema, and simulates
// every CALL of a Python procedure as a model run. A statement is a small program (one
// statement, a scripting block, or the children of a multi-statement request) that advances
// lazily: each step starts when the previous one ended on the clock, so observing it late
// changes nothing. requestId deduplication lives here too. Thread-safe (one mutex); waiters
// for synchronous submits use the condition variable.
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/catalog.h"
#include "sandbox/config.h"
#include "sandbox/model_payload.h"
#include "sandbox/random.h"
#include "sandbox/run_planner.h"
#include "sandbox/snowflake/sql_ast.h"
#include "sandbox/stats.h"
#include "util/clock.h"

namespace dbtpy::sandbox::snowflake {

struct Session {
  std::string user;
  std::string database;
  std::string schema;
  std::string warehouse;
  std::string role;
  std::string query_tag;
};

struct Column {
  std::string name;
  std::string type;  // fixed, real, text, boolean, variant, timestamp_ltz
  bool nullable = true;
  long long precision = -1;
  long long scale = -1;
  long long length = -1;
};

struct ResultSet {
  std::vector<Column> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

struct SubmitRequest {
  std::string text;
  Session session;
  Json bindings = Json::object();
  long long timeout_seconds = 0;  // 0 = Snowflake's maximum (7 days)
  int statement_count = 1;        // MULTI_STATEMENT_COUNT; 0 = any
  std::string request_id;         // "" = none
  bool retry = false;
};

struct SubmitOutcome {
  std::string handle;
  bool replayed = false;  // requestId + retry=true returned an existing statement
};

// A statement as the API reports it.
struct StatementView {
  enum class State { kRunning, kSucceeded, kFailed } state = State::kRunning;
  std::string handle;
  long long created_on_ms = 0;
  ResultSet result;
  SqlError error;
  std::vector<std::string> child_handles;  // multi-statement requests
};

class StatementEngine {
 public:
  StatementEngine(const SandboxConfig& config, const Clock& clock, Random& random, Stats& stats,
                  Catalog& catalog, RunPlanner& planner);
  ~StatementEngine();

  SubmitOutcome submit(const SubmitRequest& request);
  std::optional<StatementView> view(const std::string& handle);
  // Waits until the statement finished or `seconds` elapsed; returns the view either way.
  StatementView wait(const std::string& handle, double seconds);
  enum class CancelResult { kCanceled, kNotRunning, kUnknown };
  CancelResult cancel(const std::string& handle);
  // Advances every running statement to `now` (called by the sandbox's ticker).
  void tick();
  // Releases every wait() at once (the sandbox is stopping) and makes later waits return.
  void shutdown();

 private:
  struct ActiveCall;
  struct Procedure {
    ProcDef def;
    std::string database;
    std::string schema;
  };
  struct Stmt;

  void advance(Stmt& s, SteadyTime now);
  void execute(Stmt& s, const Statement& st, SteadyTime at, SteadyTime now);
  void finish_call(Stmt& s, SteadyTime now);
  void fail(Stmt& s, SqlError error, SteadyTime at);
  void succeed(Stmt& s, SteadyTime at);
  std::optional<std::vector<std::string>> resolve_name(const Stmt& s, const QualifiedName& q,
                                                       SqlError& err, const char* what) const;
  void start_call(Stmt& s, const ProcDef& proc, const std::string& proc_key, const CallStmt& call,
                  SteadyTime at);
  std::optional<SqlError> create_procedure(Stmt& s, const ProcDef& def, bool anonymous,
                                           std::string& key_out);
  ResultSet run_select(Stmt& s, const SelectStmt& sel, SqlError& err, bool& failed);
  ResultSet run_show_tables(Stmt& s, const ShowTablesStmt& show, SqlError& err, bool& failed);
  std::optional<std::string> eval(Stmt& s, const Expr& e, SqlError& err, bool& failed, Column* col);
  std::string new_handle();
  Stmt& create(const std::string& text, const SubmitRequest& req, SteadyTime at);
  StatementView view_locked(const Stmt& s) const;

  const SandboxConfig& config_;
  const Clock& clock_;
  Random& random_;
  Stats& stats_;
  Catalog& catalog_;
  RunPlanner& planner_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool shutting_down_ = false;
  std::map<std::string, std::unique_ptr<Stmt>> statements_;
  std::map<std::string, std::string> by_request_id_;
  std::map<std::string, Procedure> procedures_;  // "DB.SCHEMA.NAME/argcount"
};

}  // namespace dbtpy::sandbox::snowflake
