// Partial parsing in the project loader: a load that reuses stored analyses gives exactly what
// a full analysis gives; changed, renamed and deleted files, foreign or damaged cache files and
// the switches are honoured; a cache that cannot be written never fails the load.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>

#include "bench/synthetic_project.h"
#include "compiler/analysis_cache.h"
#include "compiler/dbtpy_manifest.h"
#include "compiler/project_loader.h"
#include "tests/compiler/project_fixture.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"

namespace dbtpy::compiler {
namespace {
namespace fs = std::filesystem;

using testing::ProjectFixture;
using testing::py_model;

// Everything a user sees of a load: the manifest text (every model's data) and the
// diagnostics as printed, with the exit code.
std::string observable(const Project& p) {
  std::string out = dbtpy_manifest_text(p);
  for (const auto& d : p.diagnostics)
    out += "\n" + format_diagnostic(d);
  return out + "\nexit " + std::to_string(p.exit_code());
}

fs::path cache_path(const ProjectFixture& f) {
  return f.dir.path() / "target/dbtpy/partial_parse.bin";
}

// Moves the cache file's modification time `offset` from now. An hour ahead: written well after
// every file was last changed, so their stored stamps are trusted. An hour back: not older than
// the stamps, as when a file changes in the timestamp tick the cache is written in (racy).
void set_cache_time(const ProjectFixture& f, std::chrono::hours offset) {
  fs::last_write_time(cache_path(f), fs::file_time_type::clock::now() + offset);
}

FileStamp stamp_of(const fs::path& file) {
  FileReader reader;
  FileStamp s;
  EXPECT_TRUE(reader.stamp(file.string(), &s)) << file;
  return s;
}

AnalysisCache read_cache(const ProjectFixture& f) {
  AnalysisCache cache;
  std::string why;
  EXPECT_TRUE(cache.load(read_file(cache_path(f)), *running_analyzer_identity(), &why)) << why;
  return cache;
}

std::vector<std::string> ref_names(const ModelIR& m) {
  std::vector<std::string> out;
  for (const auto& r : m.refs)
    out.push_back(r.name);
  return out;
}

// A project with valid and invalid models (syntax error, structure errors, unknown ref).
void write_mixed_project(ProjectFixture& f) {
  f.write("models/upstream.sql", "select 1 as id\n");
  f.write("models/other.sql", "select 2 as id\n");
  f.write("models/a.py", py_model("    dbt.config(materialized='incremental', tags=['x'], "
                                  "meta={'k': 1.5})\n"
                                  "    t = dbt.config.get('threshold', 0.25)\n"
                                  "    return dbt.ref('upstream')\n"));
  f.write("models/b.py", "import pandas\n" + py_model("    return dbt.ref('a')\n"));
  f.write("models/bad_syntax.py", "def model(dbt, session):\n    return (\n");
  f.write("models/bad_shape.py", "def model(dbt):\n    return dbt.ref('nowhere')\n");
  f.write("models/schema.yml", "version: 2\nmodels:\n  - name: b\n    config: {tags: [y]}\n");
}

TEST(PartialParse, WarmLoadEqualsColdLoadWithErrors) {
  ProjectFixture f;
  write_mixed_project(f);
  const std::string cold = observable(f.load());
  ASSERT_TRUE(fs::exists(cache_path(f)));
  EXPECT_EQ(read_cache(f).size(), 4u);  // every Python file, invalid ones included
  set_cache_time(f, std::chrono::hours(1));
  const auto written = fs::last_write_time(cache_path(f));
  const std::string warm = observable(f.load());  // no Python file read
  EXPECT_EQ(warm, cold);
  EXPECT_NE(cold.find("exit 1"), std::string::npos) << cold;
  EXPECT_NE(cold.find("models/bad_syntax.py:2:"), std::string::npos) << cold;
  // Nothing changed: the file is not rewritten.
  EXPECT_EQ(fs::last_write_time(cache_path(f)), written);
  // Stamps the cache cannot vouch for: every file is read and hashed, the result is the same,
  // and the entries are stored again (to be trusted next time).
  set_cache_time(f, -std::chrono::hours(1));
  const auto racy = fs::last_write_time(cache_path(f));
  EXPECT_EQ(observable(f.load()), cold);
  EXPECT_NE(fs::last_write_time(cache_path(f)), racy);
  EXPECT_EQ(read_cache(f).size(), 4u);
}

TEST(PartialParse, WarmLoadEqualsColdLoadOnAGeneratedProject) {
  ProjectFixture f;
  bench::write_synthetic_project(f.dir.path(), 150, 7);
  const std::string cold = observable(f.load());
  EXPECT_EQ(read_cache(f).size(), 150u);
  EXPECT_EQ(observable(f.load()), cold);
  ProjectFixture without;
  bench::write_synthetic_project(without.dir.path(), 150, 7);
  without.options.partial_parse = false;
  EXPECT_EQ(observable(without.load()), cold);
}

// Stores, for models/a.py, an analysis whose ref differs from the file's: a load that shows
// it has reused the stored analysis. The entry has the file's stamp and, unless `content` is
// given, the SHA-256 of its bytes (else that of `content`: a load that reuses it did not read
// the file).
void plant_ref(ProjectFixture& f, const std::string& ref, const AnalyzerIdentity& identity,
               const std::optional<std::string>& content = std::nullopt) {
  AnalysisCache cache = read_cache(f);
  std::vector<std::string> owned;
  owned.reserve(cache.size());
  std::vector<std::string_view> entries;
  for (size_t i = 0; i < cache.size(); ++i) {
    python::PythonAnalysis a;
    ASSERT_TRUE(cache.decode(i, &a));
    std::string display = cache.find("models/a.py") == i ? "models/a.py" : "";
    if (display.empty()) {
      entries.push_back(cache.entry_bytes(i));
      continue;
    }
    a.refs[0].name = ref;
    owned.emplace_back();
    const fs::path file = f.dir.path() / display;
    ASSERT_TRUE(encode_entry(display, sha256_hex(content ? *content : read_file(file)),
                             stamp_of(file), a, &owned.back()));
    entries.push_back(owned.back());
  }
  write_file_atomic(cache_path(f), cache_file_bytes(identity, entries));
}

TEST(PartialParse, UnchangedFilesReuseTheStoredAnalysis) {
  ProjectFixture f;
  write_mixed_project(f);
  f.load();
  plant_ref(f, "other", *running_analyzer_identity());
  Project p = f.load();
  EXPECT_EQ(ref_names(ProjectFixture::model(p, "model.jaffle.a")),
            std::vector<std::string>{"other"});
}

TEST(PartialParse, AFileWithItsStoredStampIsNotRead) {
  ProjectFixture f;
  write_mixed_project(f);
  f.load();
  // The stored checksum is of other bytes: only a load that never read the file uses it.
  plant_ref(f, "other", *running_analyzer_identity(), "other bytes");
  set_cache_time(f, std::chrono::hours(1));
  Project unread = f.load();
  const ModelIR& a = ProjectFixture::model(unread, "model.jaffle.a");
  EXPECT_EQ(ref_names(a), std::vector<std::string>{"other"});
  EXPECT_EQ(a.checksum, sha256_hex("other bytes"));
  // The same entry in a cache not older than the stamps (racy): the file is read and hashed,
  // its bytes differ from the stored ones, and it is analyzed.
  plant_ref(f, "other", *running_analyzer_identity(), "other bytes");
  set_cache_time(f, -std::chrono::hours(1));
  Project read = f.load();
  const ModelIR& again = ProjectFixture::model(read, "model.jaffle.a");
  EXPECT_EQ(ref_names(again), std::vector<std::string>{"upstream"});
  EXPECT_EQ(again.checksum, sha256_hex(read_file(f.dir.path() / "models/a.py")));
}

TEST(PartialParse, AnyChangeToAFileChangesItsStamp) {
  ProjectFixture f;
  write_mixed_project(f);
  const fs::path file = f.dir.path() / "models/a.py";
  const std::string before = read_file(file);
  // The same size, rewritten in place (same inode), its modification time set back: only the
  // status-change time tells.
  std::string after = py_model("    return dbt.ref('other')\n");
  ASSERT_LT(after.size(), before.size());
  after += "#" + std::string(before.size() - after.size() - 2, 'x') + "\n";
  ASSERT_EQ(after.size(), before.size());
  f.load();
  set_cache_time(f, std::chrono::hours(1));
  const FileStamp stored = stamp_of(file);
  const auto mtime = fs::last_write_time(file);
  {
    std::ofstream out(file, std::ios::binary | std::ios::in | std::ios::out);
    out.write(after.data(), static_cast<std::streamsize>(after.size()));
  }
  fs::last_write_time(file, mtime);
  const FileStamp now = stamp_of(file);
  EXPECT_EQ(now.size, stored.size);
  EXPECT_EQ(now.inode, stored.inode);
  EXPECT_EQ(now.mtime_ns, stored.mtime_ns);
  Project p = f.load();
  EXPECT_EQ(ref_names(ProjectFixture::model(p, "model.jaffle.a")),
            std::vector<std::string>{"other"});
  EXPECT_EQ(ProjectFixture::model(p, "model.jaffle.a").checksum, sha256_hex(after));
}

TEST(PartialParse, SwitchesTurnReuseOff) {
  ProjectFixture f;
  write_mixed_project(f);
  f.load();
  plant_ref(f, "other", *running_analyzer_identity());
  f.options.partial_parse = false;
  Project off = f.load();
  EXPECT_EQ(ref_names(ProjectFixture::model(off, "model.jaffle.a")),
            std::vector<std::string>{"upstream"});
  // Off still writes the file (as dbt does): the planted entry is gone.
  f.options.partial_parse.reset();
  EXPECT_EQ(ref_names(ProjectFixture::model(f.load(), "model.jaffle.a")),
            std::vector<std::string>{"upstream"});

  plant_ref(f, "other", *running_analyzer_identity());
  f.write("dbt_project.yml", "name: jaffle\nprofile: jaffle\nflags:\n  partial_parse: false\n");
  EXPECT_EQ(ref_names(ProjectFixture::model(f.load(), "model.jaffle.a")),
            std::vector<std::string>{"upstream"});
  // The CLI's flag (or DBT_PARTIAL_PARSE) outranks the project's.
  plant_ref(f, "other", *running_analyzer_identity());
  f.options.partial_parse = true;
  EXPECT_EQ(ref_names(ProjectFixture::model(f.load(), "model.jaffle.a")),
            std::vector<std::string>{"other"});

  f.options.partial_parse.reset();
  f.write("dbt_project.yml", "name: jaffle\nprofile: jaffle\nflags:\n  partial_parse: maybe\n");
  try {
    f.load();
    FAIL() << "expected a usage error";
  } catch (const Error& e) {
    EXPECT_EQ(e.diagnostics()[0].code, "DBTPY203");
    EXPECT_EQ(e.diagnostics()[0].line, 4);
  }
}

TEST(PartialParse, AnInjectedAnalyzerNeitherReadsNorWrites) {
  ProjectFixture f;
  write_mixed_project(f);
  f.options.analyze = &python::analyze_without_calls;
  f.load();
  EXPECT_FALSE(fs::exists(cache_path(f)));
}

TEST(PartialParse, EditedRenamedAndDeletedFiles) {
  ProjectFixture f;
  write_mixed_project(f);
  f.load();
  // Edited: analyzed again, its refs change.
  f.write("models/a.py", py_model("    return dbt.ref('other')\n"));
  Project edited = f.load();
  EXPECT_EQ(ref_names(ProjectFixture::model(edited, "model.jaffle.a")),
            std::vector<std::string>{"other"});
  AnalysisCache cache = read_cache(f);
  EXPECT_TRUE(cache.same_content(*cache.find("models/a.py"),
                                 sha256_hex(read_file(f.dir.path() / "models/a.py"))));
  // Renamed: the same bytes under a new path are a new model with its own entry.
  fs::rename(f.dir.path() / "models/a.py", f.dir.path() / "models/c.py");
  f.write("models/b.py", "import pandas\n" + py_model("    return dbt.ref('c')\n"));
  Project renamed = f.load();
  EXPECT_EQ(ref_names(ProjectFixture::model(renamed, "model.jaffle.c")),
            std::vector<std::string>{"other"});
  EXPECT_EQ(renamed.find("model.jaffle.a"), nullptr);
  cache = read_cache(f);
  EXPECT_FALSE(cache.find("models/a.py").has_value());
  EXPECT_TRUE(cache.find("models/c.py").has_value());
  // Deleted: its entry is dropped on the rewrite.
  fs::remove(f.dir.path() / "models/bad_shape.py");
  f.load();
  cache = read_cache(f);
  EXPECT_FALSE(cache.find("models/bad_shape.py").has_value());
  EXPECT_EQ(cache.size(), 3u);
}

TEST(PartialParse, ForeignAndDamagedCacheFilesAreIgnored) {
  ProjectFixture f;
  write_mixed_project(f);
  const std::string cold = observable(f.load());
  // Another build's file, with a planted ref: not used, and replaced by this build's.
  AnalyzerIdentity other = *running_analyzer_identity();
  other.build_id[0] = static_cast<char>(other.build_id[0] ^ 0x55);
  plant_ref(f, "other", other);
  EXPECT_EQ(observable(f.load()), cold);
  EXPECT_EQ(read_cache(f).size(), 4u);
  // Truncated, garbled, empty.
  const std::string good = read_file(cache_path(f));
  for (const std::string& bad :
       {good.substr(0, good.size() / 2), std::string(good.size(), 'x'), std::string()}) {
    write_file_atomic(cache_path(f), bad);
    EXPECT_EQ(observable(f.load()), cold);
    EXPECT_EQ(read_file(cache_path(f)), good);  // rewritten whole
  }
}

TEST(PartialParse, AnUnwritableTargetNeverFailsTheLoad) {
  ProjectFixture f;
  write_mixed_project(f);
  // A file where the folder must go: creating it fails even for root.
  f.write("target/dbtpy", "not a folder");
  Project p = f.load();
  EXPECT_EQ(p.exit_code(), 1);  // the mixed project's own invalid models, nothing more
  EXPECT_EQ(ProjectFixture::model(p, "model.jaffle.a").refs.size(), 1u);
}

TEST(PartialParse, ReadsFromAnotherFileWhenAsked) {
  ProjectFixture f;
  write_mixed_project(f);
  f.load();
  plant_ref(f, "other", *running_analyzer_identity());
  const fs::path elsewhere = f.dir.path() / "elsewhere.bin";
  fs::rename(cache_path(f), elsewhere);
  f.options.partial_parse_file = elsewhere;
  EXPECT_EQ(ref_names(ProjectFixture::model(f.load(), "model.jaffle.a")),
            std::vector<std::string>{"other"});
  EXPECT_TRUE(fs::exists(cache_path(f)));  // still written to the target path
}

}  // namespace
}  // namespace dbtpy::compiler
