#pragma once
// The on-disk store behind partial parsing: <target-path>/dbtpy/partial_parse.bin keeps each
// Python model file's analysis (python::analyze_without_calls), keyed by the file's display
// path and the SHA-256 of its bytes. The analysis is a pure function of those two, so a hit is
// reused as is, with no invalidation rules: configs, refs, relations and the DAG are still
// resolved from it on every run. The file records which analyzer wrote it (the GNU build-id of
// the binary holding the analyzer, and dbtpy's version) and is ignored as a whole when that,
// its format version or its payload checksum does not match, so a rebuilt dbtpy never reuses
// another build's results and a damaged file is never half-trusted.
//
// Each entry also keeps the stamp (size, modification and status-change times, inode) the
// file had when it was read. A later load that finds the same stamp reuses the entry without
// reading the file at all (its checksum is the stored SHA-256), as git trusts its index: any
// write changes the stamp, and so does setting a file's times back (its status-change time).
// Git's "racy" rule covers a write within the timestamp granularity of the file's last read:
// an entry whose times are not older than the cache file's own modification time is not
// trusted, and the file is read and hashed as without a stamp.
//
// Layout (integers are LEB128 varints unless sized): magic "DBTPYPP\n", u32 LE format version,
// build-id and version as length-prefixed bytes, entry count, payload size, u64 LE checksum of
// the entries, then the entries, each length-prefixed: display path, 32 raw SHA-256 bytes,
// stamp (size, mtime ns, ctime ns, inode), value (see analysis_cache.cc).
//
// Thread-safety: a loaded AnalysisCache is only read; find/same_content/decode may be called
// from many threads at once. encode_entry and cache_file_bytes are pure.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compiler/python/analysis.h"
#include "util/fs.h"

namespace dbtpy::compiler {

// Who wrote a cache file.
struct AnalyzerIdentity {
  std::string build_id;  // raw bytes of the GNU build-id note
  std::string version;   // dbtpy's kVersion
};

// Where partial parsing keeps its file by default: <target-path>/dbtpy/partial_parse.bin.
std::filesystem::path partial_parse_path(const std::filesystem::path& target_dir);

// The identity of the running analyzer: the build-id of the loaded object (executable or
// shared library) that holds python::analyze_without_calls. nullopt when that object has no
// build-id note (then partial parsing is off: a rebuilt analyzer could not be told apart).
std::optional<AnalyzerIdentity> running_analyzer_identity();

class AnalysisCache {
 public:
  // Takes a whole cache file's bytes. On any problem (foreign file, other format, analyzer or
  // build, truncation, checksum mismatch, malformed entry table) returns false, leaves the
  // cache empty and sets *why to a short reason for the debug log. `written_ns`: the cache
  // file's modification time (ns since the epoch); stamps not older than it are not trusted
  // (0: none is).
  bool load(std::string bytes, const AnalyzerIdentity& identity, std::string* why,
            uint64_t written_ns = 0);

  // Reads and loads the file at `path`. Its magic is read first, so a foreign file (say dbt's
  // partial_parse.msgpack named by DBT_PARTIAL_PARSE_FILE_PATH, often hundreds of MB) is
  // refused without being read whole. *exists tells a missing or unreadable file (false) from
  // one that was refused (true).
  bool load_file(const std::filesystem::path& path, const AnalyzerIdentity& identity,
                 std::string* why, bool* exists);
  // Who wrote a cache file of this format (its header); nullopt for anything else.
  static std::optional<AnalyzerIdentity> writer_of(std::string_view bytes);

  size_t size() const { return entries_.size(); }
  // The entry stored for `display`, if any.
  std::optional<size_t> find(std::string_view display) const;
  // Frees the lookup table behind find() (about 1 MB at 10,000 entries) once every file has
  // been looked up; find() then finds nothing. Not while other threads call find().
  void drop_index();
  // True when entry `i` was made from file bytes whose SHA-256 is `sha256_hex` (lowercase).
  bool same_content(size_t i, std::string_view sha256_hex) const;
  // The stamp stored with entry `i`.
  const FileStamp& stamp(size_t i) const { return entries_[i].stamp; }
  // True when entry `i`'s stamp can vouch for its file: known, and older than the cache file.
  bool trusted(size_t i) const;
  // The SHA-256 of entry `i`'s file bytes, lowercase hex.
  std::string sha256_hex(size_t i) const;
  // Entry `i` with `stamp` instead of its stored one, appended to *out (a file whose bytes are
  // unchanged but whose stamp is new, or was not trusted).
  void restamped(size_t i, const FileStamp& stamp, std::string* out) const;
  // Entry `i`'s analysis (without `calls`). False when its value is malformed: the caller
  // analyzes the file instead.
  bool decode(size_t i, python::PythonAnalysis* out) const;
  // Entry `i` as stored (its length prefix excluded), to write it again unchanged.
  std::string_view entry_bytes(size_t i) const { return entries_[i].all; }

 private:
  struct Entry {
    std::string_view all;  // display + sha + value
    std::string_view display;
    std::string_view sha;  // 32 raw bytes
    FileStamp stamp;
    std::string_view value;
  };
  uint64_t written_ns_ = 0;
  std::string bytes_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string_view, size_t> index_;  // display -> entry
};

// Appends one entry (display path, content hash, the file's stamp when read, analysis; `calls`
// is not stored) to *out. False, with *out unchanged, when the analysis cannot be stored: JSON
// nested deeper than the reader accepts, or a JSON type the analyzer never produces (binary,
// discarded).
bool encode_entry(std::string_view display, std::string_view sha256_hex, const FileStamp& stamp,
                  const python::PythonAnalysis& analysis, std::string* out);

// Entries made by one thread, kept in large blocks: 10,000 strings of a few hundred bytes each
// cost about twice their size in heap overhead and growth slack. Views stay valid while the
// arena lives. Not thread-safe: one per worker.
class EntryArena {
 public:
  // encode_entry into the arena; empty when the analysis cannot be stored.
  std::string_view add(std::string_view display, std::string_view sha256_hex,
                       const FileStamp& stamp, const python::PythonAnalysis& analysis);
  // A stored entry with a new stamp (AnalysisCache::restamped) into the arena.
  std::string_view add_restamped(const AnalysisCache& cache, size_t i, const FileStamp& stamp);

 private:
  std::string_view keep(std::string_view bytes);  // copies the bytes into the blocks
  std::string scratch_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = 0;      // bytes used in the last block
  size_t capacity_ = 0;  // size of the last block
};

// A whole cache file holding `entries` (each from encode_entry, EntryArena or
// AnalysisCache::entry_bytes), in the given order.
std::string cache_file_bytes(const AnalyzerIdentity& identity,
                             const std::vector<std::string_view>& entries);

// The same bytes written to `path` atomically (util/fs.h AtomicFileWriter, rename only: the
// file is derived and rewritten when lost), streamed without assembling them in memory.
// Throws std::runtime_error naming the file on failure; the previous file is then untouched.
void write_cache_file(const std::filesystem::path& path, const AnalyzerIdentity& identity,
                      const std::vector<std::string_view>& entries);

}  // namespace dbtpy::compiler
