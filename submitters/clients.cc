#include "submitters/clients.h"

#include <chrono>

#include "profiles/auth/authorized_http_client.h"
#include "profiles/auth/credentials.h"
#include "submitters/http/curl_http_client.h"
#include "submitters/http/random_source.h"
#include "submitters/http/retrying_http_client.h"
#include "submitters/http/sleeper.h"

namespace dbtpy::submitters {
namespace {

namespace auth = profiles::auth;

// Applies the profile's `connect_timeout` (seconds, as dbt-snowflake and dbt-databricks name
// it) to every request. Outermost, so the retry loop's deadline caps still apply below it.
class ProfileDefaultsClient final : public http::HttpClient {
 public:
  ProfileDefaultsClient(http::HttpClient& inner, std::optional<std::chrono::milliseconds> connect)
      : inner_(inner), connect_(connect) {}
  http::HttpResponse send(const http::HttpRequest& request) override {
    if (!connect_) return inner_.send(request);
    http::HttpRequest r = request;
    r.connect_timeout = *connect_;
    return inner_.send(r);
  }

 private:
  http::HttpClient& inner_;
  std::optional<std::chrono::milliseconds> connect_;
};

}  // namespace

struct PlatformClients::Impl {
  Impl(http::ClientOptions options, const ClientDeps& deps)
      : curl(std::move(options)),
        own_clock(),
        clock(deps.clock ? *deps.clock : own_clock),
        sleeper(deps.cancelled),
        retry(http::RetryLoop::with_settings(deps.retry, clock, sleeper, random)) {}

  http::CurlHttpClient curl;
  SystemClock own_clock;
  const Clock& clock;
  http::RealSleeper sleeper;
  http::DefaultRandomSource random;
  http::RetryLoop retry;
  profiles::Platform platform = profiles::Platform::kSnowflake;
  std::shared_ptr<auth::AuthProvider> provider;
  std::unique_ptr<auth::AuthorizedHttpClient> authorized;
  std::unique_ptr<http::RetryingHttpClient> retrying;
  std::unique_ptr<ProfileDefaultsClient> outer;
};

PlatformClients::PlatformClients(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PlatformClients::~PlatformClients() = default;

std::unique_ptr<PlatformClients> PlatformClients::create(const profiles::LoadedProfile& profile,
                                                         const ClientDeps& deps) {
  http::ClientOptions options = auth::client_options_for(profile.target, deps.env);
  options.cancelled = deps.cancelled;
  if (deps.redactor)
    for (const auto& s : http::proxy_secrets(options))
      deps.redactor->add_secret(s);
  auto impl = std::make_unique<Impl>(std::move(options), deps);
  impl->platform = profile.target.platform;

  auth::CredentialSources sources;
  sources.env = deps.env;
  sources.home = deps.home;
  sources.redactor = deps.redactor;
  const auth::ResolvedCredentials resolved =
      auth::resolve_credentials(profile.target, profile.secrets, sources);
  impl->provider = auth::make_auth_provider(
      resolved, auth::TokenDeps{&impl->curl, &impl->retry, &impl->clock, deps.redactor});
  impl->authorized = std::make_unique<auth::AuthorizedHttpClient>(impl->curl, impl->provider);
  impl->retrying = std::make_unique<http::RetryingHttpClient>(*impl->authorized, impl->retry,
                                                              impl->clock, impl->sleeper);
  std::optional<std::chrono::milliseconds> connect;
  if (auto t = profile.target.int_field("connect_timeout"); t && *t > 0)
    connect = std::chrono::seconds(*t);
  impl->outer = std::make_unique<ProfileDefaultsClient>(*impl->retrying, connect);
  return std::unique_ptr<PlatformClients>(new PlatformClients(std::move(impl)));
}

Clients PlatformClients::clients() const {
  Clients c;
  switch (impl_->platform) {
    case profiles::Platform::kSnowflake:
      c.snowflake = impl_->outer.get();
      break;
    case profiles::Platform::kDatabricks:
      c.databricks = impl_->outer.get();
      break;
    case profiles::Platform::kBigQuery:
      c.google = impl_->outer.get();
      break;
  }
  return c;
}

std::string PlatformClients::auth_description() const {
  return impl_->provider->description();
}

}  // namespace dbtpy::submitters
