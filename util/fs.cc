#include "util/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace dbtpy {
namespace {

// `abs` and `rel` are the folder's path (absolute, and relative to the walk's root); both are
// restored before returning, so one pair of buffers serves the whole walk.
void walk_folder(std::string& abs, std::string& rel,
                 const std::function<void(std::string_view)>& fn) {
  DIR* dir = ::opendir(abs.c_str());
  if (!dir) return;
  const size_t abs_len = abs.size();
  const size_t rel_len = rel.size();
  while (const dirent* e = ::readdir(dir)) {
    const char* name = e->d_name;
    if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
    abs.resize(abs_len);
    if (abs.empty() || abs.back() != '/') abs += '/';
    abs += name;
    rel.resize(rel_len);
    if (!rel.empty()) rel += '/';
    rel += name;
    bool is_dir = e->d_type == DT_DIR;
    bool is_file = e->d_type == DT_REG;
    if (e->d_type == DT_LNK || e->d_type == DT_UNKNOWN) {
      struct stat st {};
      if (e->d_type == DT_UNKNOWN && ::lstat(abs.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        is_dir = true;
      } else if (::stat(abs.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        is_file = true;  // a symlink to a folder is not entered, as std::filesystem does
      }
    }
    if (is_dir) {
      walk_folder(abs, rel, fn);
    } else if (is_file) {
      fn(rel);
    }
  }
  ::closedir(dir);
  abs.resize(abs_len);
  rel.resize(rel_len);
}

}  // namespace

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

AtomicFileWriter::AtomicFileWriter(const std::filesystem::path& path) : path_(path) {
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
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp_.c_str());
    throw std::runtime_error("cannot flush " + tmp_ + ": " + std::strerror(err));
  }
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

std::string display_path(const std::filesystem::path& path, const std::filesystem::path& base) {
  std::error_code ec;
  auto rel = std::filesystem::relative(path, base, ec);
  if (ec || rel.empty() || *rel.begin() == "..") return path.generic_string();
  return rel.generic_string();
}

}  // namespace dbtpy
