// Unit tests of codegen's building blocks: placeholders, literals, Snowflake names and body
// quoting, model source preparation, Dataproc batch merging, derived ids.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "codegen/common/config_reader.h"
#include "codegen/common/identifiers.h"
#include "codegen/common/model_source.h"
#include "codegen/common/python_literal.h"
#include "codegen/databricks/cluster_id.h"
#include "codegen/databricks/notebook.h"
#include "codegen/dataproc/batch_spec.h"
#include "codegen/dataproc/merge_script.h"
#include "codegen/payload.h"
#include "codegen/placeholders.h"
#include "codegen/snowflake/procedure_sql.h"
#include "codegen/snowflake/relation_name.h"
#include "fixtures.h"
#include "snowflake_constant.h"
#include "util/error.h"

namespace dbtpy::codegen {
namespace {

TEST(Placeholders, SubstituteTextJsonAndUrl) {
  PlaceholderValues v;
  v.values = {{"RUN_ID", "r-1"}, {"JOB_ID", 42}, {"USER_NAME", "a b@x.com"}};
  EXPECT_EQ(substitute_text("x-${RUN_ID}-y", v), "x-r-1-y");
  Json body = {{"job_id", "${JOB_ID}"}, {"name", "job ${JOB_ID}"}, {"list", {"${RUN_ID}"}}};
  Json out = substitute_json(body, v);
  EXPECT_EQ(out["job_id"], 42);  // a lone placeholder keeps the value's type
  EXPECT_EQ(out["name"], "job 42");
  EXPECT_EQ(out["list"][0], "r-1");
  EXPECT_EQ(substitute_url("https://h/x?u=${USER_NAME}", v), "https://h/x?u=a%20b%40x.com");
}

TEST(Placeholders, EscapedTextIsNeverSubstituted) {
  std::string user = "spark.conf ${env:HOME} and $${x} and $5";
  std::string escaped = escape_placeholders(user);
  PlaceholderValues v;
  EXPECT_EQ(substitute_text(escaped, v), user);
  EXPECT_TRUE(placeholders_in(escaped).empty());
}

TEST(Placeholders, MissingValueNamesThePlaceholder) {
  PlaceholderValues v;
  try {
    substitute_text("a ${CONTEXT_ID}", v);
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("CONTEXT_ID"), std::string::npos);
  }
  EXPECT_THROW(substitute_text("a ${lower}", v), std::invalid_argument);
  EXPECT_THROW(substitute_text("a ${OPEN", v), std::invalid_argument);
}

TEST(Placeholders, FileReferencesResolveAgainstThePayload) {
  Payload p;
  p.files.push_back({"model.py", "print('${RUN_ID}')\n", "text/x-python"});
  PlaceholderValues v;
  v.payload = &p;
  // File contents are inserted verbatim: a `${` inside user code is not a placeholder.
  EXPECT_EQ(substitute_json(Json("${FILE_TEXT:model.py}"), v), "print('${RUN_ID}')\n");
  EXPECT_EQ(substitute_json(Json("${FILE_BASE64:model.py}"), v), "cHJpbnQoJyR7UlVOX0lEfScpCg==");
  EXPECT_THROW(substitute_json(Json("${FILE_TEXT:nope.py}"), v), std::invalid_argument);
}

TEST(Placeholders, RequestIdIsAStableUuidPerStep) {
  std::string a = request_id("run", "model.p.m", "submit_run");
  EXPECT_EQ(a, request_id("run", "model.p.m", "submit_run"));
  EXPECT_NE(a, request_id("run", "model.p.m", "create_batch"));
  EXPECT_NE(a, request_id("run", "model.p.m", "submit_run", 2));
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '8');                                          // version 8
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos);  // RFC 9562 variant
  for (size_t i : {8u, 13u, 18u, 23u})
    EXPECT_EQ(a[i], '-');
}

TEST(PythonLiteral, StringsAndValues) {
  EXPECT_EQ(py_str("a\"b\\c\n\t\x01é"), "\"a\\\"b\\\\c\\n\\t\\x01é\"");
  EXPECT_EQ(py_literal(Json::parse(R"({"a":[1,2.5,true,null],"b":"x"})")),
            "{\"a\": [1, 2.5, True, None], \"b\": \"x\"}");
  EXPECT_EQ(py_literal_block(Json::object()), "{}");
  EXPECT_EQ(py_literal_block(Json{{"k", 1}}), "{\n    \"k\": 1,\n}");
}

TEST(SnowflakeNames, ParseRenderedRelations) {
  auto r = snowflake::parse_relation("ANALYTICS.dbt_marts.ORDERS");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->schema.stored(), "DBT_MARTS");
  auto q = snowflake::parse_relation(R"("my db"."Sch""ema".ORDERS)");
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->database.quoted);
  EXPECT_EQ(q->database.stored(), "my db");
  EXPECT_EQ(q->schema.stored(), "Sch\"ema");
  EXPECT_EQ(snowflake::with_suffix(q->schema, "__x").sql, "\"Sch\"\"ema__x\"");
  EXPECT_FALSE(snowflake::parse_relation("a.b"));
  EXPECT_FALSE(snowflake::parse_relation("\"a.b.c"));
  EXPECT_EQ(snowflake::identifier_from_text("my-wh").sql, "\"my-wh\"");
  EXPECT_EQ(snowflake::identifier_from_text("wh_1").stored(), "WH_1");
}

TEST(SnowflakeBody, DollarQuotedUnlessTheTextContainsDollarDollar) {
  EXPECT_EQ(snowflake::body_constant("x = 1\n"), "$$\nx = 1\n$$");
  std::string tricky = "s = '$$' + \"\\\\\" + 'it''s'\n";
  std::string constant = snowflake::body_constant(tricky);
  EXPECT_EQ(constant.front(), '\'');
  size_t end = 0;
  auto value = testing::parse_snowflake_constant(constant, 0, end);
  ASSERT_TRUE(value);
  EXPECT_EQ(*value, "\n" + tricky);
  EXPECT_EQ(end, constant.size());
}

TEST(ModelSource, BomCrlfAndFinalNewline) {
  auto fx = testing::snowflake_fixture();
  ConfigReader cfg(fx.model, fx.source, fx.target);
  ModelSource s = prepare_model_source("\xEF\xBB\xBFline1\r\nline2\rline3", cfg);
  EXPECT_TRUE(s.had_bom);
  EXPECT_TRUE(s.had_crlf);
  EXPECT_EQ(s.text, "line1\nline2\nline3\n");
  EXPECT_EQ(s.line_count, 3);
}

TEST(ModelSource, InvalidUtf8AndNulAreErrorsWithTheLine) {
  auto fx = testing::snowflake_fixture();
  ConfigReader cfg(fx.model, fx.source, fx.target);
  try {
    prepare_model_source("ok\nbad \xC3\x28 here\n", cfg);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.diagnostics()[0].code, "DBTPY314");
    EXPECT_EQ(e.diagnostics()[0].line, 2);
  }
  EXPECT_THROW(prepare_model_source(std::string("a\n\0b", 4), cfg), Error);
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));      // overlong
  EXPECT_TRUE(is_valid_utf8("žluťoučký kůň 🐍"));
}

TEST(DataprocBatch, ProfileOverlayIsDeepMergedWithJsonNames) {
  Json base = {{"runtimeConfig", {{"version", "2.2"}, {"properties", {{"a", "1"}}}}},
               {"pysparkBatch", {{"jarFileUris", {"x.jar"}}}}};
  Json overlay = dataproc::to_json_field_names(Json::parse(R"({
      "runtime_config": {"properties": {"spark.executor_cores": "4"}},
      "pyspark_batch": {"jar_file_uris": ["y.jar"]},
      "labels": {"my_label": "v"}})"));
  Json merged = dataproc::deep_merge(base, overlay);
  EXPECT_EQ(merged["runtimeConfig"]["version"], "2.2");
  EXPECT_EQ(merged["runtimeConfig"]["properties"]["a"], "1");                     // maps merged
  EXPECT_EQ(merged["runtimeConfig"]["properties"]["spark.executor_cores"], "4");  // keys kept
  EXPECT_EQ(merged["pysparkBatch"]["jarFileUris"], Json::array({"y.jar"}));       // lists replaced
  EXPECT_EQ(merged["labels"]["my_label"], "v");
}

TEST(Identifiers, DataprocLabelsAndIds) {
  EXPECT_EQ(dns_label("Orders_V2 (EU)", 63), "orders-v2-eu");
  EXPECT_EQ(dns_label("2024_orders", 63), "m-2024-orders");
  EXPECT_EQ(dns_label("___", 10), "m");
  EXPECT_EQ(dns_label("abcdefghij-klmn", 11), "abcdefghij");
  EXPECT_EQ(word_chars("a-b.c", 10), "a_b_c");
}

TEST(DatabricksCluster, IdFromHttpPath) {
  EXPECT_EQ(databricks::cluster_id_from_http_path("sql/protocolv1/o/123/0123-456-abc"),
            "0123-456-abc");
  EXPECT_EQ(databricks::cluster_id_from_http_path("/sql/protocolv1/o/123/0123-456-abc?o=1"),
            "0123-456-abc");
  EXPECT_FALSE(databricks::cluster_id_from_http_path("/sql/1.0/warehouses/abc"));
  EXPECT_TRUE(databricks::is_warehouse_http_path("/sql/1.0/warehouses/abc"));
}

TEST(DatabricksNotebook, PipCommandQuotesSpecifiers) {
  EXPECT_EQ(databricks::pip_install_command({"pandas", "numpy>=1.24,<2"}, ""),
            "%pip install -q pandas 'numpy>=1.24,<2'");
  EXPECT_EQ(databricks::pip_install_command({"x==1"}, "https://idx/simple"),
            "%pip install --index-url https://idx/simple -q x==1");
}

TEST(BigQueryScript, StringLiteralEscapes) {
  EXPECT_EQ(dataproc::bq_string("it's a \\ \n"), "'it\\'s a \\\\ \\n'");
}

}  // namespace
}  // namespace dbtpy::codegen

namespace dbtpy::codegen {
namespace {

// Every DBTPY3xx code the generators can raise is documented with an example.
TEST(ErrorCodes, EveryCodegenCodeIsDocumented) {
  namespace fs = std::filesystem;
  std::string docs = testing::read_text(std::string(DBTPY_SOURCE_DIR) + "/docs/errors.md");
  std::regex code("DBTPY3[0-9]{2}");
  int checked = 0;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(DBTPY_SOURCE_DIR) / "codegen")) {
    if (!e.is_regular_file()) continue;
    std::string text = testing::read_text(e.path().string());
    for (std::sregex_iterator it(text.begin(), text.end(), code), end; it != end; ++it) {
      ++checked;
      EXPECT_NE(docs.find("**" + it->str() + "**"), std::string::npos)
          << it->str() << " (" << e.path().filename().string() << ") is not in docs/errors.md";
    }
  }
  EXPECT_GT(checked, 20);
}

}  // namespace
}  // namespace dbtpy::codegen
