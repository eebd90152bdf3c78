#pragma once
// File helpers with the guarantees artifacts need: reads that report the path on failure and
// writes that never leave a half-written file behind (temp file in the same folder + rename).
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dbtpy {

// Reads a whole file as bytes. Throws std::runtime_error naming the path on failure.
std::string read_file(const std::filesystem::path& path);

// A stat time (st_mtim, st_ctim) in ns since the epoch, as FileStamp keeps it.
inline uint64_t timespec_ns(const struct timespec& t) {
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ULL + static_cast<uint64_t>(t.tv_nsec);
}

// What stat says of a file, to tell that it is the file that was read before (as git's index
// does): a write changes the size or the modification time, and any change to the file,
// including setting its times back, changes its status-change time. inode 0: unknown.
struct FileStamp {
  uint64_t size = 0;
  uint64_t mtime_ns = 0;  // modification time, ns since the epoch
  uint64_t ctime_ns = 0;  // status-change time, ns since the epoch
  uint64_t inode = 0;
  bool known() const { return inode != 0; }
  bool operator==(const FileStamp&) const = default;
};

// Reads many whole files on one thread (one reader per thread; not thread-safe), for loading
// 10,000 files: the bytes go to one buffer reused across files (valid until the next read), and
// each file is opened relative to its folder, whose descriptor is kept while consecutive files
// share it (the kernel walks one path component, not the whole path, per file). The size is not
// taken from fstat: the file is read until read() returns 0, so a file that grows or shrinks while
// it is read is read to its actual end. When the folder cannot be opened, or the file not through
// it, the full path is opened, so errors are the ones opening the file itself reports.
class FileReader {
 public:
  FileReader() = default;
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;
  FileReader(FileReader&& other) noexcept;
  FileReader& operator=(FileReader&&) = delete;

  // Reads the file at `path` (absolute, or relative to the working directory). On failure,
  // returns false and sets *error to "cannot read: <reason>". With `stamp`, also sets it to the
  // file's stamp taken before reading, or to an unknown one when the file's size changed
  // while it was read.
  bool read(const std::string& path, std::string* error, FileStamp* stamp = nullptr);
  // The stamp of the regular file at `path` (symlinks followed, as read() does), through the
  // same folder descriptor and without opening the file; false when it cannot be stat'ed or
  // is not a regular file.
  bool stamp(const std::string& path, FileStamp* out);
  // The bytes of the last successful read.
  std::string_view data() const { return {buffer_.get(), size_}; }

 private:
  // The descriptor of the folder of `path` (its part up to `slash`), opened when it differs
  // from the last file's; -1 when it cannot be opened.
  int folder_fd(const std::string& path, size_t slash);

  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t size_ = 0;
  std::string dir_;  // the folder dir_fd_ is open on, with its trailing '/'
  int dir_fd_ = -1;
};

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
