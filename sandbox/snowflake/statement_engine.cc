#include "sandbox/snowflake/statement_engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "sandbox/snowflake/sql_lexer.h"
#include "sandbox/snowflake/sql_parser.h"
#include "util/strings.h"

namespace dbtpy::sandbox::snowflake {
namespace {

constexpr long long kMaxTimeoutSeconds = 604800;  // Snowflake's maximum (timeout: 0)
const std::set<std::string> kRuntimeVersions = {"3.9", "3.10", "3.11", "3.12", "3.13"};

SqlError canceled_error() {
  return {"000604", "57014", "SQL execution canceled"};
}

SqlError timeout_error(long long seconds) {
  return {"000630", "57014",
          "Statement reached its statement or warehouse timeout of " + std::to_string(seconds) +
              " second(s) and was canceled."};
}

Column text_column(std::string name) {
  Column c;
  c.name = std::move(name);
  c.type = "text";
  c.length = 16777216;
  return c;
}

Column fixed_column(std::string name, long long precision = 38, long long scale = 0) {
  Column c;
  c.name = std::move(name);
  c.type = "fixed";
  c.precision = precision;
  c.scale = scale;
  c.nullable = false;
  return c;
}

// SQL LIKE with % and _, case-insensitive as SHOW ... LIKE is.
bool like_match(const std::string& pattern, const std::string& text) {
  std::string glob;
  for (char c : pattern)
    glob += c == '%' ? '*' : c == '_' ? '?' : c;
  return glob_match(to_upper(glob), to_upper(text));
}

std::string unqualified(const QualifiedName& q) {
  return q.parts.back();
}

double seconds_until(SteadyTime from, SteadyTime to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

struct StatementEngine::ActiveCall {
  RunClock clock;
  std::optional<ModelMeta> meta;
  std::string proc_name;
  std::string handler;
  std::string returns;
  std::string into_variable;
  bool model = false;  // a Python procedure: counted as a model run
};

struct StatementEngine::Stmt {
  std::string handle;
  std::string request_id;
  long long created_on_ms = 0;
  SteadyTime step_time;
  bool started = true;
  Session session;
  Json bindings = Json::object();
  long long timeout_seconds = kMaxTimeoutSeconds;
  std::optional<SteadyTime> deadline;
  std::optional<SteadyTime> cancel_requested;
  StatementView::State state = StatementView::State::kRunning;

  std::vector<Statement> program;
  size_t pc = 0;
  bool is_block = false;
  std::map<std::string, std::optional<std::string>> vars;
  std::optional<std::optional<std::string>> block_return;
  std::optional<ActiveCall> active;
  ResultSet result;
  SqlError error;

  bool multi = false;
  std::vector<std::string> children;
  size_t child_index = 0;
};

StatementEngine::StatementEngine(const SandboxConfig& config, const Clock& clock, Random& random,
                                 Stats& stats, Catalog& catalog, RunPlanner& planner)
    : config_(config),
      clock_(clock),
      random_(random),
      stats_(stats),
      catalog_(catalog),
      planner_(planner) {}

StatementEngine::~StatementEngine() = default;

std::string StatementEngine::new_handle() {
  // Snowflake query ids look like 01b2c3d4-0602-1c3f-0000-0a2b00e1c0d2 (UUID-shaped).
  std::string h = random_.hex(30);
  return "01" + h.substr(0, 6) + "-" + h.substr(6, 4) + "-" + h.substr(10, 4) + "-0000-" +
         h.substr(14, 12);
}

StatementEngine::Stmt& StatementEngine::create(const std::string& text, const SubmitRequest& req,
                                               SteadyTime at) {
  auto s = std::make_unique<Stmt>();
  s->handle = new_handle();
  s->created_on_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
          .count();
  s->step_time = at;
  s->session = req.session;
  s->bindings = req.bindings;
  s->timeout_seconds = req.timeout_seconds > 0 ? req.timeout_seconds : kMaxTimeoutSeconds;
  s->deadline = at + std::chrono::duration_cast<SteadyTime::duration>(
                         std::chrono::duration<double>(s->timeout_seconds));
  auto parsed = parse_statement(text);
  if (auto* err = std::get_if<SqlError>(&parsed)) {
    s->state = StatementView::State::kFailed;
    s->error = *err;
  } else {
    Statement st = std::move(std::get<Statement>(parsed));
    if (auto* block = std::get_if<BlockStmt>(&st.node)) {
      s->is_block = true;
      for (auto& d : block->declarations)
        s->program.push_back({d, d.variable});
      for (auto& b : block->body)
        s->program.push_back(std::move(b));
    } else {
      s->program.push_back(std::move(st));
    }
  }
  Stmt& ref = *s;
  statements_[ref.handle] = std::move(s);
  return ref;
}

SubmitOutcome StatementEngine::submit(const SubmitRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  const SteadyTime now = clock_.steady_now();
  if (!req.request_id.empty()) {
    auto it = by_request_id_.find(req.request_id);
    if (it != by_request_id_.end() && req.retry) {
      Stmt& prev = *statements_.at(it->second);
      advance(prev, now);
      // Snowflake does not execute a resubmitted request again unless the first attempt
      // failed; a running or succeeded statement is returned as it is.
      if (prev.state != StatementView::State::kFailed) {
        stats_.replay("snowflake");
        return {prev.handle, true};
      }
    }
  }
  std::vector<std::string> pieces = split_statements(req.text);
  Stmt* top = nullptr;
  const bool multi = req.statement_count != 1;
  const int expected = req.statement_count;
  if ((expected != 0 && static_cast<int>(pieces.size()) != expected && !pieces.empty()) ||
      (pieces.size() > 1 && !multi)) {
    top = &create("", req, now);
    top->program.clear();
    top->state = StatementView::State::kFailed;
    top->error = {"000008", "0A000",
                  fmt::format("Actual statement count {} did not match the desired statement "
                              "count {}.",
                              pieces.size(), expected)};
  } else if (multi && !req.bindings.empty()) {
    top = &create("", req, now);
    top->program.clear();
    top->state = StatementView::State::kFailed;
    top->error = {"000002", "0A000",
                  "Unsupported feature 'Binding variables in multi-statement requests'."};
  } else if (multi) {
    top = &create("", req, now);
    top->program.clear();
    top->multi = true;
    top->state = StatementView::State::kRunning;
    for (const auto& piece : pieces) {
      Stmt& child = create(piece, req, now);
      child.started = false;
      top->children.push_back(child.handle);
    }
  } else {
    top = &create(req.text, req, now);
  }
  top->request_id = req.request_id;
  if (!req.request_id.empty()) by_request_id_[req.request_id] = top->handle;
  advance(*top, now);
  cv_.notify_all();
  return {top->handle, false};
}

void StatementEngine::fail(Stmt& s, SqlError error, SteadyTime at) {
  s.state = StatementView::State::kFailed;
  s.error = std::move(error);
  s.step_time = at;
  s.active.reset();
}

void StatementEngine::succeed(Stmt& s, SteadyTime at) {
  s.state = StatementView::State::kSucceeded;
  s.step_time = at;
  if (s.is_block) {
    ResultSet rs;
    rs.columns.push_back(text_column("anonymous block"));
    rs.rows.push_back({s.block_return ? *s.block_return : std::nullopt});
    s.result = std::move(rs);
  }
}

void StatementEngine::advance(Stmt& s, SteadyTime now) {
  while (s.state == StatementView::State::kRunning && s.started) {
    if (s.multi) {
      if (s.child_index >= s.children.size()) {
        ResultSet rs;
        rs.columns.push_back(text_column("multiple statement execution"));
        rs.rows.push_back({std::string("Multiple statements executed successfully.")});
        s.result = std::move(rs);
        s.state = StatementView::State::kSucceeded;
        return;
      }
      Stmt& c = *statements_.at(s.children[s.child_index]);
      if (!c.started) {
        c.started = true;
        c.step_time = s.step_time;
        c.deadline = s.deadline;
        c.cancel_requested = s.cancel_requested;
      }
      advance(c, now);
      if (c.state == StatementView::State::kRunning) return;
      if (c.state == StatementView::State::kFailed) {
        fail(s, c.error, std::max(s.step_time, c.step_time));
        // Statements after a failed one never run.
        for (size_t k = s.child_index + 1; k < s.children.size(); ++k) {
          Stmt& rest = *statements_.at(s.children[k]);
          rest.started = true;
          fail(rest, canceled_error(), s.step_time);
        }
        return;
      }
      s.step_time = c.step_time;
      ++s.child_index;
      continue;
    }
    if (s.active) {
      if (!is_terminal(s.active->clock.phase_at(now))) return;
      finish_call(s, now);
      if (s.state != StatementView::State::kRunning) return;
      ++s.pc;
      continue;
    }
    if (s.cancel_requested && *s.cancel_requested <= now) {
      fail(s, canceled_error(), std::max(s.step_time, *s.cancel_requested));
      return;
    }
    if (s.deadline && s.step_time >= *s.deadline) {
      fail(s, timeout_error(s.timeout_seconds), *s.deadline);
      return;
    }
    if (s.pc >= s.program.size() || s.block_return) {
      succeed(s, s.step_time);
      return;
    }
    execute(s, s.program[s.pc], s.step_time, now);
    if (s.state != StatementView::State::kRunning) return;
    if (!s.active) ++s.pc;
  }
}

std::optional<std::vector<std::string>> StatementEngine::resolve_name(const Stmt& s,
                                                                      const QualifiedName& q,
                                                                      SqlError& err,
                                                                      const char* what) const {
  std::vector<std::string> parts = q.parts;
  if (parts.size() > 3) {
    err = {"002003", "02000", "SQL compilation error:\nInvalid object name '" + q.text + "'."};
    return std::nullopt;
  }
  if (parts.size() == 1) {
    if (s.session.schema.empty() || s.session.database.empty()) {
      err = {"090106", "22000",
             std::string("Cannot perform ") + what +
                 ". This session does not have a current schema. Call 'USE SCHEMA', or use a "
                 "qualified name."};
      return std::nullopt;
    }
    parts.insert(parts.begin(), {to_upper(s.session.database), to_upper(s.session.schema)});
  } else if (parts.size() == 2) {
    if (s.session.database.empty()) {
      err = {"090105", "22000",
             std::string("Cannot perform ") + what +
                 ". This session does not have a current database. Call 'USE DATABASE', or use "
                 "a qualified name."};
      return std::nullopt;
    }
    parts.insert(parts.begin(), to_upper(s.session.database));
  }
  return parts;
}

std::optional<SqlError> StatementEngine::create_procedure(Stmt& s, const ProcDef& def,
                                                          bool anonymous, std::string& key_out) {
  const std::string name = unqualified(def.name);
  if (def.language.empty() && !def.body.empty()) {
    // Snowflake defaults to SQL (Snowflake Scripting); the sandbox runs Python only.
  }
  if (def.language == "PYTHON") {
    if (def.runtime_version.empty()) {
      return SqlError{"001003", "42601",
                      "SQL compilation error:\nRUNTIME_VERSION is required for Python procedure '" +
                          name + "'."};
    }
    if (!kRuntimeVersions.count(def.runtime_version)) {
      return SqlError{"100357", "P0000",
                      "Python runtime version '" + def.runtime_version +
                          "' is not supported. Supported versions: 3.9, 3.10, 3.11, 3.12, 3.13."};
    }
    if (def.handler.empty()) {
      return SqlError{
          "001003", "42601",
          "SQL compilation error:\nHANDLER is required for Python procedure '" + name + "'."};
    }
    bool snowpark = std::any_of(def.packages.begin(), def.packages.end(), [](const auto& p) {
      return to_lower(p).rfind("snowflake-snowpark-python", 0) == 0;
    });
    if (!snowpark) {
      return SqlError{"002030", "42601",
                      "SQL compilation error:\nPython stored procedures need the "
                      "'snowflake-snowpark-python' package: add it to PACKAGES."};
    }
  }
  if (anonymous) {
    key_out = name + "/" + std::to_string(def.args.size());
    return std::nullopt;
  }
  SqlError err;
  auto parts = resolve_name(s, def.name, err, "CREATE PROCEDURE");
  if (!parts) return err;
  key_out = join(*parts, ".") + "/" + std::to_string(def.args.size());
  auto it = procedures_.find(key_out);
  if (it != procedures_.end() && !def.or_replace) {
    if (def.if_not_exists) return std::nullopt;
    return SqlError{"002002", "42710",
                    "SQL compilation error:\nObject '" + join(*parts, ".") + "' already exists."};
  }
  procedures_[key_out] = Procedure{def, (*parts)[0], (*parts)[1]};
  return std::nullopt;
}

void StatementEngine::start_call(Stmt& s, const ProcDef& proc, const std::string& proc_key,
                                 const CallStmt& call, SteadyTime at) {
  (void)proc_key;
  for (size_t i = 0; i < call.args.size(); ++i) {
    SqlError err;
    bool failed = false;
    eval(s, call.args[i], err, failed, nullptr);
    if (failed) {
      fail(s, err, at);
      return;
    }
  }
  if (call.args.size() != proc.args.size()) {
    fail(s,
         {"002141", "42601",
          fmt::format("SQL compilation error:\nInvalid argument types for function '{}': "
                      "expected {} argument(s), got {}.",
                      unqualified(proc.name), proc.args.size(), call.args.size())},
         at);
    return;
  }
  ActiveCall a;
  a.proc_name = unqualified(proc.name);
  a.handler = proc.handler;
  a.returns = proc.returns;
  a.into_variable = call.into_variable;
  if (proc.language != "PYTHON") {
    // Not a model: a SQL/JavaScript procedure returns NULL at once in the sandbox.
    a.clock.submitted = at;
    a.clock.plan.run_seconds = 0;
  } else {
    a.model = true;
    PlannedRun pr = planner_.plan_python("snowflake", proc.body, "_udf_code.py", false);
    a.clock.submitted = at;
    a.clock.plan = std::move(pr.plan);
    a.meta = std::move(pr.meta);
  }
  a.clock.cancel_latency = config_.defaults.cancel_latency;
  a.clock.cancel_requested = s.cancel_requested;
  if (s.deadline) a.clock.timeout_seconds = std::max(0.0, seconds_until(at, *s.deadline));
  s.active = std::move(a);
}

void StatementEngine::finish_call(Stmt& s, SteadyTime now) {
  (void)now;
  ActiveCall& a = *s.active;
  const Phase phase = a.clock.phase_at(now);
  const SteadyTime t = a.clock.terminal_time();
  if (a.model) stats_.run_finished("snowflake", phase_name(phase));
  switch (phase) {
    case Phase::kCancelled:
      fail(s, canceled_error(), t);
      return;
    case Phase::kTimedOut:
      fail(s, timeout_error(s.timeout_seconds), t);
      return;
    case Phase::kFailed:
      fail(s,
           {"100357", "P0000",
            "Python Interpreter Error:\n" + a.clock.plan.traceback + "\n in function " +
                a.proc_name + " with handler " + a.handler},
           t);
      return;
    default:
      break;
  }
  std::optional<std::string> value;
  if (a.meta) {
    const ModelMeta& m = *a.meta;
    Json info = {{"unique_id", m.unique_id},
                 {"materialized", m.materialized},
                 {"columns", a.clock.plan.columns},
                 {"updated_by", "snowflake procedure " + a.proc_name}};
    bool existed = catalog_.record("snowflake", m.relation, info);
    // The procedure makes its staging table temporary and drops it before returning: a
    // staging_relation in the metadata is not left behind.
    if (a.clock.plan.result) {
      value = *a.clock.plan.result;
    } else {
      Json summary = {{"status", "SUCCESS"},
                      {"unique_id", m.unique_id},
                      {"relation", canonical_relation("snowflake", m.relation)},
                      {"materialized", m.materialized},
                      {"incremental", m.materialized == "incremental" && existed}};
      value = summary.dump();
    }
  }
  ResultSet rs;
  Column c = text_column(a.proc_name);
  if (a.returns.rfind("VARIANT", 0) == 0 || a.returns.rfind("OBJECT", 0) == 0) c.type = "variant";
  rs.columns.push_back(c);
  rs.rows.push_back({value});
  s.result = std::move(rs);
  if (!a.into_variable.empty()) s.vars[a.into_variable] = value;
  s.step_time = t;
  s.active.reset();
}

std::optional<std::string> StatementEngine::eval(Stmt& s, const Expr& e, SqlError& err,
                                                 bool& failed, Column* col) {
  auto set_col = [&](Column c) {
    if (col) {
      c.name = col->name;
      *col = c;
    }
  };
  switch (e.kind) {
    case Expr::Kind::kNumber: {
      size_t dot = e.value.find('.');
      long long digits = static_cast<long long>(e.value.size() - (e.value[0] == '-' ? 1 : 0) -
                                                (dot == std::string::npos ? 0 : 1));
      set_col(fixed_column(
          "", std::max(1LL, digits),
          dot == std::string::npos ? 0 : static_cast<long long>(e.value.size() - dot - 1)));
      return e.value;
    }
    case Expr::Kind::kString: {
      Column c = text_column("");
      c.length = static_cast<long long>(e.value.size());
      c.nullable = false;
      set_col(c);
      return e.value;
    }
    case Expr::Kind::kBool: {
      Column c;
      c.type = "boolean";
      c.nullable = false;
      set_col(c);
      return to_lower(e.value);
    }
    case Expr::Kind::kNull:
      set_col(text_column(""));
      return std::nullopt;
    case Expr::Kind::kBind: {
      auto it = s.bindings.find(e.value);
      if (it == s.bindings.end()) {
        failed = true;
        err = {"002049", "42601",
               fmt::format("SQL compilation error: error line {} at position {}\nBind variable "
                           "{} not set.",
                           e.line, e.column, "?")};
        return std::nullopt;
      }
      std::string type = to_lower((*it).value("type", "TEXT"));
      Column c = type == "fixed" ? fixed_column("") : text_column("");
      if (type == "boolean") c.type = "boolean";
      if (type == "real") c.type = "real";
      set_col(c);
      const Json& v = (*it)["value"];
      if (v.is_null()) return std::nullopt;
      return v.is_string() ? v.get<std::string>() : v.dump();
    }
    case Expr::Kind::kVariable:
    case Expr::Kind::kColumn: {
      auto it = s.vars.find(to_upper(e.value));
      if (it != s.vars.end()) {
        set_col(text_column(""));
        return it->second;
      }
      failed = true;
      err = {"000904", "42000",
             fmt::format("SQL compilation error: error line {} at position {}\ninvalid "
                         "identifier '{}'",
                         e.line, e.column, to_upper(e.value))};
      return std::nullopt;
    }
    case Expr::Kind::kFunction: {
      const std::string& f = e.value;
      auto ctx = [&](const std::string& v) -> std::optional<std::string> {
        set_col(text_column(""));
        if (v.empty()) return std::nullopt;
        return v;
      };
      if (f == "CURRENT_USER") return ctx(s.session.user);
      if (f == "CURRENT_ROLE") return ctx(s.session.role.empty() ? "PUBLIC" : s.session.role);
      if (f == "CURRENT_WAREHOUSE") return ctx(s.session.warehouse);
      if (f == "CURRENT_DATABASE") return ctx(s.session.database);
      if (f == "CURRENT_SCHEMA") return ctx(s.session.schema);
      if (f == "CURRENT_ACCOUNT") return ctx(config_.snowflake.account);
      if (f == "CURRENT_VERSION") return ctx("9.1.0");
      if (f == "CURRENT_TIMESTAMP" || f == "SYSDATE") {
        Column c;
        c.type = "timestamp_ltz";
        c.nullable = false;
        c.precision = 0;
        c.scale = 9;
        set_col(c);
        auto ns =
            std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.now().time_since_epoch())
                .count();
        return fmt::format("{}.{:09}", ns / 1000000000, ns % 1000000000);
      }
      failed = true;
      err = {"002140", "42601", "SQL compilation error:\nUnknown function " + f};
      return std::nullopt;
    }
    case Expr::Kind::kStar:
      break;
  }
  failed = true;
  err = {"001003", "42000", "SQL compilation error:\nunsupported expression '" + e.text + "'."};
  return std::nullopt;
}

ResultSet StatementEngine::run_select(Stmt& s, const SelectStmt& sel, SqlError& err, bool& failed) {
  ResultSet rs;
  if (sel.from == SelectStmt::From::kNone) {
    std::vector<std::optional<std::string>> row;
    for (const auto& item : sel.items) {
      Column c;
      c.name = item.name;
      row.push_back(eval(s, item.expr, err, failed, &c));
      if (failed) return rs;
      rs.columns.push_back(c);
    }
    rs.rows.push_back(std::move(row));
  } else if (sel.from == SelectStmt::From::kGenerator) {
    for (const auto& item : sel.items) {
      Column c;
      c.name = item.name;
      if (item.expr.kind == Expr::Kind::kFunction &&
          (item.expr.value == "SEQ4" || item.expr.value == "SEQ8")) {
        c = fixed_column(item.name, 19);
      } else {
        eval(s, item.expr, err, failed, &c);
        if (failed) return rs;
      }
      rs.columns.push_back(c);
    }
    for (long long r = 0; r < sel.generator_rows; ++r) {
      std::vector<std::optional<std::string>> row;
      for (const auto& item : sel.items) {
        if (item.expr.kind == Expr::Kind::kFunction &&
            (item.expr.value == "SEQ4" || item.expr.value == "SEQ8")) {
          row.push_back(std::to_string(r));
        } else {
          row.push_back(eval(s, item.expr, err, failed, nullptr));
        }
      }
      rs.rows.push_back(std::move(row));
    }
  } else {
    std::string db =
        sel.tables_database.empty() ? to_upper(s.session.database) : sel.tables_database;
    if (db.empty()) {
      failed = true;
      err = {"090105", "22000",
             "Cannot perform SELECT. This session does not have a current database. Call 'USE "
             "DATABASE', or use a qualified name."};
      return rs;
    }
    Json tables = catalog_.snapshot().value("snowflake", Json::object());
    std::vector<std::map<std::string, std::string>> matches;
    for (auto it = tables.begin(); it != tables.end(); ++it) {
      auto parts = split(it.key(), '.');
      if (parts.size() != 3 || parts[0] != db) continue;
      std::map<std::string, std::string> row = {{"TABLE_CATALOG", parts[0]},
                                                {"TABLE_SCHEMA", parts[1]},
                                                {"TABLE_NAME", parts[2]},
                                                {"TABLE_TYPE", "BASE TABLE"},
                                                {"TABLE_OWNER", s.session.role},
                                                {"ROW_COUNT", "0"},
                                                {"COMMENT", ""}};
      bool keep = true;
      for (const auto& [column, value] : sel.where_equals) {
        auto v = eval(s, value, err, failed, nullptr);
        if (failed) return rs;
        auto f = row.find(to_upper(column));
        if (f == row.end()) {
          failed = true;
          err = {"000904", "42000",
                 "SQL compilation error: error line 1 at position 0\ninvalid identifier '" +
                     to_upper(column) + "'"};
          return rs;
        }
        keep = keep && v && f->second == *v;
      }
      if (keep) matches.push_back(std::move(row));
    }
    bool aggregate = std::any_of(sel.items.begin(), sel.items.end(), [](const SelectItem& i) {
      return i.expr.kind == Expr::Kind::kFunction && i.expr.value == "COUNT";
    });
    for (const auto& item : sel.items) {
      if (item.expr.kind == Expr::Kind::kFunction && item.expr.value == "COUNT") {
        rs.columns.push_back(fixed_column(item.name, 18));
      } else if (item.expr.kind == Expr::Kind::kColumn) {
        std::string name = to_upper(item.expr.value);
        if (name.find('.') != std::string::npos) name = name.substr(name.rfind('.') + 1);
        if (name == "ROW_COUNT") {
          rs.columns.push_back(fixed_column(item.name, 18));
        } else {
          rs.columns.push_back(text_column(item.name));
        }
      } else {
        Column c;
        c.name = item.name;
        eval(s, item.expr, err, failed, &c);
        if (failed) return rs;
        rs.columns.push_back(c);
      }
    }
    auto emit = [&](const std::map<std::string, std::string>* row) {
      std::vector<std::optional<std::string>> out;
      for (const auto& item : sel.items) {
        if (item.expr.kind == Expr::Kind::kFunction && item.expr.value == "COUNT") {
          out.push_back(std::to_string(matches.size()));
        } else if (item.expr.kind == Expr::Kind::kColumn && row) {
          std::string name = to_upper(item.expr.value);
          if (name.find('.') != std::string::npos) name = name.substr(name.rfind('.') + 1);
          auto f = row->find(name);
          if (f == row->end()) {
            failed = true;
            err = {"000904", "42000",
                   "SQL compilation error: error line 1 at position 7\ninvalid identifier '" +
                       name + "'"};
            return;
          }
          out.push_back(f->second);
        } else {
          out.push_back(eval(s, item.expr, err, failed, nullptr));
        }
      }
      rs.rows.push_back(std::move(out));
    };
    if (aggregate) {
      emit(matches.empty() ? nullptr : &matches.front());
    } else {
      for (const auto& m : matches)
        emit(&m);
    }
  }
  if (sel.limit && static_cast<long long>(rs.rows.size()) > *sel.limit) {
    rs.rows.resize(static_cast<size_t>(*sel.limit));
  }
  return rs;
}

ResultSet StatementEngine::run_show_tables(Stmt& s, const ShowTablesStmt& show, SqlError& err,
                                           bool& failed) {
  std::string db;
  std::string schema;
  if (show.scope.size() == 2) {
    db = show.scope[0];
    schema = show.scope[1];
  } else if (show.scope.size() == 1) {
    if (show.scope_is_database) {
      db = show.scope[0];
    } else {
      db = to_upper(s.session.database);
      schema = show.scope[0];
    }
  } else {
    db = to_upper(s.session.database);
    schema = to_upper(s.session.schema);
    if (db.empty() || schema.empty()) {
      failed = true;
      err = {"090106", "22000",
             "Cannot perform SHOW TABLES. This session does not have a current schema. Call "
             "'USE SCHEMA', or use a qualified name."};
      return {};
    }
  }
  ResultSet rs;
  Column created;
  created.name = "created_on";
  created.type = "timestamp_ltz";
  created.scale = 3;
  rs.columns = {created,
                text_column("name"),
                text_column("database_name"),
                text_column("schema_name"),
                text_column("kind"),
                text_column("comment"),
                fixed_column("rows"),
                fixed_column("bytes"),
                text_column("owner")};
  Json tables = catalog_.snapshot().value("snowflake", Json::object());
  for (auto it = tables.begin(); it != tables.end(); ++it) {
    auto parts = split(it.key(), '.');
    if (parts.size() != 3 || parts[0] != db) continue;
    if (!schema.empty() && parts[1] != schema) continue;
    if (show.like && !like_match(*show.like, parts[2])) continue;
    rs.rows.push_back({std::string("0.000"), parts[2], parts[0], parts[1], std::string("TABLE"),
                       std::string(""), std::string("0"), std::string("0"),
                       s.session.role.empty() ? std::string("PUBLIC") : s.session.role});
  }
  return rs;
}

void StatementEngine::execute(Stmt& s, const Statement& st, SteadyTime at, SteadyTime now) {
  (void)now;
  SqlError err;
  bool failed = false;
  if (auto* sel = std::get_if<SelectStmt>(&st.node)) {
    ResultSet rs = run_select(s, *sel, err, failed);
    if (failed) return fail(s, err, at);
    s.result = std::move(rs);
  } else if (auto* show = std::get_if<ShowTablesStmt>(&st.node)) {
    ResultSet rs = run_show_tables(s, *show, err, failed);
    if (failed) return fail(s, err, at);
    s.result = std::move(rs);
  } else if (auto* create = std::get_if<CreateProcStmt>(&st.node)) {
    std::string key;
    if (auto e = create_procedure(s, create->proc, false, key)) return fail(s, *e, at);
    ResultSet rs;
    rs.columns.push_back(text_column("status"));
    rs.rows.push_back({"Function " + unqualified(create->proc.name) + " successfully created."});
    s.result = std::move(rs);
  } else if (auto* drop = std::get_if<DropProcStmt>(&st.node)) {
    auto parts = resolve_name(s, drop->name, err, "DROP PROCEDURE");
    if (!parts) return fail(s, err, at);
    std::string key = join(*parts, ".") + "/" + std::to_string(drop->arg_types.size());
    if (!procedures_.erase(key) && !drop->if_exists) {
      return fail(s,
                  {"002003", "02000",
                   "SQL compilation error:\nProcedure '" + join(*parts, ".") + "(" +
                       join(drop->arg_types, ", ") + ")' does not exist or not authorized."},
                  at);
    }
    ResultSet rs;
    rs.columns.push_back(text_column("status"));
    rs.rows.push_back({unqualified(drop->name) + " successfully dropped."});
    s.result = std::move(rs);
  } else if (auto* call = std::get_if<CallStmt>(&st.node)) {
    auto parts = resolve_name(s, call->name, err, "CALL");
    if (!parts) return fail(s, err, at);
    std::string key = join(*parts, ".") + "/" + std::to_string(call->args.size());
    auto it = procedures_.find(key);
    if (it == procedures_.end()) {
      return fail(s,
                  {"002141", "42601",
                   "SQL compilation error:\nUnknown user-defined function " + join(*parts, ".")},
                  at);
    }
    ProcDef def = it->second.def;  // copy: a later DROP must not pull it from under the run
    start_call(s, def, key, *call, at);
  } else if (auto* with = std::get_if<WithProcCallStmt>(&st.node)) {
    std::string key;
    if (auto e = create_procedure(s, with->proc, true, key)) return fail(s, *e, at);
    if (with->call.name.parts.size() != 1 ||
        with->call.name.parts[0] != unqualified(with->proc.name)) {
      return fail(s,
                  {"002141", "42601",
                   "SQL compilation error:\nUnknown user-defined function " + with->call.name.text},
                  at);
    }
    start_call(s, with->proc, key, with->call, at);
  } else if (auto* let = std::get_if<LetStmt>(&st.node)) {
    std::optional<std::string> v;
    if (let->value) {
      v = eval(s, *let->value, err, failed, nullptr);
      if (failed) return fail(s, err, at);
    }
    s.vars[to_upper(let->variable)] = v;
  } else if (auto* ret = std::get_if<ReturnStmt>(&st.node)) {
    std::optional<std::string> v;
    if (ret->value) {
      v = eval(s, *ret->value, err, failed, nullptr);
      if (failed) return fail(s, err, at);
    }
    s.block_return = v;
  } else if (auto* block = std::get_if<BlockStmt>(&st.node)) {
    // A nested block: splice its statements in after this one.
    std::vector<Statement> inner;
    for (const auto& d : block->declarations)
      inner.push_back({d, d.variable});
    for (const auto& b : block->body)
      inner.push_back(b);
    s.program.insert(s.program.begin() + static_cast<long>(s.pc) + 1, inner.begin(), inner.end());
  }
}

std::optional<StatementView> StatementEngine::view(const std::string& handle) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = statements_.find(handle);
  if (it == statements_.end()) return std::nullopt;
  advance(*it->second, clock_.steady_now());
  return view_locked(*it->second);
}

StatementView StatementEngine::wait(const std::string& handle, double seconds) {
  std::unique_lock<std::mutex> lock(mu_);
  const SteadyTime until = clock_.steady_now() + std::chrono::duration_cast<SteadyTime::duration>(
                                                     std::chrono::duration<double>(seconds));
  Stmt& s = *statements_.at(handle);
  for (;;) {
    advance(s, clock_.steady_now());
    if (s.state != StatementView::State::kRunning || clock_.steady_now() >= until ||
        shutting_down_) {
      break;
    }
    cv_.wait_for(lock, std::chrono::milliseconds(10));
  }
  return view_locked(s);
}

StatementEngine::CancelResult StatementEngine::cancel(const std::string& handle) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = statements_.find(handle);
  if (it == statements_.end()) return CancelResult::kUnknown;
  const SteadyTime now = clock_.steady_now();
  Stmt& s = *it->second;
  advance(s, now);
  if (s.state != StatementView::State::kRunning) return CancelResult::kNotRunning;
  stats_.cancel("snowflake");
  auto mark = [&](Stmt& x) {
    if (!x.cancel_requested) x.cancel_requested = now;
    if (x.active && !x.active->clock.cancel_requested) x.active->clock.cancel_requested = now;
  };
  mark(s);
  for (const auto& c : s.children)
    mark(*statements_.at(c));
  advance(s, now);
  cv_.notify_all();
  return CancelResult::kCanceled;
}

void StatementEngine::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;
  }
  cv_.notify_all();
}

void StatementEngine::tick() {
  std::lock_guard<std::mutex> lock(mu_);
  const SteadyTime now = clock_.steady_now();
  bool changed = false;
  for (auto& [handle, s] : statements_) {
    if (s->state != StatementView::State::kRunning || !s->started) continue;
    advance(*s, now);
    changed = changed || s->state != StatementView::State::kRunning;
  }
  if (changed) cv_.notify_all();
}

StatementView StatementEngine::view_locked(const Stmt& s) const {
  StatementView v;
  v.state = s.state;
  v.handle = s.handle;
  v.created_on_ms = s.created_on_ms;
  v.result = s.result;
  v.error = s.error;
  v.child_handles = s.children;
  return v;
}

}  // namespace dbtpy::sandbox::snowflake
