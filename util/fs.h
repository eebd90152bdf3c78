#pragma once
// File helpers with the guarantees artifacts need: reads that report the path on failure and
// writes that never leave a half-written file behind (temp file in the same folder + rename).
#include <filesystem>
#include <string>
#include <string_view>

namespace dbtpy {

// Reads a whole file as bytes. Throws std::runtime_error naming the path on failure.
std::string read_file(const std::filesystem::path& path);

// Writes `content` to `path` atomically: the data goes to a sibling temp file which is flushed,
// fsync'ed and renamed over the target. Parent folders are created. Throws on failure, leaving
// the previous file (if any) untouched.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// A path relative to `base` when it lies under it, else the path unchanged; '/' separators.
std::string display_path(const std::filesystem::path& path, const std::filesystem::path& base);

}  // namespace dbtpy
