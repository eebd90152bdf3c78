#include "compiler/dbtpy_manifest.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <cstring>
#include <random>

#include "compiler/json_text.h"
#include "tests/compiler/project_fixture.h"
#include "util/fs.h"

namespace dbtpy::compiler {
namespace {

using testing::ProjectFixture;
using testing::py_model;

TEST(JsonText, EscapesLikeNlohmann) {
  for (std::string s :
       {std::string("plain"), std::string("q\"uote\\back"), std::string("ctl\n\t\x01 end"),
        std::string("caf\xc3\xa9 ok"), std::string("bad \xff byte"), std::string()}) {
    std::string out;
    append_json_string(out, s);
    EXPECT_EQ(out, Json(s).dump(-1, ' ', false, Json::error_handler_t::replace)) << s;
  }
  std::string out;
  JsonText w(out);
  w.begin_object().field("a", "x").key("b").begin_array().integer(1).null().value(
      Json{{"k", true}});
  w.end_array().json_field("c", Json::array()).end_object();
  EXPECT_EQ(out, R"({"a":"x","b":[1,null,{"k":true}],"c":[]})");
}

std::string dumped(const Json& v) {
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

TEST(JsonText, EscapesEveryByteLikeNlohmann) {
  // Each byte value at every position of strings of every length up to 40: the 8-byte scan,
  // the overlapping check of the last bytes and the byte loop.
  for (int b = 0; b < 256; ++b) {
    for (size_t len = 1; len <= 40; ++len) {
      for (size_t pos = 0; pos < len; ++pos) {
        std::string s(len, 'a');
        s[pos] = static_cast<char>(b);
        std::string out = "prefix";
        append_json_string(out, s);
        ASSERT_EQ(out, "prefix" + dumped(Json(s))) << "byte " << b << " at " << pos << "/" << len;
      }
    }
  }
  // A second special byte after the first, in the tail that the last-word check covers.
  for (size_t len = 2; len <= 40; ++len) {
    for (size_t first = 0; first + 1 < len; ++first) {
      for (size_t second = first + 1; second < len; ++second) {
        std::string s(len, 'x');
        s[first] = '"';
        s[second] = '\n';
        std::string out;
        append_json_string(out, s);
        ASSERT_EQ(out, dumped(Json(s))) << first << "," << second << "/" << len;
      }
    }
  }
}

TEST(JsonText, KeepsValidUtf8AndReplacesInvalidLikeNlohmann) {
  for (std::string s : {
           std::string("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf end"),
           std::string("overlong \xc0\x80 \xc1\xbf \xe0\x80\x80 \xf0\x80\x80\x80"),
           std::string("surrogate \xed\xa0\x80 and \xed\x9f\xbf ok"),
           std::string("too high \xf4\x90\x80\x80 \xf5\x80"),
           std::string("lone continuation \x80 \xbf"),
           std::string("truncated at the end \xe2\x82"),
           std::string("\xf0\x9f\x98"),
           std::string("\xe2\x82\xac\"\\\x7f\x1f"),
       }) {
    std::string out;
    append_json_string(out, s);
    EXPECT_EQ(out, dumped(Json(s))) << s;
  }
  // Random strings rich in bytes that need care.
  std::mt19937 rng(42);
  const std::string alphabet =
      std::string("ab\"\\\n\t\x01\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\xed\xa0\x80\xff", 20);
  for (int i = 0; i < 3000; ++i) {
    std::string s(rng() % 40, ' ');
    for (char& c : s)
      c = alphabet[rng() % alphabet.size()];
    std::string out;
    append_json_string(out, s);
    ASSERT_EQ(out, dumped(Json(s))) << ::testing::PrintToString(s);
  }
}

TEST(JsonText, KeepsMultibyteUtf8AtEveryPositionOfAWordAndTheTail) {
  // Each sequence length starting at every position of strings up to 3 words long: split across
  // the 8-byte words, inside the overlapping last word, and ending the string.
  for (std::string seq : {std::string("\xc3\xa9"), std::string("\xe2\x82\xac"),
                          std::string("\xf0\x9f\x98\x80"), std::string("\xed\xa0\x80")}) {
    for (size_t len = seq.size(); len <= 24; ++len) {
      for (size_t pos = 0; pos + seq.size() <= len; ++pos) {
        std::string s(len, 'k');
        s.replace(pos, seq.size(), seq);
        std::string out;
        append_json_string(out, s);
        ASSERT_EQ(out, dumped(Json(s))) << pos << "/" << len;
      }
    }
  }
}

TEST(JsonText, AppendsAcrossTheOutputsGrowthAndKeepsWhatWasThere) {
  // Strings of every length appended to an output at every fill of its capacity: the growth
  // of `out` mid-string loses nothing.
  for (size_t len = 0; len <= 70; ++len) {
    const std::string s(len, 'v');
    const std::string e = std::string(len / 2, 'v') + "\x01" + std::string(len - len / 2, 'w');
    std::string out;
    std::string expected;
    for (int i = 0; i < 40; ++i) {
      append_json_string(out, i % 3 ? s : e);
      expected += dumped(Json(i % 3 ? s : e));
    }
    ASSERT_EQ(out, expected) << len;
  }
  std::string out = "x";
  append_json_string(out, "");
  EXPECT_EQ(out, "x\"\"");
}

TEST(JsonText, AppendsTheTextBeforeAStringAsItIs) {
  // Every length of the text before and of the string, across the short one-append path and
  // the long one, clean and needing escapes.
  for (size_t b = 0; b <= 70; b += 3) {
    const std::string before = std::string(b, ',') + (b ? "\"k\":" : "");
    for (size_t len = 0; len <= 70; ++len) {
      for (const std::string& s : {std::string(len, 'c'), std::string(len, 'c') + "\n"}) {
        std::string out = "x";
        append_json_string(out, s, before);
        ASSERT_EQ(out, "x" + before + dumped(Json(s))) << b << "/" << len;
      }
    }
  }
}

TEST(JsonText, NumbersPrintAsNlohmannDumps) {
  std::vector<double> floats = {0.0,
                                -0.0,
                                0.5,
                                0.1,
                                2.0,
                                -3.25,
                                1e300,
                                1e-7,
                                5e-324,
                                1e21,
                                1e22,
                                123456789012345680.0,
                                1.0 / 3.0,
                                std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::quiet_NaN(),
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity()};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    floats.push_back(d);
  }
  for (double d : floats) {
    std::string out = "p";
    append_json_float(out, d);
    ASSERT_EQ(out, "p" + dumped(Json(d))) << d;
  }
  for (unsigned long long u : {0ULL, 7ULL, 18446744073709551615ULL}) {
    std::string out;
    append_json_unsigned(out, u);
    EXPECT_EQ(out, dumped(Json(u)));
  }
}

TEST(JsonText, ValuesPrintAsNlohmannDumps) {
  for (const Json& v :
       {Json(nullptr), Json(true), Json(-7), Json(std::numeric_limits<uint64_t>::max()), Json(0.1),
        Json(1e300), Json(2.0), Json("x\ny"), Json::array({1, Json::array(), Json::object()}),
        Json{{"b", {{"c", nullptr}}}, {"a", Json::array({"\xff"})}}}) {
    std::string out;
    append_json_value(out, v);
    EXPECT_EQ(out, dumped(v));
  }
  JsonMembersText members(Json{{"z", 1}, {"a", {{"k", true}}}, {"e", Json::object()}});
  ASSERT_EQ(members.members.size(), 3u);
  EXPECT_EQ(members.members[0].key, "a");
  EXPECT_EQ(members.members[0].text, R"("a":{"k":true})");
  ASSERT_EQ(members.members[0].members.size(), 1u);
  EXPECT_EQ(members.members[0].members[0].text, R"("k":true)");
  EXPECT_TRUE(members.members[1].members.empty());  // an empty object has no members to merge
  // The joined texts: one append per run of consecutive members.
  EXPECT_EQ(members.joined, R"(,"a":{"k":true},"e":{},"z":1)");
  EXPECT_EQ(members.starts, (std::vector<size_t>{0, 15, 22, 28}));
  EXPECT_EQ(members.members[2].key_size, 4u);  // "z":
  EXPECT_EQ(members.members[0].members_joined, R"(,"k":true)");
  EXPECT_EQ(members.members[0].members_starts, (std::vector<size_t>{0, 9}));
  EXPECT_TRUE(JsonMembersText(Json(3)).joined.empty());
}

TEST(DbtpyManifest, StreamedEntriesCarryTheLsFieldsAndMore) {
  ProjectFixture f;
  f.write("models/up.sql", "select 1");
  f.write("models/src.yml", "sources:\n  - name: shop\n    tables: [{name: orders}]\n");
  f.write("models/m.py", py_model("    dbt.config(materialized='incremental', tags=['a'])\n"
                                  "    x = dbt.config.get('k', [1, 2])\n"
                                  "    s = dbt.source('shop', 'orders')\n"
                                  "    return dbt.ref('up')\n"));
  f.write("models/props.yml",
          "models:\n  - name: m\n    description: \"It's \\\"quoted\\\"\"\n"
          "    config: {docs: {show: false}}\n");
  // Two of each list's items (the items after the first open with a comma).
  f.write("models/src2.yml", "sources:\n  - name: crm\n    tables: [{name: people}]\n");
  f.write("models/two.py", py_model("    a = dbt.config.get('k1', 0.25)\n"
                                    "    b = dbt.config.get('k2', 'x')\n"
                                    "    s = dbt.source('shop', 'orders')\n"
                                    "    t = dbt.source('crm', 'people')\n"
                                    "    u = dbt.ref('m')\n"
                                    "    return dbt.ref('up')\n"));
  Project p = f.load();
  ASSERT_EQ(p.exit_code(), 0) << ::testing::PrintToString(ProjectFixture::codes(p));

  Json manifest = Json::parse(dbtpy_manifest_text(p));
  EXPECT_EQ(manifest["metadata"]["project_name"], "jaffle");
  EXPECT_EQ(manifest["metadata"]["platform"], "snowflake");
  const Json& entry = manifest["models"]["model.jaffle.m"];
  const ModelIR& m = ProjectFixture::model(p, "model.jaffle.m");
  Json ls = model_json(m);
  for (auto it = ls.begin(); it != ls.end(); ++it)
    EXPECT_EQ(entry[it.key()], *it) << it.key();  // the same data as `ls --output json`
  EXPECT_EQ(entry["config"]["docs"], (Json{{"show", false}, {"node_color", nullptr}}));
  EXPECT_EQ(entry["config_provenance"]["materialized"], "in-file config");
  EXPECT_EQ(entry["config_provenance"]["docs"], "properties");
  EXPECT_EQ(entry["ref_relations"]["up"], "ANALYTICS.dbt_me.up");
  EXPECT_EQ(entry["source_relations"]["shop.orders"], "ANALYTICS.shop.orders");
  EXPECT_EQ(entry["description"], "It's \"quoted\"");
  EXPECT_EQ(entry["fqn"], Json({"jaffle", "m"}));
  EXPECT_EQ(manifest["nodes"]["model.jaffle.up"]["materialized"], "view");
  EXPECT_EQ(manifest["nodes"]["source.jaffle.shop.orders"]["resource_type"], "source");

  // The text is written straight from the IR: the same bytes as the Json views dumped.
  const Node& node = *p.find("model.jaffle.m");
  std::string text = dbtpy_manifest_text(p);
  EXPECT_NE(text.find("\n\"model.jaffle.m\": " + dumped(manifest_model_json(node, m)) + ",\n"),
            std::string::npos);
  EXPECT_EQ(model_json_text(m), dumped(model_json(m)));
  const ModelIR& two = ProjectFixture::model(p, "model.jaffle.two");
  ASSERT_EQ(two.refs.size(), 2u);
  ASSERT_EQ(two.sources.size(), 2u);
  ASSERT_EQ(two.config_keys_used.size(), 2u);
  EXPECT_NE(text.find("\n\"model.jaffle.two\": " +
                      dumped(manifest_model_json(*p.find("model.jaffle.two"), two)) + "\n"),
            std::string::npos);
  EXPECT_EQ(model_json_text(two), dumped(model_json(two)));
  std::set<std::string> keys = {"name", "config", "nope"};
  EXPECT_EQ(model_json_text(m, &keys),
            dumped({{"name", "m"}, {"config", model_json(m)["config"]}}));
  keys.clear();
  EXPECT_EQ(model_json_text(m, &keys), "{}");

  // Written atomically where dbt users expect dbtpy's artifacts; same bytes as the text.
  auto path = write_dbtpy_manifest(p);
  EXPECT_EQ(path, f.dir.path() / "target/dbtpy/manifest.json");
  EXPECT_EQ(read_file(path), dbtpy_manifest_text(p));
}

// A project with more models than one formatting chunk, with configs that print every kind of
// value, so ordering across chunks and threads shows.
void add_many_models(ProjectFixture& f, int n) {
  f.write("models/up.sql", "select 1");
  for (int i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "m%04d", i);
    f.write(std::string("models/") + name + ".py",
            py_model("    dbt.config(materialized='table', tags=['t" + std::to_string(i) +
                     "', 'caf\u00e9'], meta={'w': " + std::to_string(i) +
                     ".5, 'q': 'a\"b'}, docs={'node_color': 'red'})\n"
                     "    return dbt.ref('up')\n"));
  }
}

TEST(DbtpyManifest, ChunksAreWrittenInOrderAsTheTreeWouldPrintThem) {
  ProjectFixture f;
  add_many_models(f, 300);
  Project p = f.load();
  ASSERT_EQ(p.exit_code(), 0) << ::testing::PrintToString(ProjectFixture::codes(p));
  std::string text = dbtpy_manifest_text(p);
  // Every entry on its own line, in unique_id order, each the dump of manifest_model_json.
  size_t at = text.find("\"models\": {\n");
  ASSERT_NE(at, std::string::npos);
  at += 12;
  for (const auto& n : p.nodes) {
    if (n.python_model < 0) continue;
    std::string line =
        "\"" + n.unique_id + "\": " +
        dumped(manifest_model_json(n, p.python_models[static_cast<size_t>(n.python_model)]));
    ASSERT_EQ(text.compare(at, line.size(), line), 0) << n.unique_id;
    at += line.size();
    ASSERT_TRUE(text.compare(at, 2, ",\n") == 0 || text.compare(at, 3, "\n},") == 0);
    at += text[at] == ',' ? 2 : 0;
  }
  EXPECT_EQ(Json::parse(text)["models"].size(), 300u);
  auto path = write_dbtpy_manifest(p);
  EXPECT_EQ(read_file(path), text);
}

TEST(DbtpyManifest, AFailedWriteLeavesThePreviousManifestAndNamesThePath) {
  ProjectFixture f;
  add_many_models(f, 300);
  Project p = f.load();
  ASSERT_EQ(p.exit_code(), 0);
  auto path = f.dir.path() / "target/dbtpy/manifest.json";
  write_file_atomic(path, "previous");
  // The file size limit makes write() fail with EFBIG part way through (SIGXFSZ ignored).
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit old_limit {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct rlimit small = old_limit;
  small.rlim_cur = 64 * 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string error;
  try {
    write_dbtpy_manifest(p);
  } catch (const std::runtime_error& e) {
    error = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(error.find(path.string()), std::string::npos) << error;
  EXPECT_EQ(read_file(path), "previous");
  for (const auto& entry : std::filesystem::directory_iterator(path.parent_path())) {
    if (entry.path().filename() != "partial_parse.bin") {   // the loader's, written by load()
      EXPECT_EQ(entry.path().filename(), "manifest.json");  // no temp file left behind
    }
  }
}

}  // namespace
}  // namespace dbtpy::compiler
