#pragma once
// File helpers with the guarantees artifacts need: reads that report the path on failure and
// writes that never leave a half-written file behind (temp file in the same folder + rename).
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace dbtpy {

// Reads a whole file as bytes. Throws std::runtime_error naming the path on failure.
std::string read_file(const std::filesystem::path& path);

// Writes `content` to `path` atomically: the data goes to a sibling temp file which is flushed,
// fsync'ed and renamed over the target. Parent folders are created. Throws on failure, leaving
// the previous file (if any) untouched.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// How far commit() goes. Both never let a reader see a half-written file, even when dbtpy is
// killed mid-write (the rename is atomic). kDurable also fsyncs before the rename, so the new
// content survives a power loss; kRenameOnly leaves that to the kernel's writeback, for derived
// artifacts the next command rewrites anyway (the parse manifest: fsync of its 22 MB at 10,000
// models was ~15-30 ms of the parse, and dbt does not fsync its own artifacts either).
enum class Durability { kDurable, kRenameOnly };

// The same guarantee for output produced piece by piece (large artifacts need not be built in
// memory first): write() appends to a sibling temp file; commit() flushes, fsyncs (kDurable)
// and renames it over `path`. Destroyed without commit() (an exception on the way), the temp
// file is removed and the previous file, if any, is untouched. Not thread-safe.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(const std::filesystem::path& path,
                            Durability durability = Durability::kDurable);  // throws on failure
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(std::string_view data);  // throws std::runtime_error naming the file
  void commit();                      // throws std::runtime_error naming the file

 private:
  std::filesystem::path path_;
  std::string tmp_;
  int fd_ = -1;
  Durability durability_;
};

// Calls fn(rel) for every regular file under the folder `dir`, recursively; `rel` is the file's
// path relative to `dir`, '/'-separated, valid during the call only. What
// std::filesystem::recursive_directory_iterator with default options visits (symlinks to files
// count as files, symlinked folders are not entered), without building a path object per entry
// (readdir's d_type; a stat only for symlinks and file systems without d_type), which dominated
// discovering 10,000 files. A folder that cannot be read is skipped (the rest is still walked).
// Order is the file system's.
void for_each_file_under(const std::string& dir, const std::function<void(std::string_view)>& fn);

// The regular files and the folders directly in `dir` (names only, the file system's order),
// told apart as for_each_file_under does; both empty when `dir` cannot be read. With
// for_each_file_under on each folder, a walk that can be split across threads.
struct FolderListing {
  std::vector<std::string> files;
  std::vector<std::string> folders;
};
FolderListing list_folder(const std::string& dir);

// A path relative to `base` when it lies under it, else the path unchanged; '/' separators.
std::string display_path(const std::filesystem::path& path, const std::filesystem::path& base);

}  // namespace dbtpy
