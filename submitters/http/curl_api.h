#pragma once
// The libcurl functions dbtpy calls, resolved at run time from libcurl.so.4 on first use.
// dbtpy does not link libcurl: loading it (and the ~30 libraries it pulls in, most bound
// eagerly) would cost every command start-up time, while only the commands that talk HTTP
// (submit, run, cancel, debug) need it. The transport and the URL helpers call libcurl only
// through curl_api(), which loads the library, resolves every function and runs
// curl_global_init once per process.
// Ownership: the loaded library stays loaded until the process exits; the table is immutable.
// Thread-safe: curl_api() may be called from any thread; the first call loads, others wait.
#include <curl/curl.h>

#include <string>

namespace dbtpy::submitters::http {

// The soname of the libcurl ABI the headers (libcurl4-openssl-dev) describe; Debian's
// libcurl4 package ships it.
inline constexpr const char* kCurlLibrary = "libcurl.so.4";
inline constexpr const char* kCurlPackage = "libcurl4";

struct CurlApi {
  decltype(&::curl_global_init) global_init = nullptr;
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_reset) easy_reset = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_share_init) share_init = nullptr;
  decltype(&::curl_share_setopt) share_setopt = nullptr;
  decltype(&::curl_share_cleanup) share_cleanup = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
  decltype(&::curl_url) url = nullptr;
  decltype(&::curl_url_set) url_set = nullptr;
  decltype(&::curl_url_get) url_get = nullptr;
  decltype(&::curl_url_cleanup) url_cleanup = nullptr;
  decltype(&::curl_free) free = nullptr;
  decltype(&::curl_getdate) getdate = nullptr;
};

// The process-wide table, loaded from kCurlLibrary on the first call. Throws dbtpy::Error
// (DBTPY409, naming the library and the package to install) when the library cannot be
// loaded or lacks a function; every later call throws the same error.
const CurlApi& curl_api();

// Loads `library` (a soname or a path), resolves the table and runs curl_global_init. Throws
// dbtpy::Error (DBTPY409) as curl_api() does. Each successful call keeps one more reference to
// the library. curl_api() uses it with kCurlLibrary; tests use it to try other names.
CurlApi load_curl_api(const std::string& library);

}  // namespace dbtpy::submitters::http
