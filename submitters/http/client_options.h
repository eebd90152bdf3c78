#pragma once
// Settings of the libcurl client that apply to every request it sends: identity, trust,
// proxies and limits. Built once per invocation (from the environment, then adjusted from the
// profile, e.g. its CA bundle); a value type.
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dbtpy::submitters::http {

// Looks up an environment variable; the same shape as profiles::EnvLookup, declared here
// because the transport sits below profiles.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

struct ClientOptions {
  std::string user_agent;  // empty = "dbtpy/<version>"

  // Trust: a PEM bundle and/or a hashed certificate folder; empty = the system's store.
  std::string ca_file;
  std::string ca_dir;

  // Proxies, as curl and most tools read them from the environment. Empty = direct.
  std::string https_proxy;  // for https:// URLs
  std::string http_proxy;   // for http:// URLs
  std::string no_proxy;     // comma-separated hosts/domains/CIDRs, "*" = all

  // Hosts that may be reached over plain http besides loopback: the GCE metadata server,
  // which only speaks http. (GCE_METADATA_HOST adds its host here.)
  std::vector<std::string> plain_http_hosts = {"metadata.google.internal", "169.254.169.254"};

  // Pinned name resolutions, CURLOPT_RESOLVE syntax "host:port:address".
  std::vector<std::string> resolve;

  size_t max_response_bytes = size_t{512} << 20;
  size_t max_idle_handles = 64;  // easy handles (with their warm connections) kept for reuse

  // When set and true, every transfer in flight aborts (TransportFailure::kCancelled).
  std::shared_ptr<const std::atomic<bool>> cancelled;

  // Reads SSL_CERT_FILE (else REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE), SSL_CERT_DIR,
  // HTTPS_PROXY/https_proxy, http_proxy (lower case only, as curl does: HTTP_PROXY can be set
  // by a web server's CGI environment), ALL_PROXY/all_proxy as the fallback for both,
  // NO_PROXY/no_proxy, and GCE_METADATA_HOST.
  static ClientOptions from_env(const EnvLookup& env);
};

// Passwords embedded in the proxy URLs (http://user:password@proxy:3128), for the redactor.
std::vector<std::string> proxy_secrets(const ClientOptions& options);

// The default User-Agent: "dbtpy/<version>".
std::string default_user_agent();

// Why `url` must not be fetched under `options`, or nullopt when it may be: only http and
// https; plain http only to loopback hosts and `plain_http_hosts` (TLS stays mandatory for
// every remote host, so tokens never cross a network in clear text).
std::optional<std::string> url_refusal(std::string_view url, const ClientOptions& options);

}  // namespace dbtpy::submitters::http
