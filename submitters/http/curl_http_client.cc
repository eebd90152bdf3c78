#include "submitters/http/curl_http_client.h"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <cstring>
#include <mutex>
#include <vector>

#include "submitters/http/curl_api.h"
#include "submitters/http/url.h"
#include "util/strings.h"

namespace dbtpy::submitters::http {
namespace {

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_api().slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

Slist make_slist(const std::vector<std::string>& lines) {
  const CurlApi& curl = curl_api();
  curl_slist* list = nullptr;
  for (const auto& l : lines) {
    curl_slist* next = curl.slist_append(list, l.c_str());
    if (!next) {
      curl.slist_free_all(list);
      throw std::bad_alloc();
    }
    list = next;
  }
  return Slist(list);
}

// State one transfer's callbacks write into.
struct Transfer {
  std::string body;
  std::vector<Header> headers;
  size_t limit = 0;
  bool too_large = false;
  const std::atomic<bool>* cancelled = nullptr;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->body.size() + n > t->limit) {
    t->too_large = true;
    return 0;  // makes libcurl fail the transfer with CURLE_WRITE_ERROR
  }
  t->body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
    line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    // A new response begins (after 100 Continue, a proxy's CONNECT reply, ...): keep only the
    // headers of the last one.
    t->headers.clear();
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    t->headers.push_back(
        {std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
  }
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->cancelled && t->cancelled->load(std::memory_order_relaxed) ? 1 : 0;
}

std::string http_version_name(long v) {
  switch (v) {
    case CURL_HTTP_VERSION_1_0:
      return "1.0";
    case CURL_HTTP_VERSION_1_1:
      return "1.1";
    case CURL_HTTP_VERSION_2_0:
      return "2";
    case CURL_HTTP_VERSION_3:
      return "3";
    default:
      return "";
  }
}

}  // namespace

struct CurlHttpClient::Impl {
  const CurlApi& curl = curl_api();  // first: loads libcurl before anything else is set up
  ClientOptions options;
  std::string user_agent;
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;
  Slist resolve;

  std::mutex pool_mu;
  std::vector<CURL*> idle;

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->share_locks[static_cast<size_t>(data)].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->share_locks[static_cast<size_t>(data)].unlock();
  }

  CURL* acquire() {
    {
      std::lock_guard lock(pool_mu);
      if (!idle.empty()) {
        CURL* h = idle.back();
        idle.pop_back();
        return h;
      }
    }
    CURL* h = curl.easy_init();
    if (!h)
      throw TransportError(TransportFailure::kOther, SentState::kNotSent, "curl_easy_init failed");
    return h;
  }

  void release(CURL* h) {
    // Keeps live connections, the DNS cache and TLS session ids; clears every option.
    curl.easy_reset(h);
    {
      std::lock_guard lock(pool_mu);
      if (idle.size() < options.max_idle_handles) {
        idle.push_back(h);
        return;
      }
    }
    curl.easy_cleanup(h);
  }
};

CurlHttpClient::CurlHttpClient(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->user_agent =
      impl_->options.user_agent.empty() ? default_user_agent() : impl_->options.user_agent;
  impl_->share = impl_->curl.share_init();
  if (!impl_->share) throw std::runtime_error("curl_share_init failed");
  impl_->curl.share_setopt(impl_->share, CURLSHOPT_LOCKFUNC, &Impl::lock);
  impl_->curl.share_setopt(impl_->share, CURLSHOPT_UNLOCKFUNC, &Impl::unlock);
  impl_->curl.share_setopt(impl_->share, CURLSHOPT_USERDATA, impl_.get());
  impl_->curl.share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  impl_->curl.share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  impl_->resolve = make_slist(impl_->options.resolve);
}

CurlHttpClient::~CurlHttpClient() {
  for (CURL* h : impl_->idle)
    impl_->curl.easy_cleanup(h);
  impl_->idle.clear();
  impl_->curl.share_cleanup(impl_->share);
}

const ClientOptions& CurlHttpClient::options() const {
  return impl_->options;
}

HttpResponse CurlHttpClient::send(const HttpRequest& request) {
  const ClientOptions& opt = impl_->options;
  const CurlApi& curl = impl_->curl;
  if (opt.cancelled && opt.cancelled->load()) {
    throw TransportError(TransportFailure::kCancelled, SentState::kNotSent,
                         "the run was interrupted");
  }
  if (auto why = url_refusal(request.url, opt)) {
    bool insecure = why->starts_with("plain http");
    throw TransportError(insecure ? TransportFailure::kInsecureUrl : TransportFailure::kBadUrl,
                         SentState::kNotSent, *why);
  }
  const bool https = request.url.size() >= 8 && iequals(request.url.substr(0, 8), "https://");

  CURL* h = impl_->acquire();
  struct Releaser {
    Impl* impl;
    CURL* h;
    ~Releaser() { impl->release(h); }
  } releaser{impl_.get(), h};

  Transfer t;
  t.limit = opt.max_response_bytes;
  t.cancelled = opt.cancelled.get();
  char errbuf[CURL_ERROR_SIZE] = {0};

  std::vector<std::string> header_lines;
  header_lines.reserve(request.headers.size() + 1);
  for (const auto& hd : request.headers)
    header_lines.push_back(hd.name + ": " + hd.value);
  // libcurl would otherwise wait up to a second for "100 Continue" before sending a body.
  header_lines.emplace_back("Expect:");
  // ...and would label a POST without a Content-Type application/x-www-form-urlencoded, which
  // JSON APIs refuse (Snowflake: 415) — send none instead.
  if (!request.header("Content-Type")) header_lines.emplace_back("Content-Type:");
  Slist headers = make_slist(header_lines);

  curl.easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl.easy_setopt(h, CURLOPT_SHARE, impl_->share);
  curl.easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl.easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // every encoding this libcurl decodes
  curl.easy_setopt(h, CURLOPT_USERAGENT, impl_->user_agent.c_str());
  curl.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!opt.ca_file.empty()) curl.easy_setopt(h, CURLOPT_CAINFO, opt.ca_file.c_str());
  if (!opt.ca_dir.empty()) curl.easy_setopt(h, CURLOPT_CAPATH, opt.ca_dir.c_str());
  // Always set explicitly, so libcurl never consults the environment on its own: what the
  // options say is what happens.
  const std::string& proxy = https ? opt.https_proxy : opt.http_proxy;
  curl.easy_setopt(h, CURLOPT_PROXY, proxy.c_str());
  curl.easy_setopt(h, CURLOPT_NOPROXY, opt.no_proxy.c_str());
  if (impl_->resolve) curl.easy_setopt(h, CURLOPT_RESOLVE, impl_->resolve.get());
  curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl.easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl.easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl.easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
  curl.easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl.easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
  curl.easy_setopt(h, CURLOPT_HEADERDATA, &t);
  if (t.cancelled) {
    curl.easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl.easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl.easy_setopt(h, CURLOPT_XFERINFODATA, &t);
  }

  const std::string method = to_upper(request.method);
  if (method == "GET") {
    curl.easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    curl.easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    if (method != "POST") curl.easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    // A POST or PATCH is never sent on a reused connection: when a reused connection dies
    // before any answer arrives, libcurl silently sends the request again on a fresh one —
    // but the server may have acted on the first copy (it accepted a submission, then the
    // connection dropped), and that hidden resend lacks what makes a resend safe (Snowflake's
    // retry=true): a second remote execution. Resends are the retry loop's decision only.
    // Such a connection is closed afterwards too: kept, they pile up idle in the cache (one
    // per submit) and hold server resources (a thread each on thread-per-connection servers:
    // the 500-model benchmark stalled for seconds on the sandbox until they timed out).
    if (method == "POST" || method == "PATCH") {
      curl.easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
      curl.easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    }
    if (method == "POST" || !request.body.empty()) {
      curl.easy_setopt(h, CURLOPT_POST, 1L);
      curl.easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
  }

  CURLcode rc = curl.easy_perform(h);

  curl_off_t total_us = 0;
  curl.easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &total_us);
  if (rc != CURLE_OK) {
    curl_off_t pretransfer_us = 0;
    long request_bytes = 0;
    curl_off_t uploaded = 0;
    curl.easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
    curl.easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_bytes);
    curl.easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &uploaded);
    // libcurl stamps "pretransfer" once the connection (and TLS) is ready and the request is
    // about to be written; until then nothing of the request has left the process.
    const bool began_sending = pretransfer_us > 0 || request_bytes > 0 || uploaded > 0;
    SentState sent = began_sending ? SentState::kMaybeSent : SentState::kNotSent;
    TransportFailure kind = TransportFailure::kOther;
    switch (rc) {
      case CURLE_COULDNT_RESOLVE_HOST:
        kind = TransportFailure::kResolve;
        sent = SentState::kNotSent;
        break;
      case CURLE_COULDNT_RESOLVE_PROXY:
      case CURLE_PROXY:
        kind = TransportFailure::kProxy;
        sent = SentState::kNotSent;
        break;
      case CURLE_COULDNT_CONNECT:
        kind = proxy.empty() ? TransportFailure::kConnect : TransportFailure::kProxy;
        sent = SentState::kNotSent;
        break;
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        kind = TransportFailure::kTlsVerify;
        sent = SentState::kNotSent;
        break;
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_ENGINE_NOTFOUND:
      case CURLE_SSL_ENGINE_SETFAILED:
      case CURLE_SSL_CRL_BADFILE:
      case CURLE_SSL_SHUTDOWN_FAILED:
        kind = TransportFailure::kTls;
        break;
      case CURLE_OPERATION_TIMEDOUT:
        kind = TransportFailure::kTimeout;
        break;
      case CURLE_GOT_NOTHING:
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_PARTIAL_FILE:
      case CURLE_HTTP2:
      case CURLE_HTTP2_STREAM:
        kind = TransportFailure::kConnectionLost;
        break;
      case CURLE_ABORTED_BY_CALLBACK:
        kind = TransportFailure::kCancelled;
        break;
      case CURLE_WRITE_ERROR:
        kind = t.too_large ? TransportFailure::kTooLarge : TransportFailure::kOther;
        sent = SentState::kMaybeSent;
        break;
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        kind = TransportFailure::kBadUrl;
        sent = SentState::kNotSent;
        break;
      default:
        break;
    }
    std::string detail = errbuf[0] ? std::string(errbuf) : std::string(curl.easy_strerror(rc));
    if (kind == TransportFailure::kTooLarge) {
      detail = "the response exceeded " + std::to_string(opt.max_response_bytes >> 20) + " MiB";
    }
    spdlog::debug("http {} {} failed after {} ms: {} ({})", method, redact_url(request.url),
                  total_us / 1000, detail, failure_name(kind));
    throw TransportError(kind, sent, detail);
  }

  HttpResponse resp;
  long status = 0;
  long version = 0;
  long new_connections = 0;
  curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl.easy_getinfo(h, CURLINFO_HTTP_VERSION, &version);
  curl.easy_getinfo(h, CURLINFO_NUM_CONNECTS, &new_connections);
  resp.status = static_cast<int>(status);
  resp.http_version = http_version_name(version);
  resp.reused_connection = new_connections == 0;
  resp.elapsed = std::chrono::milliseconds(total_us / 1000);
  resp.headers = std::move(t.headers);
  resp.body = std::move(t.body);
  spdlog::debug("http {} {} -> {} in {} ms (HTTP/{}{})", method, redact_url(request.url),
                resp.status, resp.elapsed.count(), resp.http_version,
                resp.reused_connection ? ", reused connection" : "");
  return resp;
}

}  // namespace dbtpy::submitters::http
