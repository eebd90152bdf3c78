#include "sandbox/catalog.h"

#include <spdlog/spdlog.h>

#include "util/fs.h"
#include "util/strings.h"

namespace dbtpy::sandbox {

std::string canonical_relation(std::string_view platform, std::string_view relation) {
  // Split on dots outside quotes; normalize each part by the platform's identifier rules.
  std::vector<std::string> parts;
  std::string cur;
  bool quoted = false;
  bool part_quoted = false;
  char quote = 0;
  for (char c : relation) {
    if (quoted) {
      if (c == quote) {
        quoted = false;
      } else {
        cur += c;
      }
      continue;
    }
    if (c == '"' || c == '`') {
      quoted = true;
      part_quoted = true;
      quote = c;
      continue;
    }
    if (c == '.') {
      parts.push_back(part_quoted || platform != "snowflake" ? cur : to_upper(cur));
      cur.clear();
      part_quoted = false;
      continue;
    }
    cur += c;
  }
  parts.push_back(part_quoted || platform != "snowflake" ? cur : to_upper(cur));
  for (auto& p : parts) {
    p = std::string(trim(p));
    if (platform == "databricks") p = to_lower(p);
  }
  return join(parts, ".");
}

Catalog::Catalog(std::filesystem::path state_dir, const Clock& clock) : clock_(clock) {
  if (state_dir.empty()) return;
  file_ = state_dir / "catalog.json";
  std::error_code ec;
  if (std::filesystem::exists(file_, ec)) {
    try {
      Json loaded = Json::parse(read_file(file_));
      if (loaded.is_object()) data_ = std::move(loaded);
    } catch (const std::exception& e) {
      spdlog::warn("ignoring unreadable {}: {}", file_.string(), e.what());
    }
  }
}

bool Catalog::record(std::string_view platform, std::string_view relation, const Json& info) {
  std::string key = canonical_relation(platform, relation);
  std::lock_guard<std::mutex> lock(mu_);
  Json& tables = data_[std::string(platform)];
  if (!tables.is_object()) tables = Json::object();
  bool existed = tables.contains(key);
  Json& entry = tables[key];
  if (!entry.is_object()) entry = Json::object();
  Json columns = entry.value("columns", Json::array());
  for (auto it = info.begin(); it != info.end(); ++it)
    entry[it.key()] = it.value();
  auto cols = info.find("columns");
  entry["columns"] = cols != info.end() && cols->is_array() && !cols->empty() ? *cols : columns;
  entry["writes"] = entry.value("writes", 0) + 1;
  const long long ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
          .count();
  if (!existed) entry["created_ms"] = ms;
  entry["updated_ms"] = ms;
  save_locked();
  return existed;
}

bool Catalog::drop(std::string_view platform, std::string_view relation) {
  std::string key = canonical_relation(platform, relation);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = data_.find(std::string(platform));
  if (it == data_.end() || !it->contains(key)) return false;
  it->erase(key);
  save_locked();
  return true;
}

std::optional<Json> Catalog::find(std::string_view platform, std::string_view relation) const {
  std::string key = canonical_relation(platform, relation);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = data_.find(std::string(platform));
  if (it == data_.end()) return std::nullopt;
  auto t = it->find(key);
  if (t == it->end()) return std::nullopt;
  return *t;
}

Json Catalog::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return data_;
}

void Catalog::save_locked() const {
  if (file_.empty()) return;
  try {
    write_file_atomic(file_, data_.dump(2) + "\n");
  } catch (const std::exception& e) {
    spdlog::error("cannot save the catalog: {}", e.what());
  }
}

}  // namespace dbtpy::sandbox
