#include "compiler/resolved_config.h"

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace dbtpy::compiler {

using namespace std::string_view_literals;
namespace packed {

// Layout of PackedConfig::bytes_:
//   value(values) varint(count) { varint(ref) [string(key) when ref == 0] byte(layer) }*
// where ref is 1 + the index of the provenance key among the members of `values` (keys are
// almost always the same), and
//   value  = tag, then: null/false/true/discarded: nothing; int64/uint64/double: 8 bytes;
//            string: varint(size) bytes; array: varint(n) value*; object: varint(n)
//            { string(key) value }* in key order; binary: varint(size) bytes byte(has
//            subtype) 8 bytes(subtype).
// Each Json value type is kept as it was (integer, unsigned, float), so what unpack() gives
// back compares, prints and converts exactly as the packed value did.
uint64_t get_varint(std::string_view bytes, size_t& pos) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    if (pos >= bytes.size()) throw std::logic_error("PackedConfig: truncated bytes");
    auto b = static_cast<uint8_t>(bytes[pos++]);
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return v;
  }
}

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

template <typename T>
void put_raw(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out += s;
}

void put_value(std::string& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      out += static_cast<char>(kNull);
      break;
    case Json::value_t::boolean:
      out += static_cast<char>(v.get<bool>() ? kTrue : kFalse);
      break;
    case Json::value_t::number_integer:
      out += static_cast<char>(kInt);
      put_raw(out, v.get<Json::number_integer_t>());
      break;
    case Json::value_t::number_unsigned:
      out += static_cast<char>(kUnsigned);
      put_raw(out, v.get<Json::number_unsigned_t>());
      break;
    case Json::value_t::number_float:
      out += static_cast<char>(kFloat);
      put_raw(out, v.get<Json::number_float_t>());
      break;
    case Json::value_t::string:
      out += static_cast<char>(kString);
      put_string(out, v.get_ref<const std::string&>());
      break;
    case Json::value_t::array:
      out += static_cast<char>(kArray);
      put_varint(out, v.size());
      for (const auto& item : v)
        put_value(out, item);
      break;
    case Json::value_t::object:
      out += static_cast<char>(kObject);
      put_varint(out, v.size());
      for (auto it = v.begin(); it != v.end(); ++it) {
        put_string(out, it.key());
        put_value(out, *it);
      }
      break;
    case Json::value_t::binary: {
      const auto& b = v.get_binary();
      out += static_cast<char>(kBinary);
      put_string(out, std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
      out += static_cast<char>(b.has_subtype() ? 1 : 0);
      put_raw(out, static_cast<uint64_t>(b.has_subtype() ? b.subtype() : 0));
      break;
    }
    case Json::value_t::discarded:
      out += static_cast<char>(kDiscarded);
      break;
  }
}

}  // namespace packed
namespace {
using namespace packed;  // NOLINT(google-build-using-namespace): the tags, in this file only

// a < b as std::string_view compares them, deciding on the first bytes inline when they differ
// (config keys mostly do): the merge walk over the defaults compares ~30 keys per config.
inline bool key_less(std::string_view a, std::string_view b) {
  if (!a.empty() && !b.empty() && a[0] != b[0])
    return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]);
  return a < b;
}

// Reads what put_* wrote. The bytes are only ever produced by PackedConfig itself, so running
// off the end is a bug, reported as such rather than read past.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : s_(bytes) {}

  bool at_end() const { return pos_ >= s_.size(); }
  size_t pos() const { return pos_; }

  uint8_t byte() {
    need(1);
    return static_cast<uint8_t>(s_[pos_++]);
  }
  uint64_t varint() {  // counts and sizes are nearly always one byte: that case inline
    if (pos_ < s_.size() && !(static_cast<uint8_t>(s_[pos_]) & 0x80))
      return static_cast<uint8_t>(s_[pos_++]);
    return get_varint(s_, pos_);
  }
  template <typename T>
  T raw() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, s_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string_view string() {
    size_t n = static_cast<size_t>(varint());
    need(n);
    std::string_view v = s_.substr(pos_, n);
    pos_ += n;
    return v;
  }

  Json value() {
    switch (byte()) {
      case kNull:
        return Json(nullptr);
      case kFalse:
        return Json(false);
      case kTrue:
        return Json(true);
      case kInt:
        return Json(raw<Json::number_integer_t>());
      case kUnsigned:
        return Json(raw<Json::number_unsigned_t>());
      case kFloat:
        return Json(raw<Json::number_float_t>());
      case kString:
        return Json(std::string(string()));
      case kArray: {
        Json out = Json::array();
        auto& items = out.get_ref<Json::array_t&>();
        size_t n = static_cast<size_t>(varint());
        items.reserve(n);
        for (size_t i = 0; i < n; ++i)
          items.push_back(value());
        return out;
      }
      case kObject: {
        Json out = Json::object();
        auto& members = out.get_ref<Json::object_t&>();
        size_t n = static_cast<size_t>(varint());
        for (size_t i = 0; i < n; ++i) {
          std::string key(string());
          members.emplace_hint(members.end(), std::move(key), value());
        }
        return out;
      }
      case kBinary: {
        std::string_view data = string();
        bool has_subtype = byte() != 0;
        uint64_t subtype = raw<uint64_t>();
        Json::binary_t::container_type bytes(data.begin(), data.end());
        if (has_subtype) return Json::binary(std::move(bytes), static_cast<std::uint8_t>(subtype));
        return Json::binary(std::move(bytes));
      }
      case kDiscarded:
        return Json(Json::value_t::discarded);
      default:
        throw std::logic_error("PackedConfig: corrupt bytes");
    }
  }

  void skip_value() {
    switch (byte()) {
      case kNull:
      case kFalse:
      case kTrue:
      case kDiscarded:
        return;
      case kInt:
      case kUnsigned:
      case kFloat:
        raw<uint64_t>();
        return;
      case kString:
        string();
        return;
      case kArray: {
        size_t n = static_cast<size_t>(varint());
        for (size_t i = 0; i < n; ++i)
          skip_value();
        return;
      }
      case kObject: {
        size_t n = static_cast<size_t>(varint());
        for (size_t i = 0; i < n; ++i) {
          string();
          skip_value();
        }
        return;
      }
      case kBinary:
        string();
        byte();
        raw<uint64_t>();
        return;
      default:
        throw std::logic_error("PackedConfig: corrupt bytes");
    }
  }

  // Appends the value at the cursor as compact JSON text (as nlohmann's dump with the
  // replace error handler).
  void append_value_json(std::string& out) {
    switch (byte()) {
      case kNull:
        out += "null";
        return;
      case kFalse:
        out += "false";
        return;
      case kTrue:
        out += "true";
        return;
      case kInt:
        append_json_integer(out, raw<Json::number_integer_t>());
        return;
      case kUnsigned:
        append_json_unsigned(out, raw<Json::number_unsigned_t>());
        return;
      case kFloat:
        append_json_float(out, raw<Json::number_float_t>());
        return;
      case kString:
        append_json_string(out, string());
        return;
      case kArray: {
        size_t n = static_cast<size_t>(varint());
        out += '[';
        for (size_t i = 0; i < n; ++i) {
          if (i) out += ',';
          append_value_json(out);
        }
        out += ']';
        return;
      }
      case kObject: {
        size_t n = static_cast<size_t>(varint());
        if (n == 0) out += '{';
        for (size_t i = 0; i < n; ++i) {
          append_json_string(out, string(), i ? ","sv : "{"sv);
          out += ':';
          append_value_json(out);
        }
        out += '}';
        return;
      }
      default:  // binary, discarded: rare; nlohmann prints them
        --pos_;
        out += value().dump(-1, ' ', false, Json::error_handler_t::replace);
    }
  }

  // Appends an object value at the cursor completed with `defaults` (members it lacks added,
  // and with `merge_members`, an object member merged one level with a default's members) as
  // append_json documents. `joined` and `starts` are the defaults' JsonMembersText::joined and
  // starts: the defaults between two of the value's keys go out as one append. Returns false,
  // consuming nothing, when the value is not an object.
  bool append_merged_object_json(std::string& out,
                                 const std::vector<JsonMembersText::Member>& defaults,
                                 std::string_view joined, const std::vector<size_t>& starts,
                                 bool merge_members) {
    need(1);
    if (static_cast<uint8_t>(s_[pos_]) != kObject) return false;
    ++pos_;
    size_t n = static_cast<size_t>(varint());
    out += '{';
    bool first = true;
    auto run = [&](size_t from, size_t to) {  // defaults [from, to), each with its comma
      if (from == to) return;
      const size_t begin = starts[from] + (first ? 1 : 0);
      out.append(joined.data() + begin, starts[to] - begin);
      first = false;
    };
    const size_t count = defaults.size();
    size_t d = 0;
    for (size_t i = 0; i < n; ++i) {
      std::string_view key = string();
      size_t e = d;
      while (e < count && key_less(defaults[e].key, key))
        ++e;
      run(d, e);
      d = e;
      if (d < count && defaults[d].key == key) {
        const JsonMembersText::Member& m = defaults[d];
        // The same key, already escaped, with its comma: `,"key":` in joined.
        const size_t begin = starts[d] + (first ? 1 : 0);
        out.append(joined.data() + begin, starts[d] + 1 + m.key_size - begin);
        first = false;
        if (!merge_members || m.members.empty() ||
            !append_merged_object_json(out, m.members, m.members_joined, m.members_starts, false))
          append_value_json(out);
        ++d;
      } else {
        append_json_string(out, key, first ? ""sv : ","sv);
        first = false;
        out += ':';
        append_value_json(out);
      }
    }
    run(d, count);
    out += '}';
    return true;
  }

  // The top-level member keys of a packed object value (skipping their values), or none for
  // another value.
  void object_keys(std::vector<std::string_view>& keys) {
    if (byte() != kObject) {
      --pos_;
      skip_value();
      return;
    }
    size_t n = static_cast<size_t>(varint());
    keys.reserve(keys.size() + n);
    for (size_t i = 0; i < n; ++i) {
      keys.push_back(string());
      skip_value();
    }
  }

 private:
  void need(size_t n) const {
    if (s_.size() - pos_ < n) throw std::logic_error("PackedConfig: truncated bytes");
  }
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

namespace packed {

size_t value_size(std::string_view bytes) {
  Reader r(bytes);
  r.skip_value();
  return r.pos();
}

Json value(std::string_view bytes) {
  Reader r(bytes);
  return r.value();
}

}  // namespace packed

PackedConfig PackedConfig::from_bytes(std::string_view bytes) {
  PackedConfig out;
  out.bytes_.assign(bytes);
  return out;
}

PackedConfig::PackedConfig(const ResolvedConfig& config) {
  const Json& values = config.values;
  if (values.is_object() && values.empty() && config.provenance.empty()) return;
  // Packed into a buffer each thread reuses, then copied once at its exact size: growing
  // bytes_ by appends and shrinking it reallocated ~6 times per config.
  thread_local std::string scratch;
  std::string& out = scratch;
  out.clear();
  put_value(out, values);
  put_varint(out, config.provenance.size());
  // Both are sorted by key: one merge walk finds each provenance key's member index.
  auto member = values.is_object() ? values.begin() : values.end();
  const auto members_end = values.end();
  size_t index = 0;
  for (const auto& [key, layer] : config.provenance) {
    while (member != members_end && member.key() < key) {
      ++member;
      ++index;
    }
    if (member != members_end && member.key() == key) {
      put_varint(out, index + 1);
    } else {
      put_varint(out, 0);
      put_string(out, key);
    }
    out += static_cast<char>(layer);
  }
  bytes_.assign(out);
  // A rare huge config does not stay with the thread.
  if (out.capacity() > 64 * 1024) std::string().swap(out);
}

ResolvedConfig PackedConfig::unpack() const {
  ResolvedConfig out;
  if (bytes_.empty()) return out;
  Reader r(bytes_);
  out.values = r.value();
  std::vector<std::string_view> keys;
  if (out.values.is_object()) {
    keys.reserve(out.values.size());
    for (auto it = out.values.begin(); it != out.values.end(); ++it)
      keys.push_back(it.key());
  }
  size_t count = static_cast<size_t>(r.varint());
  for (size_t i = 0; i < count; ++i) {
    size_t ref = static_cast<size_t>(r.varint());
    std::string key(ref == 0 ? r.string() : keys.at(ref - 1));
    out.provenance.emplace_hint(out.provenance.end(), std::move(key),
                                static_cast<ConfigLayer>(r.byte()));
  }
  return out;
}

Json PackedConfig::values() const {
  if (bytes_.empty()) return Json::object();
  Reader r(bytes_);
  return r.value();
}

std::map<std::string, ConfigLayer> PackedConfig::provenance() const {
  return unpack().provenance;
}

namespace {

void append_defaults_only(std::string& out, const JsonMembersText* defaults) {
  out += '{';
  if (defaults && !defaults->joined.empty()) out.append(defaults->joined, 1);  // without its ','
  out += '}';
}

}  // namespace

void PackedConfig::append_json(std::string& out, const JsonMembersText* defaults) const {
  if (bytes_.empty()) return append_defaults_only(out, defaults);  // no values: {}
  Reader r(bytes_);
  if (!defaults) return r.append_value_json(out);
  // config_with_defaults() keeps only the defaults when the values are not an object.
  if (!r.append_merged_object_json(out, defaults->members, defaults->joined, defaults->starts,
                                   true))
    append_defaults_only(out, defaults);
}

ProvenanceNames::ProvenanceNames(const std::array<std::string_view, 4>& layer_names) {
  for (size_t i = 0; i < layer_names.size(); ++i) {
    tails[i] = ':';
    append_json_string(tails[i], layer_names[i]);
  }
  unknown = ':';
  append_json_string(unknown, "unknown");
}

void PackedConfig::append_provenance_json(
    std::string& out, const std::array<std::string_view, 4>& layer_names) const {
  append_provenance_json(out, ProvenanceNames(layer_names));
}

void PackedConfig::append_provenance_json(std::string& out, const ProvenanceNames& names) const {
  if (bytes_.empty()) {
    out += "{}"sv;
    return;
  }
  Reader r(bytes_);
  // Reused per thread: formatting 10,000 entries allocates no key list each.
  thread_local std::vector<std::string_view> keys;
  keys.clear();
  r.object_keys(keys);
  size_t count = static_cast<size_t>(r.varint());
  if (count == 0) out += '{';
  for (size_t i = 0; i < count; ++i) {
    size_t ref = static_cast<size_t>(r.varint());
    std::string_view k = ref == 0 ? r.string() : keys.at(ref - 1);
    auto layer = static_cast<size_t>(r.byte());
    append_json_string(out, k, i ? ","sv : "{"sv);
    out += layer < names.tails.size() ? names.tails[layer] : names.unknown;
  }
  keys.clear();
  out += '}';
}

std::optional<ConfigLayer> PackedConfig::layer_of(std::string_view key) const {
  if (bytes_.empty()) return std::nullopt;
  Reader r(bytes_);
  std::vector<std::string_view> keys;
  r.object_keys(keys);
  size_t count = static_cast<size_t>(r.varint());
  for (size_t i = 0; i < count; ++i) {
    size_t ref = static_cast<size_t>(r.varint());
    std::string_view k = ref == 0 ? r.string() : keys.at(ref - 1);
    uint8_t layer = r.byte();
    if (k == key) return static_cast<ConfigLayer>(layer);
  }
  return std::nullopt;
}

}  // namespace dbtpy::compiler
