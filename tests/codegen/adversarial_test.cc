// Adversarial model texts: the Snowflake statement must stay valid and carry exactly the
// compiled model, whatever the model contains; every platform's files must compile.
#include "adversarial.h"

#include <gtest/gtest.h>

#include "codegen/common/model_source.h"
#include "fixtures.h"
#include "snowflake_constant.h"

namespace dbtpy::codegen::testing {
namespace {

Fixture with_source(Fixture f, const std::string& source) {
  f.source = source;
  f.model.model_def_line = 0;  // let codegen find `def model` itself
  f.model.config_keys_used.clear();
  f.model.meta_keys_used.clear();
  return f;
}

// The procedure body constant follows the first "\nAS " of the statement.
void expect_statement_carries_model(const Payload& p, const std::string& statement_file,
                                    const std::string& after_constant) {
  const std::string& sql = p.file(statement_file)->content;
  const std::string& model = p.file("model.py")->content;
  size_t as = sql.find("\nAS ");
  ASSERT_NE(as, std::string::npos);
  size_t end = 0;
  auto value = parse_snowflake_constant(sql, as + 4, end);
  ASSERT_TRUE(value) << "the body constant does not parse";
  EXPECT_TRUE(*value == "\n" + model) << "the un-escaped body differs from model.py";
  EXPECT_EQ(sql.substr(end), after_constant);
  // The request sends exactly this statement.
  PlaceholderValues v = sample_values(p);
  Json body = substitute_json(*p.steps.front().json_body, v);
  EXPECT_TRUE(body["statement"] == sql);
}

class Adversarial : public ::testing::TestWithParam<AdversarialModel> {};

TEST_P(Adversarial, SnowflakeAnonymousStatementCarriesTheExactBody) {
  Payload p = with_source(snowflake_fixture(), GetParam().source).generate();
  expect_statement_carries_model(p, "procedure.sql", "\nCALL ORDERS__dbt_sp(?, ?)\n");
  bool has_dollars = p.file("model.py")->content.find("$$") != std::string::npos;
  EXPECT_EQ(p.file("procedure.sql")->content.find("AS '") != std::string::npos, has_dollars);
}

TEST_P(Adversarial, SnowflakeNamedStatementCarriesTheExactBody) {
  Fixture f = with_source(snowflake_fixture(), GetParam().source);
  f.config("use_anonymous_sproc", false);
  Payload p = f.generate();
  expect_statement_carries_model(p, "procedure.sql", "\n");
}

TEST_P(Adversarial, UserCodeIsVerbatimInEveryPlatformsModel) {
  const std::string& src = GetParam().source;
  for (auto platform : {profiles::Platform::kSnowflake, profiles::Platform::kDatabricks,
                        profiles::Platform::kBigQuery}) {
    Fixture f = with_source(fixture_for(platform), src);
    Payload p = f.generate();
    // What the user wrote, minus a BOM and with LF endings (same program for Python).
    std::string expected = src.substr(src.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0);
    std::string normalized;
    for (size_t i = 0; i < expected.size(); ++i) {
      if (expected[i] == '\r') {
        normalized += '\n';
        if (i + 1 < expected.size() && expected[i + 1] == '\n') ++i;
      } else {
        normalized += expected[i];
      }
    }
    const std::string& model = p.file("model.py")->content;
    size_t first_newline = model.find('\n');
    EXPECT_EQ(model.compare(first_newline + 1, normalized.size(), normalized), 0)
        << "user code is not verbatim right after the metadata line";
    // Reviewable JSON stays valid UTF-8 JSON.
    EXPECT_TRUE(Json::accept(p.file("requests.json")->content));
  }
}

INSTANTIATE_TEST_SUITE_P(Codegen, Adversarial, ::testing::ValuesIn(adversarial_models()),
                         [](const ::testing::TestParamInfo<AdversarialModel>& param_info) {
                           return param_info.param.name;
                         });

}  // namespace
}  // namespace dbtpy::codegen::testing
