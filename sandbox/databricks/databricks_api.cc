// Routes, authentication, identity (OIDC token, SCIM Me), clusters and libraries.
#include "sandbox/databricks/databricks_api.h"

#include "sandbox/databricks/errors.h"
#include "sandbox/http/params.h"
#include "util/base64.h"
#include "util/strings.h"

namespace dbtpy::sandbox::databricks {
namespace {

long long epoch_ms(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
      .count();
}

std::chrono::steady_clock::duration secs(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(s));
}

const char* const kLibraryKinds[] = {"pypi", "maven", "cran", "jar", "egg", "whl", "requirements"};

}  // namespace

Reply DatabricksApi::error(int status, const std::string& message) {
  std::string code = "INVALID_PARAMETER_VALUE";
  switch (status) {
    case 404:
      code = "ENDPOINT_NOT_FOUND";
      break;
    case 405:
      code = "ENDPOINT_NOT_FOUND";
      break;
    case 429:
      code = "REQUEST_LIMIT_EXCEEDED";
      break;
    case 500:
      code = "INTERNAL_ERROR";
      break;
    case 503:
      code = "TEMPORARILY_UNAVAILABLE";
      break;
    default:
      if (status > 500) code = "INTERNAL_ERROR";
  }
  return dbx_error(status, code, message);
}

DatabricksApi::DatabricksApi(const SandboxConfig& config, const Clock& clock, Random& random,
                             Stats& stats, Catalog& catalog, RunPlanner& planner,
                             std::filesystem::path state_dir)
    : config_(config),
      clock_(clock),
      random_(random),
      stats_(stats),
      catalog_(catalog),
      planner_(planner),
      tokens_(clock) {
  if (!state_dir.empty()) workspace_dir_ = state_dir / "databricks-workspace";
  id_counter_ = random_.integer(100000000000LL, 900000000000LL);
  const SteadyTime now = clock.steady_now();
  for (const auto& c : config.databricks.clusters) {
    Cluster cl;
    cl.cfg = c;
    cl.state = c.state;
    cl.running_since = now;
    cl.pending_since = now;
    if (cl.state == "RUNNING") cl.start_time_ms = epoch_ms(clock);
    for (const auto& lib : c.libraries)
      cl.libraries.push_back({lib, now, true});
    clusters_[c.cluster_id] = std::move(cl);
  }
  const long long t = epoch_ms(clock);
  for (const std::string dir : {"/", "/Users", "/Shared", "/Repos"}) {
    workspace_[dir] = WsObject{"DIRECTORY", "", "", next_id(), t, t};
  }
  workspace_["/Users/" + config.databricks.user_name] =
      WsObject{"DIRECTORY", "", "", next_id(), t, t};
  for (const auto& j : config.databricks.jobs) {
    Job job{j.job_id, j.settings, t};
    if (!job.settings.contains("name")) job.settings["name"] = "Untitled";
    jobs_[j.job_id] = std::move(job);
  }
  load_workspace();
}

long long DatabricksApi::next_id() {
  return ++id_counter_;
}

void DatabricksApi::register_routes(Router& r) {
  auto bind = [this](Reply (DatabricksApi::*fn)(Exchange&)) {
    return [this, fn](Exchange& ex) { return (this->*fn)(ex); };
  };
  r.add("POST", "/oidc/v1/token", "databricks.oidc.token", bind(&DatabricksApi::oidc_token));
  // OAuth clients (the Databricks SDKs among them) discover the token endpoint here first.
  r.add("GET", "/oidc/.well-known/oauth-authorization-server", "databricks.oidc.discovery",
        [](Exchange& ex) {
          return Reply::json(200, {{"issuer", ex.base_url + "/oidc"},
                                   {"authorization_endpoint", ex.base_url + "/oidc/v1/authorize"},
                                   {"token_endpoint", ex.base_url + "/oidc/v1/token"},
                                   {"grant_types_supported",
                                    {"client_credentials", "authorization_code", "refresh_token"}},
                                   {"scopes_supported", {"all-apis", "offline_access"}}});
        });
  r.add("GET", "/api/2.0/preview/scim/v2/Me", "databricks.scim.me", bind(&DatabricksApi::scim_me));
  for (const char* v : {"2.0", "2.1"}) {
    std::string p = std::string("/api/") + v;
    r.add("GET", p + "/clusters/get", "databricks.clusters.get",
          bind(&DatabricksApi::clusters_get));
    r.add("POST", p + "/clusters/start", "databricks.clusters.start",
          bind(&DatabricksApi::clusters_start));
  }
  r.add("POST", "/api/2.0/libraries/install", "databricks.libraries.install",
        bind(&DatabricksApi::libraries_install));
  r.add("GET", "/api/2.0/libraries/cluster-status", "databricks.libraries.cluster_status",
        bind(&DatabricksApi::libraries_status));
  r.add("POST", "/api/1.2/contexts/create", "databricks.contexts.create",
        bind(&DatabricksApi::contexts_create));
  r.add("GET", "/api/1.2/contexts/status", "databricks.contexts.status",
        bind(&DatabricksApi::contexts_status));
  r.add("POST", "/api/1.2/contexts/destroy", "databricks.contexts.destroy",
        bind(&DatabricksApi::contexts_destroy));
  r.add("POST", "/api/1.2/commands/execute", "databricks.commands.execute",
        bind(&DatabricksApi::commands_execute));
  r.add("GET", "/api/1.2/commands/status", "databricks.commands.status",
        bind(&DatabricksApi::commands_status));
  r.add("POST", "/api/1.2/commands/cancel", "databricks.commands.cancel",
        bind(&DatabricksApi::commands_cancel));
  r.add("POST", "/api/2.0/workspace/mkdirs", "databricks.workspace.mkdirs",
        bind(&DatabricksApi::workspace_mkdirs));
  r.add("POST", "/api/2.0/workspace/import", "databricks.workspace.import",
        bind(&DatabricksApi::workspace_import));
  r.add("GET", "/api/2.0/workspace/get-status", "databricks.workspace.get_status",
        bind(&DatabricksApi::workspace_get_status));
  r.add("POST", "/api/2.0/workspace/delete", "databricks.workspace.delete",
        bind(&DatabricksApi::workspace_delete));
  for (const char* v : {"2.1", "2.2"}) {
    std::string p = std::string("/api/") + v + "/jobs";
    r.add("POST", p + "/runs/submit", "databricks.runs.submit", bind(&DatabricksApi::runs_submit));
    r.add("GET", p + "/runs/get", "databricks.runs.get", bind(&DatabricksApi::runs_get));
    r.add("GET", p + "/runs/get-output", "databricks.runs.get_output",
          bind(&DatabricksApi::runs_get_output));
    r.add("POST", p + "/runs/cancel", "databricks.runs.cancel", bind(&DatabricksApi::runs_cancel));
    r.add("POST", p + "/create", "databricks.jobs.create", bind(&DatabricksApi::jobs_create));
    r.add("POST", p + "/reset", "databricks.jobs.reset", bind(&DatabricksApi::jobs_reset));
    r.add("GET", p + "/list", "databricks.jobs.list", bind(&DatabricksApi::jobs_list));
    r.add("GET", p + "/get", "databricks.jobs.get", bind(&DatabricksApi::jobs_get));
    r.add("POST", p + "/run-now", "databricks.jobs.run_now", bind(&DatabricksApi::jobs_run_now));
  }
}

void DatabricksApi::tick() {
  std::lock_guard<std::mutex> lock(mu_);
  const SteadyTime now = clock_.steady_now();
  for (auto& [id, c] : clusters_)
    cluster_state(c, now);
  for (auto& [id, cmd] : commands_) {
    if (!cmd.finalized) command_status(cmd, now, nullptr);
  }
  for (auto& [id, run] : runs_) {
    if (!run.finalized) advance_run(run, now);
  }
}

std::optional<Reply> DatabricksApi::authenticate(Exchange& ex) {
  std::string authz = ex.header("Authorization");
  if (authz.size() < 7 || !iequals(authz.substr(0, 7), "Bearer ")) {
    // Databricks answers a missing credential with a numeric error_code, as observed.
    return Reply::json(401, {{"error_code", 401},
                             {"message",
                              "Credential was not sent or was of an unsupported type for this "
                              "API."}});
  }
  std::string token(trim(std::string_view(authz).substr(7)));
  for (const auto& pat : config_.databricks.personal_access_tokens) {
    if (pat == token) return std::nullopt;
  }
  IssuedToken info;
  auto status = tokens_.lookup(token, &info);
  if (status == TokenStore::Status::kValid) return std::nullopt;
  std::string id = random_.uuid4();
  stats_.auth_failure(
      "databricks", id,
      status == TokenStore::Status::kExpired ? "OAuth token expired" : "unknown bearer token");
  return Reply::json(403, {{"error_code", 403}, {"message", "Invalid access token."}});
}

Json DatabricksApi::body_object(Exchange& ex, std::optional<Reply>& err) {
  if (ex.req.body.empty()) return Json::object();
  Json body = Json::parse(ex.req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    err = dbx_error(400, "MALFORMED_REQUEST",
                    "Invalid JSON given in the body of the request - expected a map");
    return Json::object();
  }
  return body;
}

Reply DatabricksApi::oidc_token(Exchange& ex) {
  // Client credentials: HTTP Basic (client_id:client_secret) or form fields.
  if (ex.content_type() != "application/x-www-form-urlencoded") {
    return Reply::json(
        400, {{"error", "invalid_request"},
              {"error_description", "Content-Type must be application/x-www-form-urlencoded"}});
  }
  auto form = parse_form(ex.req.body);
  std::string client_id = form["client_id"];
  std::string client_secret = form["client_secret"];
  std::string authz = ex.header("Authorization");
  if (authz.size() > 6 && iequals(authz.substr(0, 6), "Basic ")) {
    auto decoded = base64_decode(trim(std::string_view(authz).substr(6)));
    if (decoded) {
      auto colon = decoded->find(':');
      client_id = url_decode(decoded->substr(0, colon));
      client_secret = colon == std::string::npos ? "" : url_decode(decoded->substr(colon + 1));
    }
  }
  ex.log_keys["client_id"] = client_id;
  if (form["grant_type"] != "client_credentials") {
    return Reply::json(400, {{"error", "unsupported_grant_type"},
                             {"error_description", "grant_type must be client_credentials, got '" +
                                                       form["grant_type"] + "'"}});
  }
  bool known = false;
  for (const auto& c : config_.databricks.oauth_clients) {
    if (c.client_id == client_id && c.client_secret == client_secret) known = true;
  }
  if (!known) {
    stats_.auth_failure("databricks", random_.uuid4(), "OIDC client authentication failed");
    return Reply::json(
        401, {{"error", "invalid_client"}, {"error_description", "Client authentication failed"}});
  }
  std::string scope = form.count("scope") ? form["scope"] : "all-apis";
  if (scope != "all-apis" && scope.find("all-apis") == std::string::npos) {
    return Reply::json(400, {{"error", "invalid_scope"},
                             {"error_description", "Requested scope is not allowed: " + scope}});
  }
  double lifetime = config_.token_expire_after.value_or(3600);
  std::string token = "dsa" + random_.hex(40);
  tokens_.add(token,
              {client_id,
               {scope},
               clock_.now() + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                  std::chrono::duration<double>(lifetime))});
  return Reply::json(200, {{"access_token", token},
                           {"token_type", "Bearer"},
                           {"expires_in", static_cast<long long>(lifetime)},
                           {"scope", scope}});
}

Reply DatabricksApi::scim_me(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  const std::string& user = config_.databricks.user_name;
  return Reply::json(200, {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:User"}},
                           {"id", std::to_string(config_.databricks.workspace_id % 100000000)},
                           {"userName", user},
                           {"displayName", user.substr(0, user.find('@'))},
                           {"active", true},
                           {"emails", {{{"type", "work"}, {"value", user}, {"primary", true}}}},
                           {"groups", Json::array({{{"display", "users"}, {"type", "direct"}}})}});
}

std::string DatabricksApi::cluster_state(Cluster& c, SteadyTime now) {
  if (c.state == "PENDING" && now >= c.pending_since + secs(c.cfg.start_seconds)) {
    c.state = "RUNNING";
    c.running_since = c.pending_since + secs(c.cfg.start_seconds);
  }
  return c.state;
}

void DatabricksApi::start_cluster(Cluster& c, SteadyTime now) {
  if (cluster_state(c, now) != "TERMINATED") return;
  c.state = "PENDING";
  c.pending_since = now;
  c.start_time_ms = epoch_ms(clock_);
}

std::string DatabricksApi::library_status(Cluster& c, const Library& l, SteadyTime now) {
  if (cluster_state(c, now) != "RUNNING") return "PENDING";
  if (l.preinstalled) return "INSTALLED";
  SteadyTime from = std::max(l.requested, c.running_since);
  double d = config_.databricks.library_install_seconds;
  if (now < from + secs(d / 3)) return "PENDING";
  if (now < from + secs(d)) return "INSTALLING";
  return "INSTALLED";
}

Json DatabricksApi::cluster_json(Cluster& c, SteadyTime now) {
  std::string state = cluster_state(c, now);
  Json j = {
      {"cluster_id", c.cfg.cluster_id},
      {"cluster_name", c.cfg.cluster_name},
      {"spark_version", c.cfg.spark_version},
      {"node_type_id", c.cfg.node_type_id},
      {"driver_node_type_id", c.cfg.node_type_id},
      {"num_workers", 1},
      {"autotermination_minutes", 120},
      {"state", state},
      {"creator_user_name", config_.databricks.user_name},
      {"cluster_source", "UI"},
      {"data_security_mode", "SINGLE_USER"},
      {"single_user_name", config_.databricks.user_name},
      {"spark_context_id", 0},
      {"default_tags", {{"ClusterId", c.cfg.cluster_id}, {"ClusterName", c.cfg.cluster_name}}}};
  if (state == "PENDING") {
    j["state_message"] = "Finding instances for new nodes, acquiring more instances if necessary";
  } else {
    j["state_message"] = "";
  }
  if (c.start_time_ms) j["start_time"] = c.start_time_ms;
  if (state == "TERMINATED") {
    j["termination_reason"] = {{"code", "INACTIVITY"},
                               {"type", "SUCCESS"},
                               {"parameters", {{"inactivity_duration_min", "120"}}}};
  }
  return j;
}

Reply DatabricksApi::clusters_get(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  if (!ex.has_query("cluster_id")) return missing_field("cluster_id");
  std::string id = ex.query("cluster_id");
  ex.log_keys["cluster_id"] = id;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clusters_.find(id);
  if (it == clusters_.end()) return cluster_missing(id);
  return Reply::json(200, cluster_json(it->second, clock_.steady_now()));
}

Reply DatabricksApi::clusters_start(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  std::optional<Reply> err;
  Json body = body_object(ex, err);
  if (err) return *err;
  std::string id;
  if (auto e = require_string(body, "cluster_id", id)) return *e;
  ex.log_keys["cluster_id"] = id;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clusters_.find(id);
  if (it == clusters_.end()) return cluster_missing(id);
  const SteadyTime now = clock_.steady_now();
  std::string state = cluster_state(it->second, now);
  if (state != "TERMINATED") {
    std::string pretty = to_lower(state);
    pretty[0] = static_cast<char>(std::toupper(pretty[0]));
    return dbx_error(400, "INVALID_STATE",
                     "Cluster " + id + " is in unexpected state " + pretty + ".");
  }
  start_cluster(it->second, now);
  return Reply::json(200, Json::object());
}

Reply DatabricksApi::libraries_install(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  std::optional<Reply> err;
  Json body = body_object(ex, err);
  if (err) return *err;
  std::string id;
  if (auto e = require_string(body, "cluster_id", id)) return *e;
  if (!body.contains("libraries")) return missing_field("libraries");
  if (!body["libraries"].is_array()) {
    return dbx_error(400, "MALFORMED_REQUEST",
                     "Could not parse request object: libraries must be an array");
  }
  for (const auto& lib : body["libraries"]) {
    if (auto e = validate_library(lib)) return *e;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clusters_.find(id);
  if (it == clusters_.end()) return cluster_missing(id);
  const SteadyTime now = clock_.steady_now();
  for (const auto& lib : body["libraries"]) {
    bool present = false;
    for (const auto& have : it->second.libraries)
      present = present || have.spec == lib;
    if (!present) it->second.libraries.push_back({lib, now, false});
  }
  return Reply::json(200, Json::object());
}

Reply DatabricksApi::libraries_status(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  if (!ex.has_query("cluster_id")) return missing_field("cluster_id");
  std::string id = ex.query("cluster_id");
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clusters_.find(id);
  if (it == clusters_.end()) return cluster_missing(id);
  const SteadyTime now = clock_.steady_now();
  Json j = {{"cluster_id", id}};
  if (!it->second.libraries.empty()) {
    Json statuses = Json::array();
    for (const auto& lib : it->second.libraries) {
      statuses.push_back({{"library", lib.spec},
                          {"status", library_status(it->second, lib, now)},
                          {"is_library_for_all_clusters", false}});
    }
    j["library_statuses"] = statuses;
  }
  return Reply::json(200, j);
}

std::optional<Reply> validate_library(const Json& lib) {
  if (!lib.is_object()) {
    return dbx_error(400, "MALFORMED_REQUEST",
                     "Could not parse request object: a library must be an object");
  }
  int kinds = 0;
  for (const char* k : kLibraryKinds)
    kinds += lib.contains(k) ? 1 : 0;
  if (kinds != 1) {
    return dbx_error(400, "INVALID_PARAMETER_VALUE",
                     "A library must have exactly one of pypi, maven, cran, jar, egg, whl or "
                     "requirements: " +
                         lib.dump());
  }
  if (lib.contains("pypi")) {
    if (!lib["pypi"].is_object() || !lib["pypi"].contains("package") ||
        !lib["pypi"]["package"].is_string()) {
      return dbx_error(400, "INVALID_PARAMETER_VALUE", "Missing required field: pypi.package");
    }
  } else if (lib.contains("maven")) {
    if (!lib["maven"].is_object() || !lib["maven"].contains("coordinates")) {
      return dbx_error(400, "INVALID_PARAMETER_VALUE", "Missing required field: maven.coordinates");
    }
  } else if (lib.contains("cran")) {
    if (!lib["cran"].is_object() || !lib["cran"].contains("package")) {
      return dbx_error(400, "INVALID_PARAMETER_VALUE", "Missing required field: cran.package");
    }
  } else {
    for (const char* k : {"jar", "egg", "whl", "requirements"}) {
      if (lib.contains(k) && !lib[k].is_string()) {
        return dbx_error(400, "INVALID_PARAMETER_VALUE",
                         std::string("Invalid value for field ") + k + ": expected a string");
      }
    }
  }
  return std::nullopt;
}

}  // namespace dbtpy::sandbox::databricks
