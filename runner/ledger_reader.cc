#include "runner/ledger_reader.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

#include "runner/run_ledger.h"

namespace dbtpy::runner {
namespace fs = std::filesystem;

namespace {

std::string str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

struct ModelRecord {
  std::vector<submitters::RemoteHandle> handles;
  std::map<std::string, Json> sent;  // step -> before_send summary
  std::vector<std::string> sent_order;
  std::set<std::string> answered;       // steps with a recorded handle
  std::set<std::string> cleanup_steps;  // steps that are cleanups (replayed as such)
  std::map<std::string, Json> armed;    // cleanup step -> request, until done
  std::vector<std::string> armed_order;
  bool settled = false;  // finished with its remote work seen to end
};

}  // namespace

LedgerSummary read_ledger(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the run ledger " + path.string());
  LedgerSummary s;
  s.path = path;
  bool started = false;
  std::map<std::string, ModelRecord> models;
  std::vector<std::string> order;  // unique ids, first seen first
  auto model = [&](const std::string& id) -> ModelRecord& {
    auto [it, inserted] = models.try_emplace(id);
    if (inserted) order.push_back(id);
    return it->second;
  };

  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("event")) {
      ++s.bad_lines;
      continue;
    }
    const std::string event = str(j, "event");
    const std::string id = str(j, "unique_id");
    if (event == "run_started") {
      started = true;
      s.run_id = str(j, "run_id");
      s.project = str(j, "project");
      s.profile = str(j, "profile");
      s.target = str(j, "target");
      s.platform = str(j, "platform");
      s.started_at = str(j, "ts");
      s.host = str(j, "host");
      if (j.contains("pid") && j["pid"].is_number_integer()) s.pid = j["pid"].get<long long>();
    } else if (event == "model_started" && !id.empty()) {
      model(id);
      ++s.models;
    } else if (event == "handle" && !id.empty()) {
      submitters::RemoteHandle h;
      h.step = str(j, "step");
      h.kind = str(j, "kind");
      h.id = str(j, "id");
      h.url = str(j, "url");
      if (j.contains("detail")) h.detail = j["detail"];
      auto& hs = model(id).handles;
      // A handle recorded again (more became known) supersedes the earlier line.
      auto same = std::find_if(hs.begin(), hs.end(), [&](const submitters::RemoteHandle& o) {
        return o.step == h.step && o.id == h.id;
      });
      model(id).answered.insert(h.step);
      if (same != hs.end())
        *same = std::move(h);
      else
        hs.push_back(std::move(h));
    } else if (event == "before_send" && !id.empty()) {
      ModelRecord& m = model(id);
      const std::string step = str(j, "step");
      if (!m.sent.count(step)) m.sent_order.push_back(step);
      m.sent[step] = j.contains("request") ? j["request"] : Json::object();
    } else if (event == "cleanup" && !id.empty()) {
      ModelRecord& m = model(id);
      const std::string step = str(j, "step");
      m.cleanup_steps.insert(step);
      const bool done = j.value("done", false);
      if (done) {
        m.armed.erase(step);
      } else {
        if (!m.armed.count(step)) m.armed_order.push_back(step);
        m.armed[step] = j.contains("request") ? j["request"] : Json::object();
      }
    } else if (event == "model_finished" && !id.empty()) {
      model(id).settled = j.value("settled", false);
    } else if (event == "run_finished") {
      s.finished_at = str(j, "ts");
      s.status = str(j, "status");
    } else if (event == "cancel_replayed") {
      s.replayed = s.replayed || j.value("ok", true);
    }
  }
  if (!started)
    throw std::runtime_error("not a dbtpy run ledger (no run_started line): " + path.string());
  for (const auto& id : order) {
    const ModelRecord& m = models[id];
    if (!m.settled) {
      for (const auto& h : m.handles) {
        submitters::LedgerItem item;
        item.unique_id = id;
        item.handle = h;
        s.open_items.push_back(std::move(item));
      }
      // Sent, but the run died before the answer (and its handle) was written.
      for (const auto& step : m.sent_order) {
        if (m.answered.count(step) || m.cleanup_steps.count(step)) continue;
        if (!submitters::may_start_remote_work(m.sent.at(step))) continue;
        submitters::LedgerItem item;
        item.unique_id = id;
        item.step = step;
        item.unanswered = m.sent.at(step);
        s.open_items.push_back(std::move(item));
      }
    }
    for (const auto& step : m.armed_order) {
      auto it = m.armed.find(step);
      if (it == m.armed.end()) continue;
      submitters::LedgerItem item;
      item.unique_id = id;
      item.cleanup = it->second;
      s.open_items.push_back(std::move(item));
    }
  }
  s.active = ledger_is_active(path);
  return s;
}

std::vector<fs::path> list_ledgers(const fs::path& dir) {
  std::vector<std::pair<fs::file_time_type, fs::path>> found;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return {};
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".jsonl")
      found.emplace_back(e.last_write_time(), e.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> paths;
  for (auto& f : found)
    paths.push_back(std::move(f.second));
  return paths;
}

}  // namespace dbtpy::runner
