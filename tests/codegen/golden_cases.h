#pragma once
// The reviewed golden cases: every platform x materialization x submission method, each a
// fixture with the config that exercises it. Shared by the golden, py_compile, vendor-spec
// and determinism tests.
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "fixtures.h"

namespace dbtpy::codegen::testing {

struct GoldenCase {
  std::string name;  // folder under tests/golden/codegen/
  std::function<Fixture()> make;
};

const std::vector<GoldenCase>& golden_cases();

// gtest prints parameters with this (instead of their bytes).
inline void PrintTo(const GoldenCase& c, std::ostream* os) {
  *os << c.name;
}

// The review form of a payload's non-file parts (method, facts, source map, warnings).
std::string payload_summary(const Payload& p);

}  // namespace dbtpy::codegen::testing
