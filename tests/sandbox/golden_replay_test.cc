// Plays every golden payload of dbtpy's code generator (tests/golden/codegen/*/requests.json)
// against the sandbox the way a submitter would: placeholders filled, captures and run_if
// honoured, each followed step polled to its end, cleanup steps last. Each payload must run
// its model exactly once, succeed, and leave its relation in the sandbox's catalog. This is
// the contract between codegen and the sandbox, checked on both sides' real artifacts.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "sandbox/catalog.h"
#include "sandbox/http/params.h"
#include "tests/sandbox/sandbox_fixture.h"
#include "util/base64.h"
#include "util/fs.h"
#include "util/ids.h"
#include "util/strings.h"

namespace dbtpy::sandbox::testing {
namespace {

const std::filesystem::path kGolden =
    std::filesystem::path(DBTPY_SOURCE_DIR) / "tests/golden/codegen";

std::string replay_config() {
  // The names the golden payloads use; job 987654321 is an `existing_job_id`.
  std::string y = test_config("", "defaults: {duration: 100ms}\n");
  replace_all(
      y, "  clusters:\n    - cluster_id:",
      "  jobs: [{job_id: 987654321, name: nightly_orders}]\n  clusters:\n    - cluster_id:");
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {std::string("- id: ") + kProject, "- id: acme-analytics"},
           {"sandbox-cluster", "etl-cluster"},
           {kBucket, "acme-dbt-python"},
           {kRunningCluster, "0123-456789-abcdefgh"}}) {
    replace_all(y, from, to);
  }
  return y;
}

struct Response {
  int status = -1;
  Json body;
  std::string text;
};

class Replayer {
 public:
  Replayer(Harness& h, std::filesystem::path dir) : h_(h), dir_(std::move(dir)) {
    RandomIdSource ids;
    values_["RUN_ID"] = ids.uuid4();
    values_["FULL_REFRESH"] = "false";
    values_["USER_NAME"] = "dbtpy@example.com";
    google_ = h.google_token();
  }

  // Plays the payload; returns "" on success, else what went wrong.
  std::string play() {
    Json steps = Json::parse(read_file(dir_ / "requests.json"));
    std::vector<Json> cleanups;
    for (const auto& step : steps) {
      if (step.value("cleanup", false)) {
        cleanups.push_back(step);
        continue;
      }
      if (auto err = run_step(step); !err.empty())
        return step["step"].get<std::string>() + ": " + err;
    }
    for (const auto& step : cleanups) {
      if (!ran_.count(step.value("armed_by", ""))) continue;
      if (auto err = run_step(step); !err.empty()) {
        return "cleanup " + step["step"].get<std::string>() + ": " + err;
      }
    }
    return "";
  }

 private:
  std::string value_text(const std::string& name, const std::string& arg) {
    if (name == "FILE_TEXT") return read_file(dir_ / arg);
    if (name == "FILE_BASE64") return base64_encode(read_file(dir_ / arg));
    auto it = values_.find(name);
    if (it == values_.end()) throw std::runtime_error("no value for ${" + name + "}");
    return it->second.is_string() ? it->second.get<std::string>() : it->second.dump();
  }

  // ${NAME} / ${NAME:arg}; $${ is a literal ${. In URLs values are percent-encoded, except
  // HANDLE (a server-issued id used verbatim).
  std::string fill(const std::string& s, bool url) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s.compare(i, 3, "$${") == 0) {
        out += "${";
        i += 2;
        continue;
      }
      if (s.compare(i, 2, "${") == 0) {
        size_t end = s.find('}', i);
        std::string inner = s.substr(i + 2, end - i - 2);
        size_t colon = inner.find(':');
        std::string name = inner.substr(0, colon);
        std::string arg = colon == std::string::npos ? "" : inner.substr(colon + 1);
        std::string v = value_text(name, arg);
        out += url && name != "HANDLE" ? url_encode(v) : v;
        i = end;
        continue;
      }
      out += s[i];
    }
    return out;
  }

  Json fill_json(const Json& v) {
    static const std::regex whole(R"(^\$\{([A-Z][A-Z0-9_]*)\}$)");
    if (v.is_string()) {
      std::smatch m;
      std::string s = v.get<std::string>();
      if (std::regex_match(s, m, whole) && values_.count(m[1].str())) return values_[m[1].str()];
      return fill(s, false);
    }
    if (v.is_object() || v.is_array()) {
      Json out = v;
      for (auto it = out.begin(); it != out.end(); ++it)
        *it = fill_json(*it);
      return out;
    }
    return v;
  }

  std::string path_of(const std::string& url) {
    std::string filled = fill(url, true);
    size_t scheme = filled.find("://");
    size_t slash = filled.find('/', scheme + 3);
    return filled.substr(slash);
  }

  Response send(const std::string& method, const std::string& url, const Json* body,
                const Json& step) {
    httplib::Headers headers = {{"User-Agent", "dbtpy/0.1 (sandbox replay)"}};
    std::string content_type = "application/json";
    if (step.contains("headers")) {
      for (auto it = step["headers"].begin(); it != step["headers"].end(); ++it) {
        if (it.key() == "Content-Type") content_type = it.value();
      }
    }
    std::string credential = step.value("credential", "");
    if (credential == "snowflake") {
      headers.emplace("Authorization", "Bearer " + snowflake_jwt());
      headers.emplace("X-Snowflake-Authorization-Token-Type", "KEYPAIR_JWT");
    } else if (credential == "databricks") {
      headers.emplace("Authorization", std::string("Bearer ") + kDatabricksPat);
    } else if (credential == "google") {
      headers.emplace("Authorization", "Bearer " + google_);
    }
    std::string payload;
    if (body && body->is_object() && body->size() == 1 && body->contains("file")) {
      payload = read_file(dir_ / (*body)["file"].get<std::string>());
    } else if (body && !body->is_null()) {
      payload = fill_json(*body).dump();
    }
    std::string path = path_of(url);
    auto c = h_.client();
    httplib::Result r = method == "GET"      ? c.Get(path.c_str(), headers)
                        : method == "DELETE" ? c.Delete(path.c_str(), headers)
                        : method == "PUT"
                            ? c.Put(path.c_str(), headers, payload, content_type.c_str())
                            : c.Post(path.c_str(), headers, payload, content_type.c_str());
    Response out;
    if (!r) return out;
    out.status = r->status;
    out.text = r->body;
    out.body = Json::parse(r->body, nullptr, false);
    return out;
  }

  std::string run_step(const Json& step) {
    values_["REQUEST_ID"] = RandomIdSource().uuid4();
    if (step.contains("run_if")) {
      bool present = values_.count(step["run_if"]["placeholder"].get<std::string>()) > 0;
      if (present != step["run_if"]["present"].get<bool>()) return "";
    }
    const Json* body = step.contains("body") ? &step["body"] : nullptr;
    Response r = send(step["method"], step["url"], body, step);
    if (r.status < 200 || r.status >= 300) {
      return "HTTP " + std::to_string(r.status) + " " + r.text.substr(0, 400);
    }
    ran_.insert(step["step"].get<std::string>());
    if (step.contains("captures")) {
      for (auto it = step["captures"].begin(); it != step["captures"].end(); ++it) {
        Json::json_pointer ptr(it.value()["pointer"].get<std::string>());
        if (r.body.contains(ptr)) {
          values_[it.key()] = r.body[ptr];
        } else if (!it.value().value("optional", false)) {
          return "capture " + it.key() + " missing in " + r.text.substr(0, 300);
        }
      }
    }
    if (step.contains("checks")) {
      for (const auto& check : step["checks"]) {
        Json::json_pointer ptr(check["pointer"].get<std::string>());
        if (r.body.contains(ptr) != check.value("must_exist", true))
          return check.value("message", "check");
      }
    }
    if (step.contains("follow")) return follow(step, r);
    return "";
  }

  std::string follow(const Json& step, const Response& first) {
    const Json& f = step["follow"];
    const std::string kind = f["kind"];
    Json handle = first.body[Json::json_pointer(f["handle"].get<std::string>())];
    values_["HANDLE"] = handle;
    if (kind == "snowflake_statement") {
      if (first.status == 200) return "";
    }
    Response last = first;
    std::string verdict = "still running";
    bool done = eventually(
        [&] {
          last = send("GET", f["status_url"], nullptr, step);
          const Json& b = last.body;
          if (kind == "snowflake_statement") {
            if (last.status == 202) return false;
            verdict = last.status == 200 ? "" : "statement failed: " + last.text;
            return true;
          }
          if (kind == "databricks_cluster") {
            if (b.value("state", "") == "TERMINATED") {
              send("POST",
                   std::string(f["status_url"])
                       .replace(std::string(f["status_url"]).find("/get?"), 5, "/start?"),
                   nullptr, step);
            }
            verdict = "";
            return b.value("state", "") == "RUNNING";
          }
          if (kind == "databricks_context") {
            std::string s = b.value("status", "");
            verdict = s == "Running" ? "" : "context " + s;
            return s == "Running" || s == "Error";
          }
          if (kind == "databricks_command") {
            std::string s = b.value("status", "");
            if (s != "Finished" && s != "Error" && s != "Cancelled") return false;
            bool ok = s == "Finished" && b["results"].value("resultType", "") != "error";
            verdict = ok ? "" : "command " + s + ": " + b.dump();
            return true;
          }
          if (kind == "databricks_run") {
            std::string life = b["state"].value("life_cycle_state", "");
            if (life != "TERMINATED" && life != "INTERNAL_ERROR" && life != "SKIPPED") return false;
            verdict = b["state"].value("result_state", "") == "SUCCESS"
                          ? ""
                          : "run: " + b["state"].dump();
            return true;
          }
          if (kind == "dataproc_batch") {
            std::string s = b.value("state", "");
            if (s != "SUCCEEDED" && s != "FAILED" && s != "CANCELLED") return false;
            verdict = s == "SUCCEEDED" ? "" : "batch " + s + ": " + b.value("stateMessage", "");
            return true;
          }
          if (kind == "dataproc_job") {
            std::string s = b["status"].value("state", "");
            if (s != "DONE" && s != "ERROR" && s != "CANCELLED") return false;
            verdict = s == "DONE" ? "" : "job " + s + ": " + b["status"].dump();
            return true;
          }
          if (kind == "bigquery_job") {
            if (b["status"].value("state", "") != "DONE") return false;
            verdict = b["status"].contains("errorResult") ? "job: " + b["status"].dump() : "";
            return true;
          }
          verdict = "unknown follow kind " + kind;
          return true;
        },
        30);
    if (!done) return "timed out following " + kind + ": " + last.text.substr(0, 300);
    return verdict;
  }

  Harness& h_;
  std::filesystem::path dir_;
  std::map<std::string, Json> values_;
  std::set<std::string> ran_;
  std::string google_;
};

std::vector<std::filesystem::path> golden_dirs(const std::string& prefix) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(kGolden, ec)) {
    if (e.is_directory() && e.path().filename().string().rfind(prefix, 0) == 0 &&
        std::filesystem::exists(e.path() / "requests.json")) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string model_relation(const std::filesystem::path& dir, std::string* platform) {
  for (const char* f : {"model.py", "main.py", "notebook.py"}) {
    if (!std::filesystem::exists(dir / f)) continue;
    std::string src = read_file(dir / f);
    size_t at = src.find("# dbtpy-model: ");
    if (at == std::string::npos) continue;
    Json meta = Json::parse(src.substr(at + 15, src.find('\n', at) - at - 15));
    *platform = meta["platform"];
    return meta["relation"];
  }
  return "";
}

void replay_family(const std::string& prefix, const std::string& platform_key) {
  auto dirs = golden_dirs(prefix);
  ASSERT_FALSE(dirs.empty()) << "no golden payloads under " << kGolden;
  for (const auto& dir : dirs) {
    SCOPED_TRACE(dir.filename().string());
    Harness h(replay_config());
    Replayer r(h, dir);
    std::string error = r.play();
    EXPECT_EQ(error, "");
    std::string platform;
    std::string relation = model_relation(dir, &platform);
    ASSERT_FALSE(relation.empty());
    std::string catalog_platform = platform == "bigquery" ? "bigquery" : platform;
    EXPECT_TRUE(
        h.relations()[catalog_platform].contains(canonical_relation(catalog_platform, relation)))
        << h.relations().dump();
    // Nothing else is left behind (staging tables are dropped within the run or by the merge).
    EXPECT_EQ(h.relations()[catalog_platform].size(), 1u) << h.relations().dump();
    Json stats = h.stats();
    EXPECT_EQ(stats["executions"][platform_key], 1) << stats.dump();
  }
}

TEST(GoldenReplay, SnowflakePayloadsRunOnTheSandbox) {
  replay_family("snowflake_", "snowflake");
}
TEST(GoldenReplay, DatabricksPayloadsRunOnTheSandbox) {
  replay_family("databricks_", "databricks");
}
TEST(GoldenReplay, BigQueryPayloadsRunOnTheSandbox) {
  replay_family("bigquery_", "dataproc");
}

}  // namespace
}  // namespace dbtpy::sandbox::testing
