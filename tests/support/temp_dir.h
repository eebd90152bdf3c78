#pragma once
// A temporary folder for one test, removed with everything in it when the test ends, plus a
// helper that writes a file (creating parent folders). Test-only; not thread-safe.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace dbtpy::testing {

class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "dbtpy-test-XXXXXX").string();
    char* made = ::mkdtemp(templ.data());
    path_ = made ? std::filesystem::path(made) : std::filesystem::path(templ);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `content` to path()/relative and returns the full path.
  std::filesystem::path write(const std::string& relative, std::string_view content) const {
    std::filesystem::path p = path_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace dbtpy::testing
