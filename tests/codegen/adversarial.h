#pragma once
// Model sources built to break naive code generators: `$$`, quotes, backslashes, non-ASCII,
// tabs, CRLF line endings, a very long line and a 1 MB model. Each is a valid Python model.
#include <ostream>
#include <string>
#include <vector>

namespace dbtpy::codegen::testing {

struct AdversarialModel {
  std::string name;
  std::string source;
};

const std::vector<AdversarialModel>& adversarial_models();

inline void PrintTo(const AdversarialModel& m, std::ostream* os) {
  *os << m.name;
}

}  // namespace dbtpy::codegen::testing
