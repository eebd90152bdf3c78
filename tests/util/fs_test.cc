#include "util/fs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

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
  // Both durabilities give readers the whole new file or the whole previous one.
  for (Durability durability : {Durability::kDurable, Durability::kRenameOnly}) {
    SCOPED_TRACE(durability == Durability::kDurable ? "durable" : "rename only");
    fs::path dir = fs::temp_directory_path() / ("dbtpy_fs_writer_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::path file = dir / "manifest.json";
    {
      AtomicFileWriter w(file, durability);
      w.write("{\"a\":");
      w.write("1}");
      EXPECT_FALSE(fs::exists(file));  // nothing visible before commit
      w.commit();
    }
    EXPECT_EQ(read_file(file), "{\"a\":1}");
    try {
      AtomicFileWriter w(file, durability);
      w.write("{\"half");
      throw std::runtime_error("interrupted");
    } catch (const std::runtime_error&) {
    }
    EXPECT_EQ(read_file(file), "{\"a\":1}");  // untouched, and no temp file left
    {
      // Replacing an existing file (kRenameOnly swaps it out, then deletes the old content).
      AtomicFileWriter w(file, durability);
      w.write("{\"b\":2}");
      w.commit();
    }
    EXPECT_EQ(read_file(file), "{\"b\":2}");
    int entries = 0;
    for (auto& e : fs::directory_iterator(dir)) {
      (void)e;
      ++entries;
    }
    EXPECT_EQ(entries, 1);
    fs::remove_all(dir);
  }
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

// The walk the project loader discovers files with: what recursive_directory_iterator visits.
TEST(Fs, ForEachFileUnderVisitsWhatTheStandardIteratorVisits) {
  fs::path dir = fs::temp_directory_path() / ("dbtpy_walk_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "a" / "b");
  fs::create_directories(dir / ".hidden");
  fs::create_directories(dir / "empty");
  fs::create_directories(dir.string() + "_elsewhere");
  for (const char* f : {"top.py", "a/one.sql", "a/b/two.yml", ".hidden/h.py"})
    write_file_atomic(dir / f, "x");
  write_file_atomic(dir.string() + "_elsewhere/outside.py", "x");
  fs::create_symlink(dir / "top.py", dir / "a" / "link.py");             // a file: visited
  fs::create_directory_symlink(dir / "a", dir / "dir_link");             // a folder: not entered
  fs::create_symlink(dir / "missing.py", dir / "broken.py");             // dangling: skipped
  fs::create_directory_symlink(dir.string() + "_elsewhere", dir / "x");  // not entered

  std::vector<std::string> got;
  for_each_file_under(dir.string(), [&](std::string_view rel) { got.emplace_back(rel); });
  std::sort(got.begin(), got.end());
  std::vector<std::string> expected;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it)
    if (it->is_regular_file()) expected.push_back(it->path().lexically_relative(dir).string());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(got, expected);
  EXPECT_EQ(got, (std::vector<std::string>{".hidden/h.py", "a/b/two.yml", "a/link.py", "a/one.sql",
                                           "top.py"}));

  // One level, told apart the same way: symlinked folders are neither files nor folders.
  FolderListing top = list_folder(dir.string());
  std::sort(top.files.begin(), top.files.end());
  std::sort(top.folders.begin(), top.folders.end());
  EXPECT_EQ(top.files, std::vector<std::string>{"top.py"});
  EXPECT_EQ(top.folders, (std::vector<std::string>{".hidden", "a", "empty"}));
  EXPECT_TRUE(list_folder((dir / "nonexistent").string()).files.empty());

  got.clear();
  for_each_file_under((dir / "nonexistent").string(),
                      [&](std::string_view rel) { got.emplace_back(rel); });
  EXPECT_TRUE(got.empty());
  fs::remove_all(dir);
  fs::remove_all(dir.string() + "_elsewhere");
}

TEST(Fs, AtomicFileWriterNeverReplacesAFolder) {
  for (Durability durability : {Durability::kDurable, Durability::kRenameOnly}) {
    fs::path dir = fs::temp_directory_path() / ("dbtpy_fs_folder_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "manifest.json" / "kept");
    AtomicFileWriter w(dir / "manifest.json", durability);
    w.write("{}");
    EXPECT_THROW(w.commit(), std::runtime_error);
    EXPECT_TRUE(fs::is_directory(dir / "manifest.json" / "kept"));
    int entries = 0;  // the folder only: no temp file left behind
    for (auto& e : fs::directory_iterator(dir)) {
      (void)e;
      ++entries;
    }
    EXPECT_EQ(entries, 1);
    fs::remove_all(dir);
  }
}

// The loader reads every model file with one FileReader per thread: each read must give the
// file's bytes as they are when read, whatever the previous read left in the buffer.
TEST(Fs, FileReaderReadsEachFileWholeAcrossFolders) {
  fs::path dir = fs::temp_directory_path() / ("dbtpy_reader_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  std::string big(200 * 1000, 'x');  // past the first buffer: read in several steps
  for (size_t i = 0; i < big.size(); i += 997)
    big[i] = static_cast<char>('a' + i % 26);
  write_file_atomic(dir / "a" / "big.py", big);
  write_file_atomic(dir / "a" / "small.py", std::string("one\0two", 7));
  write_file_atomic(dir / "a" / "empty.py", "");
  write_file_atomic(dir / "b" / "other.py", "other");
  FileReader reader;
  std::string error;
  ASSERT_TRUE(reader.read((dir / "a" / "big.py").string(), &error)) << error;
  EXPECT_EQ(reader.data(), big);
  ASSERT_TRUE(reader.read((dir / "a" / "small.py").string(), &error)) << error;
  EXPECT_EQ(reader.data(), std::string_view("one\0two", 7));
  ASSERT_TRUE(reader.read((dir / "a" / "empty.py").string(), &error)) << error;
  EXPECT_EQ(reader.data(), "");
  ASSERT_TRUE(reader.read((dir / "b" / "other.py").string(), &error)) << error;
  EXPECT_EQ(reader.data(), "other");
  // A file rewritten between two reads of its folder: the new content, whole.
  write_file_atomic(dir / "b" / "other.py", "changed and longer");
  ASSERT_TRUE(reader.read((dir / "b" / "other.py").string(), &error)) << error;
  EXPECT_EQ(reader.data(), "changed and longer");
  // A folder replaced after the reader opened it: the file is found through its path.
  fs::remove_all(dir / "b");
  fs::create_directories(dir / "b");
  write_file_atomic(dir / "b" / "new.py", "new");
  ASSERT_TRUE(reader.read((dir / "b" / "new.py").string(), &error)) << error;
  EXPECT_EQ(reader.data(), "new");
  fs::remove_all(dir);
}

TEST(Fs, FileReaderReportsFilesItCannotRead) {
  fs::path dir = fs::temp_directory_path() / ("dbtpy_reader_err_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "folder.py");
  FileReader reader;
  std::string error;
  EXPECT_FALSE(reader.read((dir / "gone.py").string(), &error));
  EXPECT_EQ(error, "cannot read: No such file or directory");
  EXPECT_FALSE(reader.read((dir / "missing_folder" / "gone.py").string(), &error));
  EXPECT_EQ(error, "cannot read: No such file or directory");
  // A folder where a file was discovered: an error, not an empty file.
  EXPECT_FALSE(reader.read((dir / "folder.py").string(), &error));
  EXPECT_EQ(error, "cannot read: Is a directory");
  fs::remove_all(dir);
}

// A file whose size changes between open and end of read is read to its end: procfs files
// report size 0 and have content, the extreme of a file that grows while it is read (a reader
// that trusts fstat's size reads nothing of them).
TEST(Fs, FileReaderReadsToTheEndNotToTheSizeAtOpen) {
  FileReader reader;
  std::string error;
  ASSERT_TRUE(reader.read("/proc/self/status", &error)) << error;
  EXPECT_NE(reader.data().find("Name:"), std::string_view::npos);
  EXPECT_EQ(reader.data().back(), '\n');
}

// The stamp partial parsing trusts: taken before the read, the same without opening the file,
// and changed by any write, even one that keeps the size and sets the modification time back.
TEST(Fs, FileStampsTellAnyChange) {
  fs::path dir = fs::temp_directory_path() / ("dbtpy_stamp_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  const fs::path file = dir / "sub" / "m.py";
  write_file_atomic(file, "x = 1\n");
  FileReader reader;
  std::string error;
  FileStamp read_stamp, stat_stamp;
  ASSERT_TRUE(reader.read(file.string(), &error, &read_stamp)) << error;
  ASSERT_TRUE(reader.stamp(file.string(), &stat_stamp));
  EXPECT_TRUE(read_stamp.known());
  EXPECT_EQ(read_stamp, stat_stamp);
  EXPECT_EQ(read_stamp.size, 6u);
  // Rewritten in place with the same size, its modification time set back.
  const auto mtime = fs::last_write_time(file);
  { std::ofstream(file, std::ios::binary | std::ios::in | std::ios::out) << "x = 2\n"; }
  fs::last_write_time(file, mtime);
  FileStamp after;
  ASSERT_TRUE(reader.stamp(file.string(), &after));
  EXPECT_EQ(after.size, read_stamp.size);
  EXPECT_EQ(after.mtime_ns, read_stamp.mtime_ns);
  EXPECT_NE(after, read_stamp);  // the status-change time moved
  // Replaced by another file (as editors save): another inode.
  write_file_atomic(file, "x = 3\n");
  ASSERT_TRUE(reader.stamp(file.string(), &after));
  EXPECT_NE(after.inode, read_stamp.inode);
  // No stamp for what is not a regular file or is not there.
  EXPECT_FALSE(reader.stamp((dir / "sub").string(), &after));
  EXPECT_FALSE(reader.stamp((dir / "gone.py").string(), &after));
  fs::remove_all(dir);
}

// A file read while its size changes gets no stamp: its bytes are not what the stamp describes.
TEST(Fs, FileReadWhileItsSizeChangesHasNoStamp) {
  FileReader reader;
  std::string error;
  FileStamp stamp{1, 2, 3, 4};
  ASSERT_TRUE(reader.read("/proc/self/status", &error, &stamp)) << error;  // size 0 at open
  EXPECT_FALSE(stamp.known());
}

}  // namespace
}  // namespace dbtpy
