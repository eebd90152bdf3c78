#include "submitters/http/url.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>
#include <memory>

#include "submitters/http/curl_api.h"
#include "util/strings.h"

namespace dbtpy::submitters::http {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_api().url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

std::optional<std::string> get_part(CURLU* u, CURLUPart part, unsigned flags = 0) {
  const CurlApi& curl = curl_api();
  char* out = nullptr;
  if (curl.url_get(u, part, &out, flags) != CURLUE_OK || !out) return std::nullopt;
  std::string s(out);
  curl.free(out);
  return s;
}

UrlHandle parse_handle(std::string_view url) {
  const CurlApi& curl = curl_api();
  UrlHandle u(curl.url());
  if (!u) return nullptr;
  std::string s(url);
  // No CURLU_GUESS_SCHEME: a URL without a scheme is a mistake we want to report.
  if (curl.url_set(u.get(), CURLUPART_URL, s.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return nullptr;
  }
  return u;
}

bool secret_param_name(std::string_view name) {
  std::string n = to_lower(name);
  static constexpr std::array<std::string_view, 10> kMarkers = {
      "token",     "secret",     "password",  "passwd", "key",
      "signature", "credential", "assertion", "auth",   "sig"};
  for (auto m : kMarkers) {
    if (n.find(m) != std::string::npos) return true;
  }
  return n == "code" || n == "pwd";
}

}  // namespace

std::optional<UrlParts> parse_url(std::string_view url) {
  auto u = parse_handle(url);
  if (!u) return std::nullopt;
  UrlParts p;
  auto scheme = get_part(u.get(), CURLUPART_SCHEME);
  auto host = get_part(u.get(), CURLUPART_HOST);
  if (!scheme || !host || host->empty()) return std::nullopt;
  p.scheme = to_lower(*scheme);
  p.host = to_lower(*host);
  if (auto port = get_part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT)) {
    p.port = std::atoi(port->c_str());
  }
  p.path = get_part(u.get(), CURLUPART_PATH).value_or("/");
  if (p.path.empty()) p.path = "/";
  p.query = get_part(u.get(), CURLUPART_QUERY).value_or("");
  return p;
}

bool is_loopback_host(std::string_view host_in) {
  std::string host = to_lower(host_in);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost" || host.ends_with(".localhost")) return true;
  unsigned char v4[4];
  if (inet_pton(AF_INET, host.c_str(), v4) == 1) return v4[0] == 127;
  unsigned char v6[16];
  if (inet_pton(AF_INET6, host.c_str(), v6) == 1) {
    static constexpr unsigned char kLoop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (std::memcmp(v6, kLoop, 16) == 0) return true;
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::memcmp(v6, kMapped, 12) == 0 && v6[12] == 127;
  }
  return false;
}

std::string redact_url(std::string_view url) {
  auto u = parse_handle(url);
  if (!u) {
    // Not parseable: keep only what precedes any query, and drop anything like userinfo.
    std::string s(url.substr(0, url.find_first_of("?#")));
    if (auto at = s.find('@'); at != std::string::npos) {
      auto start = s.find("://");
      s.erase(start == std::string::npos ? 0 : start + 3,
              at + 1 - (start == std::string::npos ? 0 : start + 3));
    }
    return s;
  }
  curl_api().url_set(u.get(), CURLUPART_USER, nullptr, 0);
  curl_api().url_set(u.get(), CURLUPART_PASSWORD, nullptr, 0);
  curl_api().url_set(u.get(), CURLUPART_FRAGMENT, nullptr, 0);
  if (auto q = get_part(u.get(), CURLUPART_QUERY); q && !q->empty()) {
    std::vector<std::string> out;
    for (const auto& kv : split(*q, '&')) {
      auto eq = kv.find('=');
      std::string name = kv.substr(0, eq);
      std::string decoded = url_decode(name).value_or(name);
      if (eq != std::string::npos && secret_param_name(decoded)) {
        out.push_back(name + "=%3Credacted%3E");
      } else {
        out.push_back(kv);
      }
    }
    std::string joined = join(out, "&");
    curl_api().url_set(u.get(), CURLUPART_QUERY, joined.c_str(), 0);
  }
  auto full = get_part(u.get(), CURLUPART_URL);
  return full.value_or(std::string(url.substr(0, url.find('?'))));
}

std::optional<std::string> query_param(std::string_view url, std::string_view name) {
  auto p = parse_url(url);
  if (!p || p->query.empty()) return std::nullopt;
  for (const auto& kv : split(p->query, '&')) {
    auto eq = kv.find('=');
    std::string n = url_decode(kv.substr(0, eq)).value_or(kv.substr(0, eq));
    if (n != name) continue;
    if (eq == std::string::npos) return std::string();
    std::string v = kv.substr(eq + 1);
    return url_decode(v).value_or(v);
  }
  return std::nullopt;
}

std::string with_query_param(std::string_view url, std::string_view name, std::string_view value) {
  auto u = parse_handle(url);
  if (!u) return std::string(url);
  std::vector<std::string> kept;
  if (auto q = get_part(u.get(), CURLUPART_QUERY); q && !q->empty()) {
    for (const auto& kv : split(*q, '&')) {
      auto eq = kv.find('=');
      std::string n = url_decode(kv.substr(0, eq)).value_or(kv.substr(0, eq));
      if (n != name && !kv.empty()) kept.push_back(kv);
    }
  }
  kept.push_back(url_encode(name) + "=" + url_encode(value));
  std::string joined = join(kept, "&");
  curl_api().url_set(u.get(), CURLUPART_QUERY, joined.c_str(), 0);
  return get_part(u.get(), CURLUPART_URL).value_or(std::string(url));
}

std::optional<std::string> url_decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex(s[i + 1]);
      int lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += url_encode(k);
    out += '=';
    out += url_encode(v);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> form_decode(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& kv : split(body, '&')) {
    if (kv.empty()) continue;
    auto eq = kv.find('=');
    std::string k = kv.substr(0, eq);
    std::string v = eq == std::string::npos ? "" : kv.substr(eq + 1);
    out.emplace_back(url_decode(k).value_or(k), url_decode(v).value_or(v));
  }
  return out;
}

}  // namespace dbtpy::submitters::http
