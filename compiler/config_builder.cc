#include "compiler/config_builder.h"

#include <algorithm>

#include "compiler/config_merge.h"

namespace dbtpy::compiler {
namespace {

using packed::get_varint;
using packed::Tag;

// Whether Json equality of two values is byte equality of their encodings: no numbers (1 and
// 1.0 are equal Json), binaries or discarded values anywhere inside.
bool plain(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
    case Json::value_t::boolean:
    case Json::value_t::string:
      return true;
    case Json::value_t::array:
    case Json::value_t::object:
      return std::all_of(v.begin(), v.end(), [](const Json& item) { return plain(item); });
    default:
      return false;
  }
}

// plain() on an encoded value starting at `pos`; advances `pos` past it.
bool plain_bytes(std::string_view s, size_t& pos) {
  switch (static_cast<uint8_t>(s.at(pos++))) {
    case Tag::kNull:
    case Tag::kFalse:
    case Tag::kTrue:
      return true;
    case Tag::kString: {
      size_t n = static_cast<size_t>(get_varint(s, pos));
      pos += n;
      return pos <= s.size();
    }
    case Tag::kArray: {
      size_t n = static_cast<size_t>(get_varint(s, pos));
      for (size_t i = 0; i < n; ++i)
        if (!plain_bytes(s, pos)) return false;
      return true;
    }
    case Tag::kObject: {
      size_t n = static_cast<size_t>(get_varint(s, pos));
      for (size_t i = 0; i < n; ++i) {
        size_t k = static_cast<size_t>(get_varint(s, pos));
        pos += k;
        if (!plain_bytes(s, pos)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

void PackedConfigBuilder::clear() {
  buf_.clear();
  entries_.clear();
}

const PackedConfigBuilder::Entry* PackedConfigBuilder::find(std::string_view key) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [&](const Entry& e, std::string_view k) { return key_of(e) < k; });
  return it != entries_.end() && key_of(*it) == key ? &*it : nullptr;
}

PackedConfigBuilder::Entry& PackedConfigBuilder::slot(std::string_view key, bool& created) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [&](const Entry& e, std::string_view k) { return key_of(e) < k; });
  created = !(it != entries_.end() && key_of(*it) == key);
  if (!created) return *it;
  // Keys come from layers (or a caller's literal), never from buf_ itself.
  Entry e{static_cast<uint32_t>(buf_.size()), static_cast<uint32_t>(key.size()), 0, 0,
          ConfigLayer::kDefault};
  buf_.append(key);
  return *entries_.insert(it, e);
}

void PackedConfigBuilder::put(Entry& e, const Json& value) {
  e.value_off = static_cast<uint32_t>(buf_.size());
  packed::put_value(buf_, value);
  e.value_len = static_cast<uint32_t>(buf_.size() - e.value_off);
}

bool PackedConfigBuilder::load(const PackedConfig& base) {
  clear();
  std::string_view s = base.bytes();
  if (s.empty()) return true;
  if (static_cast<uint8_t>(s[0]) != Tag::kObject) return false;
  buf_.assign(s);
  size_t pos = 1;
  size_t n = static_cast<size_t>(get_varint(s, pos));
  entries_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    size_t key_len = static_cast<size_t>(get_varint(s, pos));
    Entry e{static_cast<uint32_t>(pos), static_cast<uint32_t>(key_len), 0, 0,
            ConfigLayer::kDefault};
    pos += key_len;
    e.value_off = static_cast<uint32_t>(pos);
    pos += packed::value_size(s.substr(pos));
    e.value_len = static_cast<uint32_t>(pos - e.value_off);
    entries_.push_back(e);
  }
  // Provenance: the merge gives every value key a layer, in the same order.
  if (get_varint(s, pos) != n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (get_varint(s, pos) != i + 1) return false;
    entries_[i].layer = static_cast<ConfigLayer>(s.at(pos++));
  }
  return pos == s.size();
}

bool PackedConfigBuilder::append(Entry& e, bool existed, std::string_view key, const Json& v) {
  // The list already there (anything else is replaced by a list, as merge_config_layer does),
  // then the new items not in it yet. Items are compared by their bytes: only for plain ones.
  std::string& list = list_;  // the items' encodings, concatenated
  list.clear();
  size_t count = 0;
  auto& items = items_;  // offset, size in `list`
  items.clear();
  std::string_view old = existed ? value_bytes(e) : std::string_view();
  if (!old.empty() && static_cast<uint8_t>(old[0]) == Tag::kArray) {
    size_t pos = 1;
    size_t n = static_cast<size_t>(get_varint(old, pos));
    list.assign(old.substr(pos));
    size_t at = 0;
    for (size_t i = 0; i < n; ++i) {
      size_t start = at;
      if (!plain_bytes(list, at)) return false;
      items.emplace_back(start, at - start);
    }
    count = n;
  }
  auto add = [&](const Json& item) {
    if (!plain(item)) return false;
    size_t start = list.size();
    packed::put_value(list, item);
    std::string_view added(list.data() + start, list.size() - start);
    for (const auto& [off, size] : items) {
      if (std::string_view(list.data() + off, size) == added) {
        list.resize(start);
        return true;
      }
    }
    items.emplace_back(start, added.size());
    ++count;
    return true;
  };
  if (is_hook_key(key)) {
    for (const auto& item : normalize_hooks(v))
      if (!add(item)) return false;
  } else if (v.is_array()) {
    for (const auto& item : v)
      if (!add(item)) return false;
  } else if (!v.is_null()) {
    if (!add(v)) return false;
  }
  e.value_off = static_cast<uint32_t>(buf_.size());
  buf_ += static_cast<char>(Tag::kArray);
  packed::put_varint(buf_, count);
  buf_ += list;
  e.value_len = static_cast<uint32_t>(buf_.size() - e.value_off);
  return true;
}

void PackedConfigBuilder::update(Entry& e, bool existed, const Json& v) {
  std::string_view old = existed ? value_bytes(e) : std::string_view();
  auto old_tag = old.empty() ? Tag::kNull : static_cast<Tag>(static_cast<uint8_t>(old[0]));
  if (!v.is_object() || (old_tag != Tag::kNull && old_tag != Tag::kObject)) {
    put(e, v);
    return;
  }
  // Dict update, one level: both member lists are sorted by key; the new value wins.
  std::string& body = list_;
  body.clear();
  size_t count = 0;
  std::string& copy = copy_;  // buf_ may move
  copy.assign(old_tag == Tag::kObject ? old : std::string_view());
  size_t pos = 1;
  size_t n = copy.empty() ? 0 : static_cast<size_t>(get_varint(copy, pos));
  size_t i = 0;
  std::string_view key;
  size_t value_start = 0;
  auto read_old = [&] {
    size_t key_len = static_cast<size_t>(get_varint(copy, pos));
    key = std::string_view(copy).substr(pos, key_len);
    pos += key_len;
    value_start = pos;
    pos += packed::value_size(std::string_view(copy).substr(pos));
  };
  auto copy_old = [&] {
    packed::put_string(body, key);
    body.append(copy, value_start, pos - value_start);
    ++count;
  };
  bool have_old = false;
  if (i < n) {
    read_old();
    have_old = true;
  }
  for (auto f = v.begin(); f != v.end(); ++f) {
    std::string_view fk = f.key();
    while (have_old && key < fk) {
      copy_old();
      have_old = ++i < n;
      if (have_old) read_old();
    }
    if (have_old && key == fk) {
      have_old = ++i < n;
      if (have_old) read_old();
    }
    packed::put_string(body, fk);
    packed::put_value(body, *f);
    ++count;
  }
  while (have_old) {
    copy_old();
    have_old = ++i < n;
    if (have_old) read_old();
  }
  e.value_off = static_cast<uint32_t>(buf_.size());
  buf_ += static_cast<char>(Tag::kObject);
  packed::put_varint(buf_, count);
  buf_ += body;
  e.value_len = static_cast<uint32_t>(buf_.size() - e.value_off);
}

bool PackedConfigBuilder::merge(const Json& layer, ConfigLayer which) {
  if (!layer.is_object()) return true;
  std::string storage;
  for (auto it = layer.begin(); it != layer.end(); ++it) {
    std::string_view key = normalize_config_key(it.key(), storage);
    MergeBehavior behavior = merge_behavior(key);
    if (behavior == MergeBehavior::kDictKeyAppend) return false;
    bool created = false;
    Entry& e = slot(key, created);
    switch (behavior) {
      case MergeBehavior::kAppend:
        if (!append(e, !created, key, *it)) return false;
        break;
      case MergeBehavior::kUpdate:
        update(e, !created, *it);
        break;
      case MergeBehavior::kReplace:
      case MergeBehavior::kDictKeyAppend:
        put(e, *it);
        break;
    }
    e.layer = which;
  }
  return true;
}

void PackedConfigBuilder::set(std::string_view key, const Json& value, ConfigLayer which) {
  bool created = false;
  Entry& e = slot(key, created);
  put(e, value);
  e.layer = which;
}

std::optional<ConfigLayer> PackedConfigBuilder::layer_of(std::string_view key) const {
  const Entry* e = find(key);
  if (!e) return std::nullopt;
  return e->layer;
}

std::optional<Json> PackedConfigBuilder::value_of(std::string_view key) const {
  const Entry* e = find(key);
  if (!e) return std::nullopt;
  return packed::value(value_bytes(*e));
}

std::optional<std::string_view> PackedConfigBuilder::string_of(std::string_view key) const {
  std::string_view s = value_bytes_of(key);
  if (s.empty() || static_cast<uint8_t>(s[0]) != Tag::kString) return std::nullopt;
  size_t pos = 1;
  size_t n = static_cast<size_t>(get_varint(s, pos));
  return s.substr(pos, n);
}

bool PackedConfigBuilder::strings_only(std::string_view key) const {
  const Entry* e = find(key);
  if (!e) return true;
  std::string_view s = value_bytes(*e);
  if (static_cast<uint8_t>(s.at(0)) != Tag::kArray) return false;
  size_t pos = 1;
  size_t n = static_cast<size_t>(get_varint(s, pos));
  for (size_t i = 0; i < n; ++i) {
    if (static_cast<uint8_t>(s.at(pos)) != Tag::kString) return false;
    pos += packed::value_size(s.substr(pos));
  }
  return true;
}

ResolvedConfig PackedConfigBuilder::subset(std::initializer_list<std::string_view> keys) const {
  ResolvedConfig out;
  for (std::string_view key : keys) {
    if (const Entry* e = find(key)) {
      out.values[std::string(key)] = packed::value(value_bytes(*e));
      out.provenance.emplace(std::string(key), e->layer);
    }
  }
  return out;
}

PackedConfig PackedConfigBuilder::build() const {
  if (entries_.empty()) return PackedConfig();
  thread_local std::string out;
  out.clear();
  out += static_cast<char>(Tag::kObject);
  packed::put_varint(out, entries_.size());
  for (const Entry& e : entries_) {
    packed::put_string(out, key_of(e));
    out += value_bytes(e);
  }
  packed::put_varint(out, entries_.size());
  for (size_t i = 0; i < entries_.size(); ++i) {
    packed::put_varint(out, i + 1);
    out += static_cast<char>(entries_[i].layer);
  }
  PackedConfig config = PackedConfig::from_bytes(out);
  if (out.capacity() > 64 * 1024) std::string().swap(out);
  return config;
}

}  // namespace dbtpy::compiler
