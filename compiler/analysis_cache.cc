#include "compiler/analysis_cache.h"

#include <elf.h>
#include <link.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <system_error>
#include <utility>

#include "util/fs.h"
#include "util/version.h"

namespace dbtpy::compiler {
namespace {

constexpr std::string_view kMagic = "DBTPYPP\n";
// Bump whenever the layout or the meaning of a stored field changes.
constexpr uint32_t kFormatVersion = 2;  // 2: entries keep their file's stamp
constexpr size_t kShaBytes = 32;
// Deepest JSON value stored. The analyzer's parser stops at 200 nested brackets, so literals
// never come close; the bound keeps a crafted file from exhausting the stack.
constexpr int kMaxJsonDepth = 512;

enum JsonTag : uint8_t {
  kNull = 0,
  kFalse = 1,
  kTrue = 2,
  kInt = 3,
  kUnsigned = 4,
  kFloat = 5,
  kString = 6,
  kArray = 7,
  kObject = 8,
};

// ---- writing ------------------------------------------------------------------------------

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

void put_int(std::string& out, int64_t v) {
  put_varint(out, zigzag(v));
}

void put_fixed(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_str(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

void put_stamp(std::string& out, const FileStamp& s) {
  put_varint(out, s.size);
  put_varint(out, s.mtime_ns);
  put_varint(out, s.ctime_ns);
  put_varint(out, s.inode);
}

bool put_json(std::string& out, const Json& j, int depth) {
  if (depth > kMaxJsonDepth) return false;
  switch (j.type()) {
    case Json::value_t::null:
      out.push_back(static_cast<char>(kNull));
      return true;
    case Json::value_t::boolean:
      out.push_back(static_cast<char>(j.get<bool>() ? kTrue : kFalse));
      return true;
    case Json::value_t::number_integer:
      out.push_back(static_cast<char>(kInt));
      put_int(out, j.get<int64_t>());
      return true;
    case Json::value_t::number_unsigned:
      out.push_back(static_cast<char>(kUnsigned));
      put_varint(out, j.get<uint64_t>());
      return true;
    case Json::value_t::number_float: {
      out.push_back(static_cast<char>(kFloat));
      const double d = j.get<double>();
      uint64_t bits = 0;
      std::memcpy(&bits, &d, sizeof bits);
      put_fixed(out, bits, 8);
      return true;
    }
    case Json::value_t::string:
      out.push_back(static_cast<char>(kString));
      put_str(out, j.get_ref<const std::string&>());
      return true;
    case Json::value_t::array:
      out.push_back(static_cast<char>(kArray));
      put_varint(out, j.size());
      for (const auto& item : j)
        if (!put_json(out, item, depth + 1)) return false;
      return true;
    case Json::value_t::object:
      out.push_back(static_cast<char>(kObject));
      put_varint(out, j.size());
      for (const auto& [key, value] : j.items()) {
        put_str(out, key);
        if (!put_json(out, value, depth + 1)) return false;
      }
      return true;
    case Json::value_t::binary:
    case Json::value_t::discarded:
      return false;
  }
  return false;
}

void put_where(std::string& out, const SourceLocation& w) {
  put_int(out, w.line);
  put_int(out, w.column);
}

void put_optional(std::string& out, const std::optional<std::string>& s) {
  out.push_back(s ? 1 : 0);
  if (s) put_str(out, *s);
}

bool put_key_uses(std::string& out, const std::vector<KeyUse>& uses) {
  put_varint(out, uses.size());
  for (const auto& u : uses) {
    put_str(out, u.key);
    if (!put_json(out, u.default_value, 0)) return false;
    put_where(out, u.where);
  }
  return true;
}

// An entry's value, in PythonAnalysis's field order: model_def_line, empty_module (byte),
// diagnostics (count; each: severity byte 0 error / 1 warning, code, file, line, column,
// message, hint), config_calls (count; JSON each), refs (count; each: name, package and version
// as flag byte + string, line, column, from_docstring byte), sources (count; source, table,
// line, column, from_docstring), config_keys_used and meta_keys_used (count; key, default JSON,
// line, column), imports (count; strings). JSON: a tag byte (JsonTag) and its payload; integer,
// unsigned and float stay distinct so the values print exactly as the analyzer's did.
bool put_value(std::string& out, const python::PythonAnalysis& a) {
  put_int(out, a.model_def_line);
  out.push_back(a.empty_module ? 1 : 0);
  put_varint(out, a.diagnostics.size());
  for (const auto& d : a.diagnostics) {
    out.push_back(d.severity == Severity::kError ? 0 : 1);
    put_str(out, d.code);
    put_str(out, d.file);
    put_int(out, d.line);
    put_int(out, d.column);
    put_str(out, d.message);
    put_str(out, d.hint);
  }
  put_varint(out, a.config_calls.size());
  for (const auto& c : a.config_calls)
    if (!put_json(out, c, 0)) return false;
  put_varint(out, a.refs.size());
  for (const auto& r : a.refs) {
    put_str(out, r.name);
    put_optional(out, r.package);
    put_optional(out, r.version);
    put_where(out, r.where);
    out.push_back(r.from_docstring ? 1 : 0);
  }
  put_varint(out, a.sources.size());
  for (const auto& s : a.sources) {
    put_str(out, s.source_name);
    put_str(out, s.table_name);
    put_where(out, s.where);
    out.push_back(s.from_docstring ? 1 : 0);
  }
  if (!put_key_uses(out, a.config_keys_used) || !put_key_uses(out, a.meta_keys_used)) return false;
  put_varint(out, a.imports.size());
  for (const auto& i : a.imports)
    put_str(out, i);
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// 64 hex digits -> 32 bytes; false when `hex` is not that.
bool sha_bytes(std::string_view hex, char* out) {
  if (hex.size() != 2 * kShaBytes) return false;
  for (size_t i = 0; i < kShaBytes; ++i) {
    const int hi = hex_digit(hex[2 * i]);
    const int lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return true;
}

// The checksum of the entries, computed entry by entry so that a file can be written without
// assembling it. libstdc++'s string hash (64-bit MurmurHash2) per entry: it only has to catch
// damage, and a library update that changes it merely costs one full re-analysis.
struct Checksum {
  uint64_t value = 0x6462747079707063ULL;
  void add(std::string_view entry) {
    const uint64_t h = std::hash<std::string_view>{}(entry) ^ entry.size();
    value = (value ^ h) * 0x100000001b3ULL;
    value ^= value >> 29;
  }
};

// The file header and the entries' length prefixes and bytes, handed to `sink` in order.
template <typename Sink>
void emit_file(const AnalyzerIdentity& identity, const std::vector<std::string_view>& entries,
               Sink&& sink) {
  Checksum checksum;
  size_t payload = 0;
  std::string prefix;
  for (const auto& e : entries) {
    checksum.add(e);
    prefix.clear();
    put_varint(prefix, e.size());
    payload += prefix.size() + e.size();
  }
  std::string header(kMagic);
  put_fixed(header, kFormatVersion, 4);
  put_str(header, identity.build_id);
  put_str(header, identity.version);
  put_varint(header, entries.size());
  put_varint(header, payload);
  put_fixed(header, checksum.value, 8);
  sink(std::string_view(header));
  for (const auto& e : entries) {
    prefix.clear();
    put_varint(prefix, e.size());
    sink(std::string_view(prefix));
    sink(e);
  }
}

// ---- reading ------------------------------------------------------------------------------

// Bounds-checked reads from a byte range: every read fails (and stays failed) instead of going
// past the end.
class Cursor {
 public:
  explicit Cursor(std::string_view data) : p_(data.data()), end_(data.data() + data.size()) {}

  bool ok() const { return ok_; }
  bool at_end() const { return p_ == end_; }
  size_t left() const { return static_cast<size_t>(end_ - p_); }

  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return fail();
      const auto byte = static_cast<uint8_t>(*p_++);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return v;
    }
    return fail();
  }
  int64_t int64() {
    const uint64_t z = varint();
    return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
  }
  int int32() {
    const int64_t v = int64();
    if (v < INT32_MIN || v > INT32_MAX) return static_cast<int>(fail());
    return static_cast<int>(v);
  }
  uint8_t byte() {
    if (p_ == end_) return static_cast<uint8_t>(fail());
    return static_cast<uint8_t>(*p_++);
  }
  bool flag() {
    const uint8_t b = byte();
    if (b > 1) fail();
    return b == 1;
  }
  uint64_t fixed(int bytes) {
    if (left() < static_cast<size_t>(bytes)) return fail();
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
      v |= static_cast<uint64_t>(static_cast<uint8_t>(p_[i])) << (8 * i);
    p_ += bytes;
    return v;
  }
  std::string_view bytes(size_t n) {
    if (left() < n) {
      fail();
      return {};
    }
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }
  std::string_view str() { return bytes(static_cast<size_t>(varint())); }
  // A count of items that each take at least one byte: more than the bytes left is garbage
  // (and must not size an allocation).
  size_t count() {
    const uint64_t n = varint();
    if (n > left()) return static_cast<size_t>(fail());
    return static_cast<size_t>(n);
  }

 private:
  uint64_t fail() {
    ok_ = false;
    p_ = end_;
    return 0;
  }
  const char* p_;
  const char* end_;
  bool ok_ = true;
};

bool get_json(Cursor& in, Json& out, int depth) {
  if (depth > kMaxJsonDepth) return false;
  switch (in.byte()) {
    case kNull:
      out = nullptr;
      break;
    case kFalse:
      out = false;
      break;
    case kTrue:
      out = true;
      break;
    case kInt:
      out = in.int64();
      break;
    case kUnsigned:
      out = in.varint();
      break;
    case kFloat: {
      const uint64_t bits = in.fixed(8);
      double d = 0;
      std::memcpy(&d, &bits, sizeof d);
      out = d;
      break;
    }
    case kString:
      out = std::string(in.str());
      break;
    case kArray: {
      const size_t n = in.count();
      out = Json::array();
      auto& arr = out.get_ref<Json::array_t&>();
      arr.reserve(n);
      for (size_t i = 0; i < n && in.ok(); ++i) {
        arr.emplace_back();
        if (!get_json(in, arr.back(), depth + 1)) return false;
      }
      break;
    }
    case kObject: {
      const size_t n = in.count();
      out = Json::object();
      for (size_t i = 0; i < n && in.ok(); ++i) {
        std::string key(in.str());
        if (!get_json(in, out[std::move(key)], depth + 1)) return false;
      }
      break;
    }
    default:
      return false;
  }
  return in.ok();
}

SourceLocation get_where(Cursor& in) {
  SourceLocation w;
  w.line = in.int32();
  w.column = in.int32();
  return w;
}

std::optional<std::string> get_optional(Cursor& in) {
  if (!in.flag()) return std::nullopt;
  return std::string(in.str());
}

bool get_key_uses(Cursor& in, std::vector<KeyUse>& uses) {
  const size_t n = in.count();
  uses.reserve(n);
  for (size_t i = 0; i < n && in.ok(); ++i) {
    KeyUse& u = uses.emplace_back();
    u.key = in.str();
    if (!get_json(in, u.default_value, 0)) return false;
    u.where = get_where(in);
  }
  return in.ok();
}

bool get_value(Cursor& in, python::PythonAnalysis& a) {
  a.model_def_line = in.int32();
  a.empty_module = in.flag();
  size_t n = in.count();
  a.diagnostics.reserve(n);
  for (size_t i = 0; i < n && in.ok(); ++i) {
    Diagnostic& d = a.diagnostics.emplace_back();
    const uint8_t severity = in.byte();
    if (severity > 1) return false;
    d.severity = severity == 0 ? Severity::kError : Severity::kWarning;
    d.code = in.str();
    d.file = in.str();
    d.line = in.int32();
    d.column = in.int32();
    d.message = in.str();
    d.hint = in.str();
  }
  n = in.count();
  a.config_calls.reserve(n);
  for (size_t i = 0; i < n && in.ok(); ++i)
    if (!get_json(in, a.config_calls.emplace_back(), 0)) return false;
  n = in.count();
  a.refs.reserve(n);
  for (size_t i = 0; i < n && in.ok(); ++i) {
    RefCall& r = a.refs.emplace_back();
    r.name = in.str();
    r.package = get_optional(in);
    r.version = get_optional(in);
    r.where = get_where(in);
    r.from_docstring = in.flag();
  }
  n = in.count();
  a.sources.reserve(n);
  for (size_t i = 0; i < n && in.ok(); ++i) {
    SourceCall& s = a.sources.emplace_back();
    s.source_name = in.str();
    s.table_name = in.str();
    s.where = get_where(in);
    s.from_docstring = in.flag();
  }
  if (!get_key_uses(in, a.config_keys_used) || !get_key_uses(in, a.meta_keys_used)) return false;
  n = in.count();
  a.imports.reserve(n);
  for (size_t i = 0; i < n && in.ok(); ++i)
    a.imports.emplace_back(in.str());
  return in.ok() && in.at_end();
}

// dl_iterate_phdr callback: finds the object mapping `address` and its build-id note.
struct BuildIdSearch {
  uintptr_t address = 0;
  bool found_object = false;
  std::string build_id;
};

int find_build_id(dl_phdr_info* info, size_t, void* data) {
  auto* search = static_cast<BuildIdSearch*>(data);
  bool holds = false;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum && !holds; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    const uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    holds =
        ph.p_type == PT_LOAD && search->address >= start && search->address < start + ph.p_memsz;
  }
  if (!holds) return 0;
  search->found_object = true;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    // Notes are 4-byte aligned records: header, name (padded), descriptor (padded). The
    // segment is mapped (it is part of a loaded object), so reading within p_memsz is safe.
    const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
    size_t left = ph.p_memsz;
    while (left >= sizeof(ElfW(Nhdr))) {
      ElfW(Nhdr) note;
      std::memcpy(&note, p, sizeof note);
      const size_t name_size = (static_cast<size_t>(note.n_namesz) + 3) & ~size_t{3};
      const size_t desc_size = (static_cast<size_t>(note.n_descsz) + 3) & ~size_t{3};
      if (name_size > left - sizeof note || desc_size > left - sizeof note - name_size) break;
      const char* name = p + sizeof note;
      const char* desc = name + name_size;
      if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
          std::memcmp(name, "GNU", 4) == 0 && note.n_descsz > 0) {
        search->build_id.assign(desc, note.n_descsz);
        return 1;
      }
      p = desc + desc_size;
      left -= sizeof note + name_size + desc_size;
    }
  }
  return 1;  // the object holding the analyzer has no build-id
}

}  // namespace

std::filesystem::path partial_parse_path(const std::filesystem::path& target_dir) {
  return target_dir / "dbtpy" / "partial_parse.bin";
}

std::optional<AnalyzerIdentity> running_analyzer_identity() {
  BuildIdSearch search;
  search.address = reinterpret_cast<uintptr_t>(&python::analyze_without_calls);
  dl_iterate_phdr(&find_build_id, &search);
  if (search.build_id.empty()) return std::nullopt;
  return AnalyzerIdentity{std::move(search.build_id), kVersion};
}

bool encode_entry(std::string_view display, std::string_view sha256_hex, const FileStamp& stamp,
                  const python::PythonAnalysis& analysis, std::string* out) {
  char sha[kShaBytes];
  if (!sha_bytes(sha256_hex, sha)) return false;
  const size_t before = out->size();
  put_str(*out, display);
  out->append(sha, kShaBytes);
  put_stamp(*out, stamp);
  if (put_value(*out, analysis)) return true;
  out->resize(before);
  return false;
}

std::string_view EntryArena::add(std::string_view display, std::string_view sha256_hex,
                                 const FileStamp& stamp, const python::PythonAnalysis& analysis) {
  scratch_.clear();
  if (!encode_entry(display, sha256_hex, stamp, analysis, &scratch_)) return {};
  return keep(scratch_);
}

std::string_view EntryArena::add_restamped(const AnalysisCache& cache, size_t i,
                                           const FileStamp& stamp) {
  scratch_.clear();
  cache.restamped(i, stamp, &scratch_);
  return keep(scratch_);
}

std::string_view EntryArena::keep(std::string_view bytes) {
  constexpr size_t kBlock = 256 * 1024;
  if (capacity_ - used_ < bytes.size()) {
    capacity_ = std::max(kBlock, bytes.size());
    blocks_.push_back(std::make_unique<char[]>(capacity_));
    used_ = 0;
  }
  char* at = blocks_.back().get() + used_;
  std::memcpy(at, bytes.data(), bytes.size());
  used_ += bytes.size();
  return {at, bytes.size()};
}

std::string cache_file_bytes(const AnalyzerIdentity& identity,
                             const std::vector<std::string_view>& entries) {
  std::string out;
  emit_file(identity, entries, [&](std::string_view piece) { out.append(piece); });
  return out;
}

void write_cache_file(const std::filesystem::path& path, const AnalyzerIdentity& identity,
                      const std::vector<std::string_view>& entries) {
  AtomicFileWriter out(path, Durability::kRenameOnly);
  std::string buffer;
  constexpr size_t kFlushAt = 64 * 1024;
  buffer.reserve(kFlushAt * 2);
  emit_file(identity, entries, [&](std::string_view piece) {
    buffer.append(piece);
    if (buffer.size() >= kFlushAt) {
      out.write(buffer);
      buffer.clear();
    }
  });
  out.write(buffer);
  out.commit();
}

bool AnalysisCache::load(std::string bytes, const AnalyzerIdentity& identity, std::string* why,
                         uint64_t written_ns) {
  entries_.clear();
  index_.clear();
  written_ns_ = written_ns;
  bytes_ = std::move(bytes);
  auto reject = [&](const char* reason) {
    *why = reason;
    entries_.clear();
    index_.clear();
    bytes_.clear();
    bytes_.shrink_to_fit();
    return false;
  };
  Cursor in(bytes_);
  if (in.bytes(kMagic.size()) != kMagic) return reject("not a dbtpy partial parse file");
  if (in.fixed(4) != kFormatVersion) return reject("written in another format version");
  const std::string_view build_id = in.str();
  const std::string_view version = in.str();
  if (!in.ok()) return reject("truncated header");
  if (build_id != identity.build_id || version != identity.version)
    return reject("written by another dbtpy build");
  const size_t count = in.count();
  const uint64_t payload_size = in.varint();
  const uint64_t checksum = in.fixed(8);
  if (!in.ok()) return reject("truncated header");
  if (payload_size != in.left()) return reject("truncated or extended");
  Cursor p(in.bytes(in.left()));
  entries_.reserve(count);
  index_.reserve(count);
  Checksum sum;
  for (size_t i = 0; i < count; ++i) {
    Entry e;
    e.all = p.str();
    sum.add(e.all);
    Cursor entry(e.all);
    const std::string_view display = entry.str();
    e.display = display;
    e.sha = entry.bytes(kShaBytes);
    e.stamp.size = entry.varint();
    e.stamp.mtime_ns = entry.varint();
    e.stamp.ctime_ns = entry.varint();
    e.stamp.inode = entry.varint();
    if (!p.ok() || !entry.ok()) return reject("malformed entry table");
    e.value = entry.bytes(entry.left());
    if (!index_.emplace(display, entries_.size()).second) return reject("duplicate entry");
    entries_.push_back(e);
  }
  if (!p.at_end()) return reject("malformed entry table");
  if (sum.value != checksum) return reject("checksum mismatch");
  return true;
}

bool AnalysisCache::load_file(const std::filesystem::path& path, const AnalyzerIdentity& identity,
                              std::string* why, bool* exists) {
  *exists = false;
  // Only a regular file: opening a FIFO put there waits for a writer, and a device may never
  // end. Its modification time is taken before it is read: should a newer file replace it
  // meanwhile, its entries are only compared with an older time (trusted less, never more).
  struct stat st {};
  const bool stat_ok = ::stat(path.c_str(), &st) == 0;
  if (stat_ok && !S_ISREG(st.st_mode)) {
    *exists = true;
    *why = "not a regular file";
    return false;
  }
  const uint64_t written_ns = stat_ok ? timespec_ns(st.st_mtim) : 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = "cannot read " + path.string() + ": " + std::strerror(errno);
    return false;
  }
  std::string bytes(kMagic.size(), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  *exists = true;
  if (in.gcount() != static_cast<std::streamsize>(kMagic.size()) || bytes != kMagic) {
    *why = "not a dbtpy partial parse file";
    return false;
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < static_cast<std::streamoff>(kMagic.size())) {
    *why = "cannot read " + path.string();
    return false;
  }
  bytes.resize(static_cast<size_t>(size));
  in.seekg(static_cast<std::streamoff>(kMagic.size()));
  in.read(bytes.data() + kMagic.size(), size - static_cast<std::streamoff>(kMagic.size()));
  bytes.resize(kMagic.size() + static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return load(std::move(bytes), identity, why, written_ns);
}

std::optional<AnalyzerIdentity> AnalysisCache::writer_of(std::string_view bytes) {
  Cursor in(bytes);
  if (in.bytes(kMagic.size()) != kMagic || in.fixed(4) != kFormatVersion) return std::nullopt;
  AnalyzerIdentity who;
  who.build_id = std::string(in.str());
  who.version = std::string(in.str());
  if (!in.ok()) return std::nullopt;
  return who;
}

std::optional<size_t> AnalysisCache::find(std::string_view display) const {
  auto it = index_.find(display);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

void AnalysisCache::drop_index() {
  std::unordered_map<std::string_view, size_t>().swap(index_);
}

bool AnalysisCache::same_content(size_t i, std::string_view sha256_hex) const {
  char sha[kShaBytes];
  return sha_bytes(sha256_hex, sha) && entries_[i].sha == std::string_view(sha, kShaBytes);
}

bool AnalysisCache::trusted(size_t i) const {
  const FileStamp& s = entries_[i].stamp;
  return s.known() && s.mtime_ns < written_ns_ && s.ctime_ns < written_ns_;
}

std::string AnalysisCache::sha256_hex(size_t i) const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(2 * kShaBytes, '0');
  for (size_t k = 0; k < kShaBytes; ++k) {
    const auto b = static_cast<uint8_t>(entries_[i].sha[k]);
    hex[2 * k] = kHex[b >> 4];
    hex[2 * k + 1] = kHex[b & 0xf];
  }
  return hex;
}

void AnalysisCache::restamped(size_t i, const FileStamp& stamp, std::string* out) const {
  const Entry& e = entries_[i];
  put_str(*out, e.display);
  out->append(e.sha);
  put_stamp(*out, stamp);
  out->append(e.value);
}

bool AnalysisCache::decode(size_t i, python::PythonAnalysis* out) const {
  Cursor in(entries_[i].value);
  *out = python::PythonAnalysis{};
  return get_value(in, *out);
}

}  // namespace dbtpy::compiler
