#pragma once
// Durations as written in sandbox.yml: a number of seconds (0.5) or a number with a unit
// ("200ms", "1.5s", "2m", "1h"). Pure functions.
#include <optional>
#include <string_view>

namespace dbtpy::sandbox {

// Seconds, or nullopt when `text` is not a non-negative duration.
std::optional<double> parse_duration(std::string_view text);

}  // namespace dbtpy::sandbox
