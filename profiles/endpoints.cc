#include "profiles/endpoints.h"

#include <algorithm>
#include <cstdlib>

#include "util/error.h"
#include "util/strings.h"

namespace dbtpy::profiles {

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

std::string normalize_base_url(std::string_view url, std::string_view default_scheme) {
  std::string out(trim(url));
  if (out.find("://") == std::string::npos) out = std::string(default_scheme) + "://" + out;
  while (!out.empty() && out.back() == '/')
    out.pop_back();
  return out;
}

std::string snowflake_account_host(std::string_view account) {
  std::string a = to_lower(trim(account));
  if (auto scheme = a.find("://"); scheme != std::string::npos) a = a.substr(scheme + 3);
  while (!a.empty() && a.back() == '/')
    a.pop_back();
  // Users paste the whole host into `account` too.
  for (std::string_view suffix : {".snowflakecomputing.com", ".snowflakecomputing.cn"}) {
    if (a.ends_with(suffix)) return a;
  }
  // Host names cannot hold '_': Snowflake serves account names with '_' under '-' (as
  // dbt-snowflake rewrites them).
  std::replace(a.begin(), a.end(), '_', '-');
  return a + ".snowflakecomputing.com";
}

namespace {

[[noreturn]] void missing(const Target& t, std::string_view field, std::string_view why) {
  throw_usage_error(
      "DBTPY210",
      "profile target '" + t.name + "' has no `" + std::string(field) + "`: " + std::string(why),
      "add `" + std::string(field) + ":` to the target in profiles.yml", t.source_file,
      t.source_line);
}

std::string snowflake_url(const Target& t) {
  std::string protocol = to_lower(t.string_field("protocol").value_or("https"));
  std::string host;
  if (auto h = t.string_field("host"); h && !h->empty()) {
    host = *h;
  } else if (auto a = t.string_field("account"); a && !a->empty()) {
    host = snowflake_account_host(*a);
  } else {
    missing(t, "account", "the Snowflake URL is <account>.snowflakecomputing.com");
  }
  if (host.find("://") != std::string::npos) return normalize_base_url(host);
  std::string url = protocol + "://" + host;
  if (auto port = t.int_field("port")) {
    bool default_port =
        (protocol == "https" && *port == 443) || (protocol == "http" && *port == 80);
    if (!default_port) url += ":" + std::to_string(*port);
  }
  return url;
}

}  // namespace

Endpoints resolve_endpoints(const Target& t, const EnvLookup& env) {
  Endpoints e;
  switch (t.platform) {
    case Platform::kSnowflake:
      e.snowflake = snowflake_url(t);
      break;
    case Platform::kDatabricks: {
      auto host = t.string_field("host");
      if (!host || host->empty()) missing(t, "host", "the Databricks workspace URL is needed");
      e.databricks = normalize_base_url(*host);
      break;
    }
    case Platform::kBigQuery: {
      if (auto d = t.string_field("dataproc_endpoint"); d && !d->empty()) {
        e.dataproc = normalize_base_url(*d);
      } else if (auto r = t.string_field("compute_region")
                              .value_or(t.string_field("dataproc_region").value_or(""));
                 !r.empty()) {
        e.dataproc = "https://" + r + "-dataproc.googleapis.com";
      }
      if (auto s = t.string_field("storage_endpoint"); s && !s->empty()) {
        e.storage = normalize_base_url(*s);
      } else if (auto emu = env ? env("STORAGE_EMULATOR_HOST") : std::nullopt;
                 emu && !emu->empty()) {
        e.storage = normalize_base_url(*emu, "http");
      } else {
        e.storage = "https://storage.googleapis.com";
      }
      if (auto b = t.string_field("bigquery_endpoint"); b && !b->empty()) {
        e.bigquery = normalize_base_url(*b);
      } else {
        e.bigquery = "https://bigquery.googleapis.com";
      }
      break;
    }
  }
  return e;
}

}  // namespace dbtpy::profiles
