// The hand-written parsers for the platforms' config files and token responses.
#include <gtest/gtest.h>

#include "profiles/auth/ini_file.h"
#include "profiles/auth/token_response.h"
#include "profiles/auth/toml_subset.h"

namespace dbtpy::profiles::auth {
namespace {

TEST(Toml, ConnectionsFileAsSnowflakeDocumentsIt) {
  Json doc = parse_toml(R"(# my connections
default_connection_name = "dev"

[dev]
account = "myorg-myaccount"   # org-account form
user = 'DBT_USER'
port = 443
private_key_file = "/home/me/.ssh/rsa_key.p8"
insecure = false

[prod]
account = "xy12345.us-east-2.aws"
authenticator = "SNOWFLAKE_JWT"
private_key_raw = """
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\
  BKcwggSjAgEAAoIBAQ
-----END PRIVATE KEY-----"""

[connections."quoted name".x]
k = "a\tb\u00e9\"c\\"
lit = 'C:\path\no-escapes'
list = [ "a", 'b',
         3 ]
f = 1.5
big = 1_000
)");
  EXPECT_EQ(doc["default_connection_name"], "dev");
  EXPECT_EQ(doc["dev"]["account"], "myorg-myaccount");
  EXPECT_EQ(doc["dev"]["user"], "DBT_USER");
  EXPECT_EQ(doc["dev"]["port"], 443);
  EXPECT_EQ(doc["dev"]["insecure"], false);
  EXPECT_EQ(doc["prod"]["private_key_raw"],
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ\n"
            "-----END PRIVATE KEY-----");
  const Json& x = doc["connections"]["quoted name"]["x"];
  EXPECT_EQ(x["k"], "a\tb\xc3\xa9\"c\\");
  EXPECT_EQ(x["lit"], "C:\\path\\no-escapes");
  EXPECT_EQ(x["list"], Json::parse(R"(["a","b",3])"));
  EXPECT_EQ(x["f"], 1.5);
  EXPECT_EQ(x["big"], 1000);
}

TEST(Toml, ErrorsNameTheLineAndNeverTheValue) {
  struct Case {
    const char* text;
    int line;
  };
  for (Case c : {Case{"a = 1\nb = \"unterminated secret-value\n", 2}, Case{"[t]\nkey value\n", 2},
                 Case{"a = 1\na = 2\n", 2}, Case{"\n\n[[arr]]\n", 3}, Case{"x = {a = 1}\n", 1},
                 Case{"x = \"bad \\q escape\"\n", 1}, Case{"x = 1 2\n", 1}, Case{"x = nope\n", 1},
                 Case{"x = \"\"\"never closed\n", 2}}) {
    try {
      parse_toml(c.text);
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const TomlError& e) {
      EXPECT_EQ(e.line(), c.line) << c.text << " -> " << e.what();
      EXPECT_EQ(std::string(e.what()).find("secret-value"), std::string::npos);
    }
  }
}

TEST(Ini, DatabricksConfigWithDefaultInheritance) {
  IniFile ini = IniFile::parse(
      "; comment\n[DEFAULT]\nhost = https://dbc-1.cloud.databricks.com\nTOKEN = dapi123\n\n"
      "[staging]\nhost: https://dbc-2.cloud.databricks.com\nclient_id = abc\n"
      "  continued\n# another comment\n");
  EXPECT_EQ(ini.get("DEFAULT", "token"), "dapi123");
  EXPECT_EQ(ini.get("staging", "host"), "https://dbc-2.cloud.databricks.com");
  EXPECT_EQ(ini.get("staging", "token"), "dapi123") << "[DEFAULT] is inherited";
  EXPECT_EQ(ini.get("staging", "client_id"), "abc\ncontinued");
  EXPECT_EQ(ini.get("staging", "nope"), std::nullopt);
  EXPECT_TRUE(ini.has_section("staging"));
  EXPECT_FALSE(ini.has_section("prod"));
  EXPECT_EQ(ini.sections(), std::vector<std::string>{"staging"});
  EXPECT_EQ(ini.line_of("staging"), 6);
}

TEST(Ini, Errors) {
  for (auto [text, line] : std::vector<std::pair<const char*, int>>{
           {"host = x\n", 1}, {"[a\n", 1}, {"[a]\njust words\n", 2}, {"[]\n", 1}}) {
    try {
      IniFile::parse(text);
      ADD_FAILURE() << text;
    } catch (const IniError& e) {
      EXPECT_EQ(e.line(), line) << text;
    }
  }
}

TEST(TokenResponse, ReadsTheStandardShape) {
  auto now = std::chrono::system_clock::now();
  auto t = parse_token_response(R"({"access_token":"abc","expires_in":3599,"token_type":"Bearer"})",
                                now);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->value, "abc");
  EXPECT_EQ(t->expires_at - now, std::chrono::seconds(3599));
  auto s = parse_token_response(R"({"access_token":"abc","expires_in":"60"})", now);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->expires_at - now, std::chrono::seconds(60));
  auto d = parse_token_response(R"({"access_token":"abc"})", now);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->expires_at - now, std::chrono::hours(1));
}

TEST(TokenResponse, RejectsWhatIsNotAToken) {
  auto now = std::chrono::system_clock::now();
  std::string why;
  EXPECT_FALSE(parse_token_response("<html>", now, &why));
  EXPECT_EQ(why, "the token response is not a JSON object");
  EXPECT_FALSE(parse_token_response(R"({"error":"x"})", now, &why));
  EXPECT_EQ(why, "the token response has no access_token");
  EXPECT_FALSE(parse_token_response(R"({"access_token":"abc","token_type":"mac"})", now, &why));
  EXPECT_FALSE(parse_token_response(R"({"access_token":"abc","expires_in":[1]})", now, &why));
  EXPECT_FALSE(parse_token_response(R"({"access_token":""})", now, &why));
}

}  // namespace
}  // namespace dbtpy::profiles::auth
