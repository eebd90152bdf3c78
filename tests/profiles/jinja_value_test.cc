#include "profiles/jinja_value.h"

#include <gtest/gtest.h>

#include <map>

#include "util/error.h"

namespace dbtpy::profiles {
namespace {

class JinjaValueTest : public ::testing::Test {
 protected:
  JinjaValueTest() {
    ctx_.env = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env_.find(std::string(name));
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    ctx_.vars = &vars_;
    target_.profile_name = "jaffle";
    target_.name = "dev";
    target_.type = "snowflake";
    target_.threads = 4;
    target_.fields = {{"account", "acme-xy"},
                      {"database", "ANALYTICS"},
                      {"schema", "dbt_me"},
                      {"warehouse", "WH"}};
    target_.secret_field_names = {"password"};
  }

  Json render(std::string_view text) { return render_jinja_value(text, ctx_, site_); }

  // Renders and returns the diagnostic of the expected error.
  Diagnostic error_of(std::string_view text) {
    try {
      render(text);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUsage);
      return e.diagnostics().at(0);
    }
    ADD_FAILURE() << "no error for " << text;
    return {};
  }

  std::map<std::string, std::string> env_{
      {"HOST", "db.example.com"}, {"PORT", "8443"}, {"FLAG", "True"}, {"RATIO", "0.25"}};
  Json vars_ = {{"region", "eu"}, {"limit", 10}, {"enabled", false}, {"list", {1, 2}}};
  Target target_;
  JinjaValueContext ctx_;
  ValueSite site_{"dbt_project.yml", 7, 12, "schema"};
};

TEST_F(JinjaValueTest, PlainTextIsReturnedAsIs) {
  EXPECT_EQ(render("hello world"), "hello world");
  EXPECT_EQ(render("a { b } c"), "a { b } c");
  EXPECT_FALSE(contains_jinja("price: {5}"));
  EXPECT_TRUE(contains_jinja("x {{ y }}"));
}

TEST_F(JinjaValueTest, EnvVarWithAndWithoutDefault) {
  EXPECT_EQ(render("{{ env_var('HOST') }}"), "db.example.com");
  EXPECT_EQ(render("{{ env_var(\"HOST\", 'other') }}"), "db.example.com");
  EXPECT_EQ(render("{{ env_var('MISSING', 'fallback') }}"), "fallback");
  EXPECT_EQ(render("{{env_var('MISSING','')}}"), "");
  // A whole-value expression keeps the type of its result: the default 5 stays a number,
  // but an environment variable is always text.
  EXPECT_EQ(render("{{ env_var('MISSING', 5) }}"), 5);
  EXPECT_EQ(render("{{ env_var('PORT') }}"), "8443");
}

TEST_F(JinjaValueTest, MissingEnvVarNamesTheVariableAndTheSite) {
  Diagnostic d = error_of("{{ env_var('DBT_HOST') }}");
  EXPECT_EQ(d.code, "DBTPY212");
  EXPECT_EQ(d.file, "dbt_project.yml");
  EXPECT_EQ(d.line, 7);
  EXPECT_NE(d.message.find("'DBT_HOST'"), std::string::npos);
  EXPECT_NE(d.hint.find("DBT_HOST"), std::string::npos);
  // A None default is no default, as in dbt.
  EXPECT_EQ(error_of("{{ env_var('DBT_HOST', none) }}").code, "DBTPY212");
}

TEST_F(JinjaValueTest, VarWithAndWithoutDefault) {
  EXPECT_EQ(render("{{ var('region') }}"), "eu");
  EXPECT_EQ(render("{{ var('limit') }}"), 10);
  EXPECT_EQ(render("{{ var('enabled') }}"), false);
  EXPECT_EQ(render("{{ var('list') }}"), Json({1, 2}));
  EXPECT_EQ(render("{{ var('nope', 'd') }}"), "d");
  EXPECT_EQ(render("{{ var('nope', none) }}"), nullptr);
  EXPECT_EQ(render("{{ var('nope', default=3) }}"), 3);
  Diagnostic d = error_of("{{ var('nope') }}");
  EXPECT_EQ(d.code, "DBTPY213");
  EXPECT_NE(d.message.find("'nope'"), std::string::npos);
}

TEST_F(JinjaValueTest, NestedCallsAsArguments) {
  vars_["eu_schema"] = "raw_eu";
  env_["SCHEMA_VAR"] = "eu_schema";
  EXPECT_EQ(render("{{ var(env_var('SCHEMA_VAR')) }}"), "raw_eu");
}

TEST_F(JinjaValueTest, TargetFields) {
  ctx_.target = &target_;
  EXPECT_EQ(render("{{ target.name }}"), "dev");
  EXPECT_EQ(render("{{ target.schema }}"), "dbt_me");
  EXPECT_EQ(render("{{ target.database }}"), "ANALYTICS");
  EXPECT_EQ(render("{{ target.type }}"), "snowflake");
  EXPECT_EQ(render("{{ target.profile_name }}"), "jaffle");
  EXPECT_EQ(render("{{ target.threads }}"), 4);
  EXPECT_EQ(render("{{ target.warehouse }}"), "WH");
  EXPECT_EQ(render("{{ target['account'] }}"), "acme-xy");
  EXPECT_EQ(render("{{ target.name ~ '_' ~ target.schema }}"), "dev_dbt_me");
}

TEST_F(JinjaValueTest, TargetErrors) {
  Diagnostic unavailable = error_of("{{ target.name }}");  // profiles.yml: no target yet
  EXPECT_EQ(unavailable.code, "DBTPY214");
  ctx_.target = &target_;
  Diagnostic missing = error_of("{{ target.warehous }}");
  EXPECT_EQ(missing.code, "DBTPY214");
  EXPECT_NE(missing.hint.find("target.warehouse"), std::string::npos);
  Diagnostic secret = error_of("{{ target.password }}");
  EXPECT_EQ(secret.code, "DBTPY214");
  EXPECT_NE(secret.message.find("secret"), std::string::npos);
}

TEST_F(JinjaValueTest, Filters) {
  EXPECT_EQ(render("{{ env_var('PORT') | int }}"), 8443);
  EXPECT_EQ(render("{{ env_var('RATIO') | float }}"), 0.25);
  EXPECT_EQ(render("{{ '3.9' | int }}"), 3);
  EXPECT_EQ(render("{{ env_var('FLAG') | as_bool }}"), true);
  EXPECT_EQ(render("{{ 'false' | as_bool }}"), false);
  EXPECT_EQ(render("{{ env_var('PORT') | as_number }}"), 8443);
  EXPECT_EQ(render("{{ env_var('RATIO') | as_number }}"), 0.25);
  EXPECT_EQ(render("{{ '[1, \"a\"]' | as_native }}"), Json({1, "a"}));
  EXPECT_EQ(render("{{ var('limit') | string }}"), "10");
  EXPECT_EQ(render("{{ var('enabled') | as_text }}"), "False");
  EXPECT_EQ(render("{{ 'Eu ' | upper | trim }}"), "EU");
  EXPECT_EQ(render("{{ env_var('HOST') | lower }}"), "db.example.com");
}

TEST_F(JinjaValueTest, FilterConversionFailures) {
  EXPECT_EQ(error_of("{{ env_var('HOST') | int }}").code, "DBTPY215");
  EXPECT_EQ(error_of("{{ 'yes please' | as_bool }}").code, "DBTPY215");
  EXPECT_EQ(error_of("{{ 'abc' | as_number }}").code, "DBTPY215");
}

TEST_F(JinjaValueTest, EmbeddedExpressionsRenderToText) {
  EXPECT_EQ(render("https://{{ env_var('HOST') }}:{{ env_var('PORT') | int }}/x"),
            "https://db.example.com:8443/x");
  EXPECT_EQ(render("limit={{ var('limit') }}"), "limit=10");
  EXPECT_EQ(render("{{ var('enabled') }} "), "False ");
  EXPECT_EQ(render("a {{- ' b ' -}} c"), "a b c");
  EXPECT_EQ(render("x{# a comment #}y"), "xy");
}

TEST_F(JinjaValueTest, UnsupportedJinjaIsAnErrorNamingTheExpression) {
  for (const char* text :
       {"{% if target.name == 'prod' %}x{% endif %}", "{{ run_query('select 1') }}",
        "{{ var('limit') + 1 }}", "{{ env_var('HOST') | replace('a', 'b') }}",
        "{{ dbt_utils.star('x') }}", "{{ modules.datetime }}", "{{ doc('orders') }}"}) {
    Diagnostic d = error_of(text);
    EXPECT_EQ(d.code, "DBTPY211") << text;
    EXPECT_EQ(d.line, 7) << text;
    EXPECT_FALSE(d.hint.empty());
  }
  Diagnostic d = error_of("{{ run_query('select 1') }}");
  EXPECT_NE(d.message.find("run_query('select 1')"), std::string::npos) << d.message;
}

TEST_F(JinjaValueTest, UnterminatedDelimiters) {
  EXPECT_EQ(error_of("{{ env_var('HOST') ").code, "DBTPY217");
  EXPECT_EQ(error_of("{# open comment").code, "DBTPY217");
  EXPECT_EQ(error_of("{{ 'unterminated }}").code, "DBTPY217");
}

TEST_F(JinjaValueTest, SecretEnvVarsOnlyWhereAllowedAndRedacted) {
  env_["DBT_ENV_SECRET_TOKEN"] = "s3cr3t-token-value";
  Diagnostic d = error_of("{{ env_var('DBT_ENV_SECRET_TOKEN') }}");
  EXPECT_EQ(d.code, "DBTPY216");
  EXPECT_EQ(d.message.find("s3cr3t"), std::string::npos);  // never the value

  auto redactor = std::make_shared<Redactor>();
  ctx_.allow_secret_env = true;
  ctx_.redactor = redactor;
  EXPECT_EQ(render("{{ env_var('DBT_ENV_SECRET_TOKEN') }}"), "s3cr3t-token-value");
  EXPECT_EQ(redactor->redact("token=s3cr3t-token-value"), "token=<redacted>");
}

TEST(PythonStr, MatchesPythonsPrinting) {
  EXPECT_EQ(python_str(Json(nullptr)), "None");
  EXPECT_EQ(python_str(Json(true)), "True");
  EXPECT_EQ(python_str(Json(1.5)), "1.5");
  EXPECT_EQ(python_str(Json({"a", 1})), "['a', 1]");
  EXPECT_EQ(python_str(Json{{"k", "it's"}}), "{'k': \"it's\"}");
}

}  // namespace
}  // namespace dbtpy::profiles
