// Workspace API 2.0: mkdirs, import, get-status, delete. Notebooks and files are mirrored to
// <state-dir>/databricks-workspace so they survive a restart and can be inspected.
#include <spdlog/spdlog.h>

#include "sandbox/databricks/databricks_api.h"
#include "sandbox/databricks/errors.h"
#include "sandbox/http/params.h"
#include "util/base64.h"
#include "util/fs.h"
#include "util/strings.h"

namespace dbtpy::sandbox::databricks {
namespace {

long long epoch_ms(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
      .count();
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == 0 || slash == std::string::npos) return "/";
  return path.substr(0, slash);
}

Reply path_missing(const std::string& path) {
  return dbx_error(404, "RESOURCE_DOES_NOT_EXIST", "Path (" + path + ") doesn't exist.");
}

}  // namespace

std::string DatabricksApi::normalize_path(const std::string& path) const {
  std::string p = path;
  // /Workspace/Users/x and /Users/x name the same object.
  if (p == "/Workspace") return "/";
  if (p.rfind("/Workspace/", 0) == 0) p = p.substr(10);
  while (p.size() > 1 && p.back() == '/')
    p.pop_back();
  return p;
}

std::optional<Reply> DatabricksApi::check_path(const Json& body, const char* field,
                                               std::string& out) const {
  std::string raw;
  if (auto e = require_string(body, field, raw)) return e;
  if (raw.front() != '/') {
    return dbx_error(400, "INVALID_PARAMETER_VALUE", "Path (" + raw + ") doesn't start with '/'");
  }
  if (raw.find("/../") != std::string::npos || raw.find("//") != std::string::npos) {
    return dbx_error(400, "INVALID_PARAMETER_VALUE", "Invalid path: " + raw);
  }
  out = normalize_path(raw);
  return std::nullopt;
}

void DatabricksApi::save_workspace_object(const std::string& path, const WsObject& o) {
  if (workspace_dir_.empty() || o.type == "DIRECTORY") return;
  try {
    Json meta = {{"type", o.type}, {"language", o.language}, {"path", path}};
    std::string name = url_encode(path);
    write_file_atomic(workspace_dir_ / (name + ".content"), o.content);
    write_file_atomic(workspace_dir_ / (name + ".json"), meta.dump());
  } catch (const std::exception& e) {
    spdlog::error("cannot mirror workspace object {}: {}", path, e.what());
  }
}

void DatabricksApi::remove_workspace_object(const std::string& path) {
  if (workspace_dir_.empty()) return;
  std::error_code ec;
  std::string name = url_encode(path);
  std::filesystem::remove(workspace_dir_ / (name + ".content"), ec);
  std::filesystem::remove(workspace_dir_ / (name + ".json"), ec);
}

void DatabricksApi::load_workspace() {
  if (workspace_dir_.empty()) return;
  std::error_code ec;
  if (!std::filesystem::is_directory(workspace_dir_, ec)) return;
  const long long t = epoch_ms(clock_);
  for (const auto& entry : std::filesystem::directory_iterator(workspace_dir_, ec)) {
    if (entry.path().extension() != ".json") continue;
    try {
      Json meta = Json::parse(read_file(entry.path()));
      std::string path = meta.at("path");
      auto content_file = entry.path();
      content_file.replace_extension(".content");
      WsObject o{meta.value("type", "NOTEBOOK"),
                 meta.value("language", ""),
                 read_file(content_file),
                 next_id(),
                 t,
                 t};
      // Recreate the parent folders the object lives in.
      for (std::string p = parent_of(path); !workspace_.count(p); p = parent_of(p)) {
        workspace_[p] = WsObject{"DIRECTORY", "", "", next_id(), t, t};
      }
      workspace_[path] = std::move(o);
    } catch (const std::exception& e) {
      spdlog::warn("ignoring workspace mirror {}: {}", entry.path().string(), e.what());
    }
  }
}

Reply DatabricksApi::workspace_mkdirs(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  std::optional<Reply> err;
  Json body = body_object(ex, err);
  if (err) return *err;
  std::string path;
  if (auto e = check_path(body, "path", path)) return *e;
  ex.log_keys["path"] = path;
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> chain;
  for (std::string p = path; p != "/"; p = parent_of(p))
    chain.push_back(p);
  const long long t = epoch_ms(clock_);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    auto found = workspace_.find(*it);
    if (found == workspace_.end()) {
      workspace_[*it] = WsObject{"DIRECTORY", "", "", next_id(), t, t};
    } else if (found->second.type != "DIRECTORY") {
      return dbx_error(400, "RESOURCE_ALREADY_EXISTS",
                       "Node named '" + it->substr(it->rfind('/') + 1) + "' already exists");
    }
  }
  return Reply::json(200, Json::object());
}

Reply DatabricksApi::workspace_import(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  std::optional<Reply> err;
  Json body = body_object(ex, err);
  if (err) return *err;
  std::string path;
  if (auto e = check_path(body, "path", path)) return *e;
  ex.log_keys["path"] = path;
  std::string format = "SOURCE";
  std::string language;
  std::string content_b64;
  bool overwrite = false;
  if (auto e = optional_string(body, "format", format)) return *e;
  if (auto e = optional_string(body, "language", language)) return *e;
  if (auto e = optional_string(body, "content", content_b64)) return *e;
  if (auto e = optional_bool(body, "overwrite", overwrite)) return *e;
  static const std::vector<std::string> kFormats = {"AUTO", "SOURCE",     "HTML", "JUPYTER",
                                                    "DBC",  "R_MARKDOWN", "RAW"};
  static const std::vector<std::string> kLanguages = {"PYTHON", "SCALA", "SQL", "R"};
  if (std::find(kFormats.begin(), kFormats.end(), format) == kFormats.end()) {
    return dbx_error(400, "INVALID_PARAMETER_VALUE",
                     "Invalid value for format: '" + format +
                         "' (use AUTO, SOURCE, HTML, JUPYTER, DBC, R_MARKDOWN or RAW)");
  }
  if (!language.empty() &&
      std::find(kLanguages.begin(), kLanguages.end(), language) == kLanguages.end()) {
    return dbx_error(
        400, "INVALID_PARAMETER_VALUE",
        "Invalid value for language: '" + language + "' (use PYTHON, SCALA, SQL or R)");
  }
  if (format == "SOURCE" && language.empty()) {
    return dbx_error(400, "INVALID_PARAMETER_VALUE",
                     "The language field is required when format is SOURCE.");
  }
  auto content = base64_decode(content_b64);
  if (!content) {
    return dbx_error(400, "INVALID_PARAMETER_VALUE", "The content is not valid base64.");
  }
  if (static_cast<long long>(content->size()) > config_.databricks.max_import_bytes) {
    return dbx_error(400, "MAX_NOTEBOOK_SIZE_EXCEEDED",
                     "File size imported is (" + std::to_string(content->size()) +
                         " bytes), exceeded max size (" +
                         std::to_string(config_.databricks.max_import_bytes) + " bytes)");
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::string parent = parent_of(path);
  auto p = workspace_.find(parent);
  if (p == workspace_.end() || p->second.type != "DIRECTORY") {
    return dbx_error(404, "RESOURCE_DOES_NOT_EXIST",
                     "The parent folder (" + parent + ") does not exist.");
  }
  auto existing = workspace_.find(path);
  if (existing != workspace_.end() && (!overwrite || existing->second.type == "DIRECTORY")) {
    return dbx_error(400, "RESOURCE_ALREADY_EXISTS", "Path (" + path + ") already exists.");
  }
  const long long t = epoch_ms(clock_);
  WsObject o;
  o.type = format == "RAW" || (format == "AUTO" && language.empty()) ? "FILE" : "NOTEBOOK";
  o.language = o.type == "NOTEBOOK" ? (language.empty() ? "PYTHON" : language) : "";
  o.content = std::move(*content);
  o.object_id = existing != workspace_.end() ? existing->second.object_id : next_id();
  o.created_ms = existing != workspace_.end() ? existing->second.created_ms : t;
  o.modified_ms = t;
  save_workspace_object(path, o);
  workspace_[path] = std::move(o);
  return Reply::json(200, Json::object());
}

Reply DatabricksApi::workspace_get_status(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  if (!ex.has_query("path")) return missing_field("path");
  std::string raw = ex.query("path");
  if (raw.empty() || raw.front() != '/') {
    return dbx_error(400, "INVALID_PARAMETER_VALUE", "Path (" + raw + ") doesn't start with '/'");
  }
  std::string path = normalize_path(raw);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = workspace_.find(path);
  if (it == workspace_.end()) return path_missing(path);
  const WsObject& o = it->second;
  Json j = {{"object_type", o.type},      {"path", path},
            {"object_id", o.object_id},   {"resource_id", std::to_string(o.object_id)},
            {"created_at", o.created_ms}, {"modified_at", o.modified_ms}};
  if (!o.language.empty()) j["language"] = o.language;
  if (o.type == "FILE") j["size"] = o.content.size();
  return Reply::json(200, j);
}

Reply DatabricksApi::workspace_delete(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  std::optional<Reply> err;
  Json body = body_object(ex, err);
  if (err) return *err;
  std::string path;
  bool recursive = false;
  if (auto e = check_path(body, "path", path)) return *e;
  if (auto e = optional_bool(body, "recursive", recursive)) return *e;
  ex.log_keys["path"] = path;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = workspace_.find(path);
  if (it == workspace_.end()) return path_missing(path);
  if (path == "/")
    return dbx_error(400, "INVALID_PARAMETER_VALUE", "Cannot delete the root folder");
  std::string prefix = path + "/";
  std::vector<std::string> children;
  for (auto c = workspace_.lower_bound(prefix);
       c != workspace_.end() && c->first.compare(0, prefix.size(), prefix) == 0; ++c) {
    children.push_back(c->first);
  }
  if (!children.empty() && !recursive) {
    return dbx_error(400, "DIRECTORY_NOT_EMPTY", "Folder (" + path + ") is not empty");
  }
  for (const auto& c : children) {
    remove_workspace_object(c);
    workspace_.erase(c);
  }
  remove_workspace_object(path);
  workspace_.erase(path);
  return Reply::json(200, Json::object());
}

}  // namespace dbtpy::sandbox::databricks
