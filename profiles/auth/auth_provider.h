#pragma once
// An authentication provider: the headers that make a request authenticated, for one profile
// target. Providers that hold a token obtain it lazily, cache it until shortly before it
// expires, refresh it then, and drop it when the platform answers 401 to it so the next call
// fetches a fresh one (AuthorizedHttpClient does that once per request). Implementations are
// thread-safe: many submitter threads share one provider, and only one of them fetches a
// token at a time while the others wait for it.
#include <string>
#include <vector>

#include "submitters/http/request.h"

namespace dbtpy::profiles::auth {

namespace http = submitters::http;

class AuthProvider {
 public:
  virtual ~AuthProvider() = default;

  // Headers for one request (Authorization, plus e.g. Snowflake's token-type header). May
  // block to obtain or refresh the token. Throws dbtpy::Error when no token can be had.
  virtual std::vector<http::Header> headers() = 0;

  // The platform answered 401 to a request that carried `rejected`. Forgets that token if it
  // is still the current one and returns true when a new token may differ; false when it
  // cannot (a fixed token from the profile), so the caller reports the 401 instead.
  virtual bool refresh_after_rejection(const std::vector<http::Header>& rejected) = 0;

  // What authenticates, for `dbtpy debug` and logs; never a secret.
  virtual std::string description() const = 0;
};

}  // namespace dbtpy::profiles::auth
