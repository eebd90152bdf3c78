#include "util/diagnostic.h"

#include <gtest/gtest.h>

namespace dbtpy {
namespace {

TEST(Diagnostic, FormatsLocationCodeAndHint) {
  Diagnostic d;
  d.code = "DBTPY101";
  d.file = "models/x.py";
  d.line = 3;
  d.column = 7;
  d.message = "boom";
  d.hint = "do this";
  EXPECT_EQ(format_diagnostic(d), "models/x.py:3:7: error[DBTPY101]: boom\n  = help: do this");
}

TEST(Diagnostic, OmitsUnknownParts) {
  Diagnostic d;
  d.severity = Severity::kWarning;
  d.message = "careful";
  EXPECT_EQ(format_diagnostic(d), "warning: careful");
  d.file = "dbt_project.yml";
  d.line = 4;
  EXPECT_EQ(format_diagnostic(d), "dbt_project.yml:4: warning: careful");
  EXPECT_FALSE(has_errors({d}));
}

}  // namespace
}  // namespace dbtpy
