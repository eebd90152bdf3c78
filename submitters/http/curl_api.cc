#include "submitters/http/curl_api.h"

#include <dlfcn.h>

#include <optional>
#include <string_view>

#include "util/error.h"

namespace dbtpy::submitters::http {
namespace {

[[noreturn]] void fail(const std::string& library, std::string_view why) {
  Diagnostic d;
  d.code = "DBTPY409";
  d.message = "cannot load " + library + ", which dbtpy needs to talk HTTP: " + std::string(why);
  d.hint = std::string("install the package that provides it (Debian/Ubuntu: apt-get install ") +
           kCurlPackage + ")";
  throw Error(ErrorKind::kRuntime, std::move(d));
}

// Resolves `name` into `slot`, whose type is the function's own (from curl.h).
template <typename Fn>
void resolve(void* handle, const std::string& library, const char* name, Fn& slot) {
  void* sym = dlsym(handle, name);
  if (!sym) {
    dlclose(handle);
    fail(library, std::string("it has no function ") + name + " (not the libcurl dbtpy needs)");
  }
  // POSIX guarantees a data pointer from dlsym converts to the function pointer it names.
  slot = reinterpret_cast<Fn>(sym);
}

struct Loaded {
  CurlApi api;
  std::optional<Error> error;
};

Loaded load_default() {
  Loaded out;
  try {
    out.api = load_curl_api(kCurlLibrary);
  } catch (const Error& e) {
    out.error = e;
  }
  return out;
}

}  // namespace

CurlApi load_curl_api(const std::string& library) {
  // RTLD_NOW: a library whose dependencies cannot be bound fails here, with dlerror()'s
  // reason, rather than at some later call. RTLD_LOCAL: its symbols stay out of the global
  // namespace, as when it was a link-time dependency resolved only by dbtpy.
  void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    fail(library, why ? why : "dlopen failed");
  }
  CurlApi api;
  resolve(handle, library, "curl_global_init", api.global_init);
  resolve(handle, library, "curl_easy_init", api.easy_init);
  resolve(handle, library, "curl_easy_cleanup", api.easy_cleanup);
  resolve(handle, library, "curl_easy_reset", api.easy_reset);
  resolve(handle, library, "curl_easy_setopt", api.easy_setopt);
  resolve(handle, library, "curl_easy_perform", api.easy_perform);
  resolve(handle, library, "curl_easy_getinfo", api.easy_getinfo);
  resolve(handle, library, "curl_easy_strerror", api.easy_strerror);
  resolve(handle, library, "curl_share_init", api.share_init);
  resolve(handle, library, "curl_share_setopt", api.share_setopt);
  resolve(handle, library, "curl_share_cleanup", api.share_cleanup);
  resolve(handle, library, "curl_slist_append", api.slist_append);
  resolve(handle, library, "curl_slist_free_all", api.slist_free_all);
  resolve(handle, library, "curl_url", api.url);
  resolve(handle, library, "curl_url_set", api.url_set);
  resolve(handle, library, "curl_url_get", api.url_get);
  resolve(handle, library, "curl_url_cleanup", api.url_cleanup);
  resolve(handle, library, "curl_free", api.free);
  resolve(handle, library, "curl_getdate", api.getdate);
  // Reference-counted by libcurl; the handle is never closed, so neither is the library.
  if (CURLcode rc = api.global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK) {
    fail(library, "curl_global_init failed: " + std::string(api.easy_strerror(rc)));
  }
  return api;
}

const CurlApi& curl_api() {
  // A function-local static: initialised exactly once, other threads wait for it.
  static const Loaded loaded = load_default();
  if (loaded.error) throw *loaded.error;
  return loaded.api;
}

}  // namespace dbtpy::submitters::http
