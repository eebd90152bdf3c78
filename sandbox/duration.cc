#include "sandbox/duration.h"

#include <charconv>
#include <cmath>
#include <string>

#include "util/strings.h"

namespace dbtpy::sandbox {

std::optional<double> parse_duration(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty()) return std::nullopt;
  double factor = 1.0;
  std::string_view number = s;
  if (s.size() > 2 && s.substr(s.size() - 2) == "ms") {
    factor = 0.001;
    number = s.substr(0, s.size() - 2);
  } else if (s.back() == 's') {
    number = s.substr(0, s.size() - 1);
  } else if (s.back() == 'm') {
    factor = 60;
    number = s.substr(0, s.size() - 1);
  } else if (s.back() == 'h') {
    factor = 3600;
    number = s.substr(0, s.size() - 1);
  }
  number = trim(number);
  if (number.empty()) return std::nullopt;
  // std::from_chars for double is available in libstdc++ 12.
  double value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
  if (!std::isfinite(value) || value < 0) return std::nullopt;
  return value * factor;
}

}  // namespace dbtpy::sandbox
