#include "util/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace dbtpy {
namespace {

enum class EntryType { kOther, kFile, kFolder };

// What a folder entry is, as std::filesystem's iteration sees it: a symlink counts as the
// file it points to, never as a folder to enter. `path` is the entry's full path.
EntryType entry_type(const dirent& e, const std::string& path) {
  if (e.d_type == DT_DIR) return EntryType::kFolder;
  if (e.d_type == DT_REG) return EntryType::kFile;
  if (e.d_type != DT_LNK && e.d_type != DT_UNKNOWN) return EntryType::kOther;
  struct stat st {};
  if (e.d_type == DT_UNKNOWN && ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return EntryType::kFolder;
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return EntryType::kFile;
  return EntryType::kOther;  // a symlink to a folder is not entered, as std::filesystem does
}

bool is_dot_or_dotdot(const char* name) {
  return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

// `abs` and `rel` are the folder's path (absolute, and relative to the walk's root); both are
// restored before returning, so one pair of buffers serves the whole walk.
void walk_folder(std::string& abs, std::string& rel,
                 const std::function<void(std::string_view)>& fn) {
  DIR* dir = ::opendir(abs.c_str());
  if (!dir) return;
  const size_t abs_len = abs.size();
  const size_t rel_len = rel.size();
  while (const dirent* e = ::readdir(dir)) {
    if (is_dot_or_dotdot(e->d_name)) continue;
    abs.resize(abs_len);
    if (abs.empty() || abs.back() != '/') abs += '/';
    abs += e->d_name;
    rel.resize(rel_len);
    if (!rel.empty()) rel += '/';
    rel += e->d_name;
    switch (entry_type(*e, abs)) {
      case EntryType::kFolder:
        walk_folder(abs, rel, fn);
        break;
      case EntryType::kFile:
        fn(rel);
        break;
      case EntryType::kOther:
        break;
    }
  }
  ::closedir(dir);
  abs.resize(abs_len);
  rel.resize(rel_len);
}

// What a failed open/read reports (as the loader always has).
std::string cannot_read(int err) {
  return std::string("cannot read: ") + std::strerror(err);
}

}  // namespace

FileReader::~FileReader() {
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

FileReader::FileReader(FileReader&& other) noexcept
    : buffer_(std::move(other.buffer_)),
      capacity_(other.capacity_),
      size_(other.size_),
      dir_(std::move(other.dir_)),
      dir_fd_(other.dir_fd_) {
  other.capacity_ = 0;
  other.size_ = 0;
  other.dir_fd_ = -1;
}

int FileReader::folder_fd(const std::string& path, size_t slash) {
  const std::string_view dir(path.data(), slash + 1);
  if (dir_fd_ < 0 || dir != dir_) {
    if (dir_fd_ >= 0) ::close(dir_fd_);
    dir_.assign(dir);
    dir_fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  return dir_fd_;
}

namespace {

FileStamp stamp_of(const struct stat& st) {
  FileStamp s;
  s.size = static_cast<uint64_t>(st.st_size);
  s.mtime_ns = timespec_ns(st.st_mtim);
  s.ctime_ns = timespec_ns(st.st_ctim);
  s.inode = static_cast<uint64_t>(st.st_ino);
  return s;
}

}  // namespace

bool FileReader::stamp(const std::string& path, FileStamp* out) {
  const size_t slash = path.rfind('/');
  struct stat st {};
  int rc = -1;
  if (slash != std::string::npos && slash + 1 < path.size()) {
    const int dir = folder_fd(path, slash);
    if (dir >= 0) rc = ::fstatat(dir, path.c_str() + slash + 1, &st, 0);
  }
  if (rc != 0) rc = ::stat(path.c_str(), &st);
  if (rc != 0 || !S_ISREG(st.st_mode)) return false;
  *out = stamp_of(st);
  return true;
}

bool FileReader::read(const std::string& path, std::string* error, FileStamp* stamp) {
  size_ = 0;
  const size_t slash = path.rfind('/');
  int fd = -1;
  if (slash != std::string::npos && slash + 1 < path.size()) {
    const int dir = folder_fd(path, slash);
    if (dir >= 0) fd = ::openat(dir, path.c_str() + slash + 1, O_RDONLY | O_CLOEXEC);
  }
  // Also when openat failed: the folder may have been replaced since it was opened, and the
  // error to report is the one the full path gives.
  if (fd < 0) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = cannot_read(errno);
    return false;
  }
  if (stamp) {
    struct stat st {};
    *stamp = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? stamp_of(st) : FileStamp{};
  }
  constexpr size_t kInitial = 64 * 1024;  // most model files fit: one read, then EOF
  while (true) {
    if (size_ == capacity_) {
      const size_t grown = capacity_ == 0 ? kInitial : capacity_ * 2;
      std::unique_ptr<char[]> bigger(new char[grown]);
      if (size_) std::memcpy(bigger.get(), buffer_.get(), size_);
      buffer_ = std::move(bigger);
      capacity_ = grown;
    }
    const ssize_t n = ::read(fd, buffer_.get() + size_, capacity_ - size_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = cannot_read(errno);
      ::close(fd);
      size_ = 0;
      return false;
    }
    if (n == 0) break;
    size_ += static_cast<size_t>(n);
  }
  ::close(fd);
  // Changed while it was read: the stamp does not describe these bytes.
  if (stamp && stamp->size != size_) *stamp = FileStamp{};
  return true;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  std::string data;
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size > 0) {
    data.resize(static_cast<size_t>(size));
    in.seekg(0);
    in.read(data.data(), size);
  }
  if (in.bad()) throw std::runtime_error("cannot read " + path.string());
  return data;
}

AtomicFileWriter::AtomicFileWriter(const std::filesystem::path& path, Durability durability)
    : path_(path), durability_(durability) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  tmp_ = path.string() + ".tmp." + std::to_string(::getpid());
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot write " + tmp_ + ": " + std::strerror(errno));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

void AtomicFileWriter::write(std::string_view data) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot write " + tmp_ + ": " + std::strerror(errno));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void AtomicFileWriter::commit() {
  int fd = fd_;
  fd_ = -1;
  if ((durability_ == Durability::kDurable && ::fsync(fd) != 0) || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp_.c_str());
    throw std::runtime_error("cannot flush " + tmp_ + ": " + std::strerror(err));
  }
  // Without fsync, swap instead of rename when the target exists: ext4 (auto_da_alloc) writes
  // the new file's data out inside a rename() that replaces a file, which was ~15 ms of a
  // 10,000-model parse; an exchange is just as atomic for readers and leaves the writeback to
  // the kernel, as kRenameOnly says. The swapped-out previous content is then deleted.
  // Only with a regular file: a folder in the way must stay an error, as rename() makes it.
  struct stat previous {};
  if (durability_ == Durability::kRenameOnly && ::lstat(path_.c_str(), &previous) == 0 &&
      S_ISREG(previous.st_mode) &&
      ::renameat2(AT_FDCWD, tmp_.c_str(), AT_FDCWD, path_.c_str(), RENAME_EXCHANGE) == 0) {
    ::unlink(tmp_.c_str());
    return;
  }
  // No previous file (ENOENT), or no RENAME_EXCHANGE on this file system: a plain rename.
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp_.c_str());
    throw std::runtime_error("cannot rename " + tmp_ + " to " + path_.string() + ": " +
                             std::strerror(err));
  }
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  AtomicFileWriter out(path);
  out.write(content);
  out.commit();
}

void for_each_file_under(const std::string& dir, const std::function<void(std::string_view)>& fn) {
  std::string abs = dir;
  std::string rel;
  walk_folder(abs, rel, fn);
}

FolderListing list_folder(const std::string& dir) {
  FolderListing out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  std::string path = dir;
  if (path.empty() || path.back() != '/') path += '/';
  const size_t len = path.size();
  while (const dirent* e = ::readdir(d)) {
    if (is_dot_or_dotdot(e->d_name)) continue;
    path.resize(len);
    path += e->d_name;
    switch (entry_type(*e, path)) {
      case EntryType::kFolder:
        out.folders.emplace_back(e->d_name);
        break;
      case EntryType::kFile:
        out.files.emplace_back(e->d_name);
        break;
      case EntryType::kOther:
        break;
    }
  }
  ::closedir(d);
  return out;
}

std::string display_path(const std::filesystem::path& path, const std::filesystem::path& base) {
  std::error_code ec;
  auto rel = std::filesystem::relative(path, base, ec);
  if (ec || rel.empty() || *rel.begin() == "..") return path.generic_string();
  return rel.generic_string();
}

}  // namespace dbtpy
