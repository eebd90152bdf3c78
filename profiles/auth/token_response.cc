#include "profiles/auth/token_response.h"

#include "util/json.h"
#include "util/strings.h"

namespace dbtpy::profiles::auth {

std::optional<AccessToken> parse_token_response(std::string_view body,
                                                std::chrono::system_clock::time_point now,
                                                std::string* why) {
  auto fail = [&](std::string reason) -> std::optional<AccessToken> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  Json j = Json::parse(body, nullptr, false);
  if (!j.is_object()) return fail("the token response is not a JSON object");
  auto tok = j.find("access_token");
  if (tok == j.end() || !tok->is_string() || tok->get_ref<const std::string&>().empty()) {
    return fail("the token response has no access_token");
  }
  if (auto type = j.find("token_type"); type != j.end()) {
    if (!type->is_string() || !iequals(type->get<std::string>(), "bearer")) {
      return fail("the token response has token_type " + type->dump() + ", expected Bearer");
    }
  }
  long long seconds = 3600;
  if (auto exp = j.find("expires_in"); exp != j.end()) {
    if (exp->is_number_integer()) {
      seconds = exp->get<long long>();
    } else if (exp->is_number()) {
      seconds = static_cast<long long>(exp->get<double>());
    } else if (exp->is_string()) {
      try {
        seconds = std::stoll(exp->get<std::string>());
      } catch (...) {
        return fail("the token response has a non-numeric expires_in");
      }
    } else {
      return fail("the token response has a non-numeric expires_in");
    }
  }
  if (seconds < 0) seconds = 0;
  if (seconds > 366LL * 24 * 3600) seconds = 366LL * 24 * 3600;
  return AccessToken{tok->get<std::string>(), now + std::chrono::seconds(seconds)};
}

}  // namespace dbtpy::profiles::auth
