#pragma once
// The JSON value type used across dbtpy. nlohmann::json keeps object keys sorted, which makes
// every artifact we write byte-stable without extra work.
#include <nlohmann/json.hpp>

namespace dbtpy {
using Json = nlohmann::json;
}  // namespace dbtpy
