#pragma once
// The authenticated HTTP clients of a run, built once from the loaded profile: credentials are
// resolved (profile, environment, the platforms' files) and turned into an AuthProvider, and
// requests go
//
//   profile defaults (connect timeout) → retry loop (RetryingHttpClient) → auth (token, one
//   refresh after a 401) → libcurl (CA bundle, proxies from the profile and environment)
//
// so a 401 is answered by a token refresh and never retried as a transport failure, a 429 or
// 5xx backs off in the retry loop, and every attempt carries a current token.
//
// Ownership: PlatformClients owns every piece; Clients() hands out borrowed pointers valid for
// its lifetime. Thread-safe: the clients are shared by every Execution of the run.
#include <atomic>
#include <memory>
#include <string>

#include "profiles/endpoints.h"
#include "profiles/profile_loader.h"
#include "submitters/execution.h"
#include "submitters/http/retry_loop.h"
#include "util/clock.h"
#include "util/redactor.h"

namespace dbtpy::submitters {

struct ClientDeps {
  profiles::EnvLookup env;             // process_env() in the CLI
  std::string home;                    // empty: $HOME (for ~/.snowflake, ~/.databrickscfg, gcloud)
  std::shared_ptr<Redactor> redactor;  // receives the tokens and proxy passwords
  // When set and true, transfers in flight and retry waits stop at once (a second SIGINT).
  std::shared_ptr<const std::atomic<bool>> cancelled;
  const Clock* clock = nullptr;  // null: the system clock
  http::RetrySettings retry;     // attempts and backoff of every request
};

class PlatformClients {
 public:
  // Throws dbtpy::Error: kUsage for configuration problems (DBTPY42x, naming profiles.yml),
  // kRuntime when a key cannot be loaded. No network until the first request.
  static std::unique_ptr<PlatformClients> create(const profiles::LoadedProfile& profile,
                                                 const ClientDeps& deps);
  ~PlatformClients();
  PlatformClients(const PlatformClients&) = delete;
  PlatformClients& operator=(const PlatformClients&) = delete;

  // The client of the target's platform (the others are null).
  Clients clients() const;
  // How the target authenticates (for logs; never a secret).
  std::string auth_description() const;

 private:
  struct Impl;
  explicit PlatformClients(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dbtpy::submitters
