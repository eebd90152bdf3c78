#include "util/fs.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace dbtpy {
namespace {

namespace fs = std::filesystem;

TEST(Fs, AtomicWriteCreatesParentsAndReplaces) {
  fs::path dir = fs::temp_directory_path() / ("dbtpy_fs_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::path file = dir / "a" / "b" / "out.json";
  write_file_atomic(file, "one");
  EXPECT_EQ(read_file(file), "one");
  write_file_atomic(file, std::string("two\0three", 9));
  EXPECT_EQ(read_file(file), std::string("two\0three", 9));
  // No temp files are left beside the target.
  int entries = 0;
  for (auto& e : fs::directory_iterator(file.parent_path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
  fs::remove_all(dir);
}

TEST(Fs, AtomicFileWriterCommitsOrLeavesThePreviousFile) {
  fs::path dir = fs::temp_directory_path() / ("dbtpy_fs_writer_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::path file = dir / "manifest.json";
  {
    AtomicFileWriter w(file);
    w.write("{\"a\":");
    w.write("1}");
    EXPECT_FALSE(fs::exists(file));  // nothing visible before commit
    w.commit();
  }
  EXPECT_EQ(read_file(file), "{\"a\":1}");
  try {
    AtomicFileWriter w(file);
    w.write("{\"half");
    throw std::runtime_error("interrupted");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(read_file(file), "{\"a\":1}");  // untouched, and no temp file left
  int entries = 0;
  for (auto& e : fs::directory_iterator(dir)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
  fs::remove_all(dir);
}

TEST(Fs, ReadFailureNamesThePath) {
  try {
    read_file("/nonexistent/dbtpy/file.txt");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dbtpy/file.txt"), std::string::npos);
  }
}

TEST(Fs, DisplayPathIsRelativeUnderBase) {
  EXPECT_EQ(display_path("/p/models/x.py", "/p"), "models/x.py");
  EXPECT_EQ(display_path("/other/x.py", "/p"), "/other/x.py");
}

}  // namespace
}  // namespace dbtpy
