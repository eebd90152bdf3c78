// The partial parse file's format: what goes in comes out, and a file from another build, a
// truncated or a damaged file is refused as a whole (never a crash, a hang or a wrong value).
#include "compiler/analysis_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include "util/hash.h"

namespace dbtpy::compiler {
namespace {

const AnalyzerIdentity kIdentity{"\x01\x02\x03\x04build", "1.2.3"};

python::PythonAnalysis sample_analysis() {
  python::PythonAnalysis a;
  a.model_def_line = 7;
  Diagnostic d;
  d.severity = Severity::kWarning;
  d.code = "DBTPY150";
  d.file = "models/a.py";
  d.line = 3;
  d.column = 14;
  d.message = "message with \"quotes\" and ünïcode";
  d.hint = "a hint";
  a.diagnostics.push_back(d);
  d.severity = Severity::kError;
  d.code.clear();
  d.hint.clear();
  a.diagnostics.push_back(d);
  a.config_calls.push_back(Json::parse(
      R"({"materialized": "incremental", "n": -5, "big": 18446744073709551615, "f": 0.1,
          "tags": ["a", null, true, false, [1.5e300, {}]], "meta": {"x": {"y": []}}})"));
  a.config_calls.push_back(Json::object());
  RefCall r;
  r.name = "orders";
  r.where = {4, 9};
  a.refs.push_back(r);
  r.name = "customers";
  r.package = "pkg";
  r.version = "2";
  r.where = {1, 3};
  r.from_docstring = true;
  a.refs.push_back(r);
  SourceCall s;
  s.source_name = "raw";
  s.table_name = "payments";
  s.where = {5, 1};
  a.sources.push_back(s);
  KeyUse k;
  k.key = "threshold";
  k.default_value = 0.25;
  k.where = {9, 2};
  a.config_keys_used.push_back(k);
  k.key = "owner";
  k.default_value = nullptr;
  a.meta_keys_used.push_back(k);
  a.imports = {"pandas", "numpy"};
  return a;
}

void expect_same(const python::PythonAnalysis& a, const python::PythonAnalysis& b) {
  EXPECT_EQ(a.model_def_line, b.model_def_line);
  EXPECT_EQ(a.empty_module, b.empty_module);
  ASSERT_EQ(a.diagnostics.size(), b.diagnostics.size());
  for (size_t i = 0; i < a.diagnostics.size(); ++i) {
    EXPECT_EQ(format_diagnostic(a.diagnostics[i]), format_diagnostic(b.diagnostics[i]));
    EXPECT_EQ(a.diagnostics[i].severity, b.diagnostics[i].severity);
  }
  ASSERT_EQ(a.config_calls.size(), b.config_calls.size());
  for (size_t i = 0; i < a.config_calls.size(); ++i) {
    EXPECT_EQ(a.config_calls[i], b.config_calls[i]);
    EXPECT_EQ(a.config_calls[i].dump(), b.config_calls[i].dump());  // int/uint/float kept apart
  }
  ASSERT_EQ(a.refs.size(), b.refs.size());
  for (size_t i = 0; i < a.refs.size(); ++i) {
    EXPECT_EQ(a.refs[i].name, b.refs[i].name);
    EXPECT_EQ(a.refs[i].package, b.refs[i].package);
    EXPECT_EQ(a.refs[i].version, b.refs[i].version);
    EXPECT_EQ(a.refs[i].where.line, b.refs[i].where.line);
    EXPECT_EQ(a.refs[i].where.column, b.refs[i].where.column);
    EXPECT_EQ(a.refs[i].from_docstring, b.refs[i].from_docstring);
  }
  ASSERT_EQ(a.sources.size(), b.sources.size());
  for (size_t i = 0; i < a.sources.size(); ++i) {
    EXPECT_EQ(a.sources[i].source_name, b.sources[i].source_name);
    EXPECT_EQ(a.sources[i].table_name, b.sources[i].table_name);
    EXPECT_EQ(a.sources[i].where.line, b.sources[i].where.line);
  }
  ASSERT_EQ(a.config_keys_used.size(), b.config_keys_used.size());
  ASSERT_EQ(a.meta_keys_used.size(), b.meta_keys_used.size());
  for (size_t i = 0; i < a.config_keys_used.size(); ++i) {
    EXPECT_EQ(a.config_keys_used[i].key, b.config_keys_used[i].key);
    EXPECT_EQ(a.config_keys_used[i].default_value.dump(),
              b.config_keys_used[i].default_value.dump());
    EXPECT_EQ(a.config_keys_used[i].where.column, b.config_keys_used[i].where.column);
  }
  for (size_t i = 0; i < a.meta_keys_used.size(); ++i)
    EXPECT_EQ(a.meta_keys_used[i].key, b.meta_keys_used[i].key);
  EXPECT_EQ(a.imports, b.imports);
}

// A stamp with every field large (multi-byte varints).
const FileStamp kStamp{123456789, 1700000000123456789ULL, 1700000001987654321ULL, 987654321};

// A small cache file: two entries, the second without a known stamp.
std::string small_file(const std::string& sha_a, const std::string& sha_b) {
  std::string a, b;
  EXPECT_TRUE(encode_entry("models/a.py", sha_a, kStamp, sample_analysis(), &a));
  python::PythonAnalysis empty;
  empty.empty_module = true;
  EXPECT_TRUE(encode_entry("models/b.py", sha_b, FileStamp{}, empty, &b));
  return cache_file_bytes(kIdentity, {a, b});
}

TEST(AnalysisCache, EveryFieldSurvivesTheRoundTrip) {
  const std::string sha_a = sha256_hex("a"), sha_b = sha256_hex("b");
  AnalysisCache cache;
  std::string why;
  ASSERT_TRUE(cache.load(small_file(sha_a, sha_b), kIdentity, &why)) << why;
  EXPECT_EQ(cache.size(), 2u);
  auto a = cache.find("models/a.py");
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(cache.same_content(*a, sha_a));
  EXPECT_FALSE(cache.same_content(*a, sha_b));
  EXPECT_FALSE(cache.same_content(*a, "not hex"));
  EXPECT_EQ(cache.sha256_hex(*a), sha_a);
  EXPECT_EQ(cache.stamp(*a), kStamp);
  EXPECT_FALSE(cache.trusted(*a));  // loaded without the cache file's time: no stamp vouches
  python::PythonAnalysis out;
  ASSERT_TRUE(cache.decode(*a, &out));
  expect_same(sample_analysis(), out);
  auto b = cache.find("models/b.py");
  ASSERT_TRUE(b.has_value());
  ASSERT_TRUE(cache.decode(*b, &out));
  EXPECT_TRUE(out.empty_module);
  EXPECT_TRUE(out.refs.empty());
  EXPECT_FALSE(cache.find("models/c.py").has_value());
  // An entry written again unchanged reads back the same.
  AnalysisCache again;
  ASSERT_TRUE(again.load(cache_file_bytes(kIdentity, {cache.entry_bytes(*a)}), kIdentity, &why));
  ASSERT_TRUE(again.decode(0, &out));
  expect_same(sample_analysis(), out);
  // ... and restamped, only its stamp changes.
  const FileStamp later{7, 8, 9, 10};
  std::string restamped;
  cache.restamped(*a, later, &restamped);
  ASSERT_TRUE(again.load(cache_file_bytes(kIdentity, {restamped}), kIdentity, &why));
  EXPECT_EQ(again.stamp(0), later);
  EXPECT_TRUE(again.same_content(0, sha_a));
  ASSERT_TRUE(again.decode(0, &out));
  expect_same(sample_analysis(), out);
}

TEST(AnalysisCache, OnlyKnownStampsOlderThanTheCacheFileAreTrusted) {
  // Git's racy rule: a file changed in the same timestamp tick as the cache was written may
  // have changed after it was read, with the same stamp.
  auto entry = [](const char* display, FileStamp stamp) {
    std::string e;
    EXPECT_TRUE(encode_entry(display, sha256_hex("a"), stamp, sample_analysis(), &e));
    return e;
  };
  const uint64_t written = 1700000000000000000ULL;
  const std::string older = entry("models/older.py", {5, written - 1, written - 1, 42});
  const std::string same_mtime = entry("models/mtime.py", {5, written, written - 1, 43});
  const std::string same_ctime = entry("models/ctime.py", {5, written - 1, written, 44});
  const std::string unknown = entry("models/unknown.py", {5, written - 1, written - 1, 0});
  AnalysisCache cache;
  std::string why;
  ASSERT_TRUE(cache.load(cache_file_bytes(kIdentity, {older, same_mtime, same_ctime, unknown}),
                         kIdentity, &why, written))
      << why;
  EXPECT_TRUE(cache.trusted(*cache.find("models/older.py")));
  EXPECT_FALSE(cache.trusted(*cache.find("models/mtime.py")));
  EXPECT_FALSE(cache.trusted(*cache.find("models/ctime.py")));
  EXPECT_FALSE(cache.trusted(*cache.find("models/unknown.py")));
}

TEST(AnalysisCache, StreamedFileHasTheSameBytes) {
  std::string a;
  ASSERT_TRUE(encode_entry("models/a.py", sha256_hex("a"), kStamp, sample_analysis(), &a));
  std::vector<std::string_view> entries(3000, a);  // several write buffers' worth
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("dbtpy-analysis-cache-" + std::to_string(::getpid())) /
                                     "partial_parse.bin";
  write_cache_file(path, kIdentity, entries);
  std::string written;
  {
    std::ifstream in(path, std::ios::binary);
    written.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::filesystem::remove_all(path.parent_path());
  EXPECT_EQ(written, cache_file_bytes(kIdentity, entries));
}

TEST(AnalysisCache, FilesAreCheckedBeforeBeingReadWhole) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("dbtpy-analysis-cache-file-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return dir / name;
  };
  AnalysisCache cache;
  std::string why;
  bool exists = true;
  EXPECT_FALSE(cache.load_file(dir / "missing.bin", kIdentity, &why, &exists));
  EXPECT_FALSE(exists);
  EXPECT_NE(why.find("missing.bin"), std::string::npos) << why;
  // dbt's own msgpack (what DBT_PARTIAL_PARSE_FILE_PATH names for dbt).
  EXPECT_FALSE(
      cache.load_file(write("dbt.msgpack", std::string(100000, '\x85')), kIdentity, &why, &exists));
  EXPECT_TRUE(exists);
  EXPECT_EQ(why, "not a dbtpy partial parse file");
  EXPECT_FALSE(cache.load_file(write("short.bin", "DBT"), kIdentity, &why, &exists));
  // A FIFO is refused without reading it (a read would wait for a writer forever); so is a
  // folder.
  ASSERT_EQ(::mkfifo((dir / "fifo.bin").c_str(), 0600), 0);
  EXPECT_FALSE(cache.load_file(dir / "fifo.bin", kIdentity, &why, &exists));
  EXPECT_EQ(why, "not a regular file");
  std::filesystem::create_directories(dir / "folder.bin");
  EXPECT_FALSE(cache.load_file(dir / "folder.bin", kIdentity, &why, &exists));
  EXPECT_TRUE(cache.load_file(write("good.bin", small_file(sha256_hex("a"), sha256_hex("b"))),
                              kIdentity, &why, &exists))
      << why;
  EXPECT_EQ(cache.size(), 2u);
  std::filesystem::remove_all(dir);
}

TEST(AnalysisCache, AnotherBuildOrVersionIsIgnored) {
  const std::string file = small_file(sha256_hex("a"), sha256_hex("b"));
  AnalysisCache cache;
  std::string why;
  EXPECT_FALSE(cache.load(file, {"\x01\x02\x03\x04other", "1.2.3"}, &why));
  EXPECT_EQ(why, "written by another dbtpy build");
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.load(file, {kIdentity.build_id, "1.2.4"}, &why));
  EXPECT_FALSE(cache.load("", kIdentity, &why));
  EXPECT_FALSE(cache.load("\x82\xa5nodes msgpack of dbt", kIdentity, &why));
  EXPECT_EQ(why, "not a dbtpy partial parse file");
  // Another format version (the 4 bytes after the magic).
  std::string other = file;
  other[8] = static_cast<char>(other[8] + 1);
  EXPECT_FALSE(cache.load(other, kIdentity, &why));
  EXPECT_EQ(why, "written in another format version");
}

TEST(AnalysisCache, EveryTruncationIsRefused) {
  const std::string file = small_file(sha256_hex("a"), sha256_hex("b"));
  for (size_t n = 0; n < file.size(); ++n) {
    AnalysisCache cache;
    std::string why;
    EXPECT_FALSE(cache.load(file.substr(0, n), kIdentity, &why)) << n;
    EXPECT_FALSE(why.empty());
    EXPECT_EQ(cache.size(), 0u);
  }
  AnalysisCache cache;
  std::string why;
  EXPECT_FALSE(cache.load(file + "x", kIdentity, &why));  // or extended
}

TEST(AnalysisCache, DamagedFilesAreRefusedOrReadExactly) {
  const std::string sha_a = sha256_hex("a"), sha_b = sha256_hex("b");
  const std::string file = small_file(sha_a, sha_b);
  std::mt19937 rng(20261122);
  int refused = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string damaged = file;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < flips; ++i)
      damaged[rng() % damaged.size()] ^= static_cast<char>(1 + rng() % 255);
    AnalysisCache cache;
    std::string why;
    if (!cache.load(damaged, kIdentity, &why)) {
      ++refused;
      continue;
    }
    // Accepted (the damage cancelled out): every entry must still read exactly.
    for (size_t e = 0; e < cache.size(); ++e) {
      python::PythonAnalysis out;
      if (cache.decode(e, &out) && cache.same_content(e, sha_a))
        expect_same(sample_analysis(), out);
    }
  }
  EXPECT_GT(refused, 2990);
  // Random bytes after a valid header prefix, and pure noise.
  for (int round = 0; round < 500; ++round) {
    std::string noise(static_cast<size_t>(rng() % 400), '\0');
    for (auto& c : noise)
      c = static_cast<char>(rng());
    AnalysisCache cache;
    std::string why;
    EXPECT_FALSE(cache.load(file.substr(0, rng() % file.size()) + noise, kIdentity, &why));
  }
}

TEST(AnalysisCache, ValuesTooDeepToReadBackAreNotStored) {
  Json deep = Json::array();
  Json* at = &deep;
  for (int i = 0; i < 600; ++i) {
    at->push_back(Json::array());
    at = &at->back();
  }
  python::PythonAnalysis a;
  a.config_calls.push_back(deep);
  std::string out = "kept";
  EXPECT_FALSE(encode_entry("models/a.py", sha256_hex("a"), kStamp, a, &out));
  EXPECT_EQ(out, "kept");
  EXPECT_FALSE(encode_entry("models/a.py", "short", kStamp, python::PythonAnalysis{}, &out));
}

TEST(AnalysisCache, ArenaViewsStayValidAcrossBlocks) {
  EntryArena arena;
  std::vector<std::string_view> views;
  for (int i = 0; i < 2000; ++i)  // ~2,000 x 400 bytes: several 256 KB blocks
    views.push_back(arena.add("models/m" + std::to_string(i) + ".py", sha256_hex("a"), kStamp,
                              sample_analysis()));
  AnalysisCache cache;
  std::string why;
  ASSERT_TRUE(cache.load(cache_file_bytes(kIdentity, views), kIdentity, &why)) << why;
  ASSERT_EQ(cache.size(), 2000u);
  python::PythonAnalysis out;
  ASSERT_TRUE(cache.decode(*cache.find("models/m1999.py"), &out));
  expect_same(sample_analysis(), out);
}

TEST(AnalysisCache, TheRunningAnalyzerHasABuildId) {
  // Partial parsing is off without one; our builds link with --build-id (GCC's default).
  auto identity = running_analyzer_identity();
  ASSERT_TRUE(identity.has_value());
  EXPECT_GE(identity->build_id.size(), 8u);
  EXPECT_FALSE(identity->version.empty());
}

}  // namespace
}  // namespace dbtpy::compiler
