#include "submitters/http/client_options.h"

#include "submitters/http/curl_api.h"
#include "submitters/http/url.h"
#include "util/strings.h"
#include "util/version.h"

namespace dbtpy::submitters::http {
namespace {

std::string first_set(const EnvLookup& env, std::initializer_list<std::string_view> names) {
  if (!env) return {};
  for (auto n : names) {
    if (auto v = env(n); v && !trim(*v).empty()) return std::string(trim(*v));
  }
  return {};
}

}  // namespace

std::string default_user_agent() {
  return std::string("dbtpy/") + kVersion;
}

std::vector<std::string> proxy_secrets(const ClientOptions& options) {
  std::vector<std::string> out;
  for (const std::string& proxy : {options.https_proxy, options.http_proxy}) {
    if (proxy.empty()) continue;
    const CurlApi& curl = curl_api();
    CURLU* u = curl.url();
    if (!u) continue;
    std::string url = proxy.find("://") == std::string::npos ? "http://" + proxy : proxy;
    if (curl.url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
      char* pw = nullptr;
      if (curl.url_get(u, CURLUPART_PASSWORD, &pw, CURLU_URLDECODE) == CURLUE_OK && pw) {
        out.emplace_back(pw);
        curl.free(pw);
      }
    }
    curl.url_cleanup(u);
  }
  return out;
}

ClientOptions ClientOptions::from_env(const EnvLookup& env) {
  ClientOptions o;
  o.ca_file = first_set(env, {"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"});
  o.ca_dir = first_set(env, {"SSL_CERT_DIR"});
  std::string all = first_set(env, {"ALL_PROXY", "all_proxy"});
  o.https_proxy = first_set(env, {"HTTPS_PROXY", "https_proxy"});
  if (o.https_proxy.empty()) o.https_proxy = all;
  o.http_proxy = first_set(env, {"http_proxy"});
  if (o.http_proxy.empty()) o.http_proxy = all;
  o.no_proxy = first_set(env, {"NO_PROXY", "no_proxy"});
  if (std::string meta = first_set(env, {"GCE_METADATA_HOST"}); !meta.empty()) {
    std::string url = meta.find("://") == std::string::npos ? "http://" + meta : meta;
    if (auto p = parse_url(url)) o.plain_http_hosts.push_back(p->host);
  }
  return o;
}

std::optional<std::string> url_refusal(std::string_view url, const ClientOptions& options) {
  auto p = parse_url(url);
  if (!p) return "not an absolute http(s) URL";
  if (p->scheme == "https") return std::nullopt;
  if (p->scheme != "http") return "unsupported scheme '" + p->scheme + "' (only http and https)";
  if (is_loopback_host(p->host)) return std::nullopt;
  for (const auto& h : options.plain_http_hosts) {
    if (iequals(h, p->host)) return std::nullopt;
  }
  return "plain http to '" + p->host +
         "' is refused: credentials would cross the network unencrypted (http is only "
         "accepted for loopback hosts and the GCE metadata server)";
}

}  // namespace dbtpy::submitters::http
