#include "profiles/yaml_tree.h"

#include <cctype>
#include <cstdlib>
#include <unordered_map>

#include "util/error.h"
#include "util/utf8.h"

namespace dbtpy::profiles {
namespace {

// Thrown inside the subset reader when the text needs the full YAML reader.
struct GiveUp {};

struct Line {
  int number = 0;         // 1-based
  int indent = 0;         // leading spaces
  std::string_view text;  // after the indentation, with trailing spaces/CR removed
  bool blank = false;     // empty or a comment only
};

// Finds a mapping's earlier entry with the same key (duplicates: the last value wins). Mappings
// in properties files have a handful of keys, which a scan compares faster than hashing them
// (and without a hash node per key); a large mapping gets a hash index once it passes kScan.
class KeyIndex {
 public:
  static constexpr size_t npos = static_cast<size_t>(-1);
  using Entries = std::vector<std::pair<YamlTreeEntry, YamlTree>>;

  size_t find(const Entries& entries, const std::string& key) const {
    if (!hashed_.empty()) {
      auto it = hashed_.find(key);
      return it == hashed_.end() ? npos : it->second;
    }
    for (size_t i = 0; i < entries.size(); ++i)
      if (entries[i].first.key == key) return i;
    return npos;
  }
  // Call before appending the entry for `key` (not a duplicate) to `entries`.
  void add(const Entries& entries, const std::string& key) {
    if (!hashed_.empty()) {
      hashed_.emplace(key, entries.size());
    } else if (entries.size() + 1 > kScan) {
      for (size_t i = 0; i < entries.size(); ++i)
        hashed_.emplace(entries[i].first.key, i);
      hashed_.emplace(key, entries.size());
    }
  }

 private:
  static constexpr size_t kScan = 16;
  std::unordered_map<std::string, size_t> hashed_;
};

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

std::string_view rtrim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string_view ltrim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  return s;
}

class SubsetReader {
 public:
  SubsetReader(std::string_view text, const std::string& file, std::vector<Diagnostic>* warnings)
      : file_(file), warnings_(warnings) {
    split_lines(text);
  }

  YamlTree document() {
    skip_blank();
    if (at_ < lines_.size() && lines_[at_].indent == 0 && lines_[at_].text == "---") {
      ++at_;
      skip_blank();
    }
    YamlTree root;
    if (at_ >= lines_.size()) return root;  // empty document: null
    const Line& first = lines_[at_];
    if (first.indent != 0) throw GiveUp{};
    if (is_sequence_item(first.text)) {
      root = sequence(0);
    } else {
      root = mapping(0);
    }
    skip_blank();
    if (at_ < lines_.size()) {
      if (lines_[at_].indent == 0 && lines_[at_].text == "...") {
        ++at_;
        skip_blank();
        if (at_ < lines_.size()) throw GiveUp{};
      } else {
        throw GiveUp{};  // trailing content (another document, bad indentation, ...)
      }
    }
    return root;
  }

 private:
  void split_lines(std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    lines_.reserve(text.size() / 24 + 8);  // an estimate (counting newlines costs a pass)
    size_t start = 0;
    int number = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view raw = text.substr(start, end - start);
      ++number;
      Line l;
      l.number = number;
      size_t i = 0;
      while (i < raw.size() && raw[i] == ' ')
        ++i;
      l.indent = static_cast<int>(i);
      l.text = rtrim(raw.substr(i));
      l.blank = l.text.empty() || l.text.front() == '#';
      if (!l.blank && l.text.front() == '\t') throw GiveUp{};  // tabs in indentation
      if (!l.blank && l.indent == 0 && l.text.front() == '%') throw GiveUp{};  // directives
      lines_.push_back(l);
      if (end == text.size()) {
        last_line_unterminated_ = true;
        break;
      }
      start = end + 1;
    }
  }

  void skip_blank() {
    while (at_ < lines_.size() && lines_[at_].blank)
      ++at_;
  }

  static bool is_sequence_item(std::string_view t) {
    return !t.empty() && t[0] == '-' && (t.size() == 1 || t[1] == ' ');
  }

  // ---- block collections ------------------------------------------------------------------

  // The block node starting at the current line, which is indented more than `parent`.
  YamlTree block(int parent) {
    skip_blank();
    if (at_ >= lines_.size() || lines_[at_].indent <= parent) return YamlTree{};
    const Line& l = lines_[at_];
    return is_sequence_item(l.text) ? sequence(l.indent) : mapping(l.indent);
  }

  YamlTree sequence(int indent) {
    YamlTree seq;
    seq.kind = YamlTree::Kind::kSequence;
    seq.line = lines_[at_].number;
    seq.column = indent + 1;
    seq.items.reserve(4);
    while (true) {
      skip_blank();
      if (at_ >= lines_.size()) break;
      Line& l = lines_[at_];
      if (l.indent < indent) break;
      if (l.indent > indent) throw GiveUp{};
      if (!is_sequence_item(l.text)) break;
      std::string_view rest = l.text.size() > 1 ? l.text.substr(2) : std::string_view{};
      size_t extra = 0;
      while (extra < rest.size() && rest[extra] == ' ')
        ++extra;
      rest.remove_prefix(extra);
      int item_column = indent + 2 + static_cast<int>(extra);
      if (rest.empty() || rest.front() == '#') {
        ++at_;
        YamlTree item = block(indent);
        seq.items.push_back(std::move(item));
        continue;
      }
      if (is_sequence_item(rest)) throw GiveUp{};  // "- - x": nested inline sequences
      if (looks_like_mapping_entry(rest)) {
        // A compact mapping ("- name: x"): continue as a mapping indented at the key.
        l.indent = item_column;
        l.text = rest;
        seq.items.push_back(mapping(item_column));
        continue;
      }
      YamlTree item = inline_value(rest, l.number, item_column, indent);
      seq.items.push_back(std::move(item));
    }
    return seq;
  }

  // Whether the text starts with a key followed by ':' and a space or the end.
  bool looks_like_mapping_entry(std::string_view t) const {
    if (t.empty()) return false;
    char c = t.front();
    if (c == '"' || c == '\'') {
      size_t close = closing_quote(t);
      if (close == std::string_view::npos) return false;
      std::string_view after = ltrim(t.substr(close + 1));
      return !after.empty() && after.front() == ':' && (after.size() == 1 || after[1] == ' ');
    }
    if (c == '[' || c == '{' || c == '|' || c == '>' || c == '&' || c == '*' || c == '!')
      return false;
    size_t colon = find_key_colon(t);
    return colon != std::string_view::npos;
  }

  // Position of the ':' ending a plain key (": " or ':' at the end), outside of " #".
  // (The searches below jump with find(), which is memchr, instead of testing every byte.)
  static size_t find_key_colon(std::string_view t) {
    size_t colon = t.find(':');
    while (colon != std::string_view::npos && colon + 1 < t.size() && t[colon + 1] != ' ')
      colon = t.find(':', colon + 1);
    if (colon == std::string_view::npos) return colon;
    for (size_t hash = t.find('#'); hash < colon; hash = t.find('#', hash + 1))
      if (hash > 0 && is_space(t[hash - 1])) return std::string_view::npos;  // a comment
    return colon;
  }

  static size_t closing_quote(std::string_view t) {
    const char q = t.front();
    size_t from = 1;
    while (true) {
      size_t close = t.find(q, from);
      if (close == std::string_view::npos) return close;
      if (q == '\'') {
        if (close + 1 < t.size() && t[close + 1] == '\'') {  // '' is an escaped quote
          from = close + 2;
          continue;
        }
        return close;
      }
      size_t escape = t.substr(0, close).find('\\', from);
      if (escape == std::string_view::npos) return close;
      from = escape + 2;  // past the escaped character, which may be a quote
    }
  }

  YamlTree mapping(int indent) {
    YamlTree map;
    map.kind = YamlTree::Kind::kMapping;
    map.line = lines_[at_].number;
    map.column = indent + 1;
    map.entries.reserve(4);  // most mappings of properties files have 2-6 keys
    KeyIndex index;
    while (true) {
      skip_blank();
      if (at_ >= lines_.size()) break;
      const Line l = lines_[at_];
      if (l.indent < indent) break;
      if (l.indent > indent) throw GiveUp{};
      if (is_sequence_item(l.text)) break;  // a sequence at the parent's key indent
      std::string_view t = l.text;
      YamlTreeEntry key;
      key.key_line = l.number;
      key.key_column = indent + 1;
      std::string_view rest;
      if (t.front() == '"' || t.front() == '\'') {
        size_t close = closing_quote(t);
        if (close == std::string_view::npos) throw GiveUp{};
        key.key = unquote(t.substr(0, close + 1));
        rest = ltrim(t.substr(close + 1));
        if (rest.empty() || rest.front() != ':') throw GiveUp{};
        rest.remove_prefix(1);
      } else {
        if (t.front() == '?' || t.front() == '&' || t.front() == '*' || t.front() == '!' ||
            t.front() == '[' || t.front() == '{' || t.front() == '|' || t.front() == '>' ||
            t.front() == '@' || t.front() == '`' || t.front() == '%')
          throw GiveUp{};
        size_t colon = find_key_colon(t);
        if (colon == std::string_view::npos) throw GiveUp{};  // not "key: value"
        key.key = std::string(rtrim(t.substr(0, colon)));
        if (key.key == "<<") throw GiveUp{};  // merge keys need aliases
        rest = t.substr(colon + 1);
      }
      rest = ltrim(rest);
      ++at_;
      YamlTree value;
      if (rest.empty() || rest.front() == '#') {
        skip_blank();
        if (at_ < lines_.size() && lines_[at_].indent == indent &&
            is_sequence_item(lines_[at_].text)) {
          value = sequence(indent);  // "key:\n- a" at the key's own indentation
        } else {
          value = block(indent);
        }
      } else {
        --at_;  // inline_value may consume following lines (block scalars)
        value = inline_value(rest, l.number,
                             static_cast<int>(l.text.size() - rest.size()) + indent + 1, indent);
      }
      size_t found = index.find(map.entries, key.key);
      if (found == KeyIndex::npos) {
        index.add(map.entries, key.key);
        map.entries.emplace_back(std::move(key), std::move(value));
      } else {
        if (warnings_) {
          Diagnostic d;
          d.severity = Severity::kWarning;
          d.code = "DBTPY225";
          d.file = file_;
          d.line = key.key_line;
          d.column = key.key_column;
          d.message = "duplicate key '" + key.key + "' in a YAML mapping; the last value is used";
          d.hint = "remove one of the two entries";
          warnings_->push_back(std::move(d));
        }
        map.entries[found].second = std::move(value);
      }
    }
    return map;
  }

  // ---- values on one line ----------------------------------------------------------------

  // A value that starts on the current line at `text` (column `column`); `parent` is the
  // indentation of the collection it belongs to. Consumes the current line (and block scalar
  // lines).
  YamlTree inline_value(std::string_view text, int line, int column, int parent) {
    YamlTree v;
    v.line = line;
    v.column = column;
    char c = text.front();
    if (c == '&' || c == '*' || c == '!' || c == '%' || c == '@' || c == '`' || c == '?' ||
        c == ',' || c == ']' || c == '}' || c == ':' || c == '#' || is_sequence_item(text))
      throw GiveUp{};
    if (c == '|' || c == '>') {
      ++at_;
      block_scalar(text, parent, v);
      return v;
    }
    ++at_;
    if (c == '[' || c == '{') {
      size_t pos = 0;
      v = flow(text, pos, line, column);
      expect_end(text.substr(pos));
      return v;
    }
    if (c == '"' || c == '\'') {
      size_t close = closing_quote(text);
      if (close == std::string_view::npos) throw GiveUp{};  // continues on the next line
      v.kind = YamlTree::Kind::kScalar;
      v.plain = false;
      v.scalar = unquote(text.substr(0, close + 1));
      expect_end(text.substr(close + 1));
      return v;
    }
    // A plain scalar: up to " #"; it must not continue on the next line.
    std::string_view s = text;
    for (size_t hash = s.find('#', 1); hash != std::string_view::npos;
         hash = s.find('#', hash + 1)) {
      if (is_space(s[hash - 1])) {
        s = s.substr(0, hash);
        break;
      }
    }
    s = rtrim(s);
    if (find_key_colon(s) != std::string_view::npos) throw GiveUp{};  // "a: b: c"
    if (s.find(" #") != std::string_view::npos) throw GiveUp{};
    if (continues(parent)) throw GiveUp{};  // a multi-line plain scalar
    v.kind = YamlTree::Kind::kScalar;
    v.plain = true;
    v.scalar = std::string(s);
    if (s == "~" || s == "null" || s == "Null" || s == "NULL") {
      v.kind = YamlTree::Kind::kNull;
      v.scalar.clear();
    }
    return v;
  }

  // Whether the next non-blank line is indented more than `parent` without starting a new
  // entry of the parent: text that continues the previous scalar.
  bool continues(int parent) {
    size_t k = at_;
    while (k < lines_.size() && lines_[k].blank)
      ++k;
    if (k >= lines_.size()) return false;
    return lines_[k].indent > parent;
  }

  // After a complete value only a comment may follow (separated by a space).
  static void expect_end(std::string_view rest) {
    if (rest.empty()) return;
    if (!is_space(rest.front())) throw GiveUp{};
    rest = ltrim(rest);
    if (!rest.empty() && rest.front() != '#') throw GiveUp{};
  }

  void block_scalar(std::string_view header, int parent, YamlTree& v) {
    v.kind = YamlTree::Kind::kScalar;
    v.plain = false;
    const bool folded = header.front() == '>';
    char chomp = 'c';  // clip: one final newline
    std::string_view h = header.substr(1);
    if (!h.empty() && (h.front() == '-' || h.front() == '+')) {
      chomp = h.front() == '-' ? 's' : 'k';
      h.remove_prefix(1);
    }
    h = ltrim(h);
    if (!h.empty() && h.front() != '#') throw GiveUp{};  // indentation indicators etc.
    // Content: the following lines indented more than the parent, blank lines included.
    const size_t first = at_;
    int content_indent = -1;
    size_t end = at_;
    size_t last_content = at_;
    for (size_t k = at_; k < lines_.size(); ++k) {
      const Line& l = lines_[k];
      if (l.text.empty()) {
        end = k + 1;
        continue;
      }
      if (l.indent <= parent) break;
      if (content_indent < 0) content_indent = l.indent;
      if (l.indent < content_indent) throw GiveUp{};
      end = k + 1;
      last_content = k + 1;
    }
    std::string out;
    for (size_t k = first; k < last_content; ++k) {
      const Line& l = lines_[k];
      if (folded) {
        // Only the simple case: one paragraph at one indentation, folded into one line.
        if (l.text.empty() || l.indent != content_indent) throw GiveUp{};
        if (!out.empty()) out += ' ';
        out += l.text;
        continue;
      }
      if (!l.text.empty()) {
        out.append(static_cast<size_t>(l.indent - content_indent), ' ');
        out += l.text;
      }
      out += '\n';
    }
    if (folded && !out.empty()) out += '\n';
    // The last line of a file without a final newline has no line break to keep.
    if (last_content == lines_.size() && last_line_unterminated_ && !out.empty() &&
        out.back() == '\n')
      out.pop_back();
    if (chomp == 's') {
      while (!out.empty() && out.back() == '\n')
        out.pop_back();
    } else if (chomp == 'k' && !out.empty()) {
      out.append(end - last_content, '\n');
    } else if (chomp == 'k') {
      throw GiveUp{};  // only blank lines: leave the corner case to yaml-cpp
    }
    v.scalar = std::move(out);
    at_ = end;
  }

  std::string unquote(std::string_view q) const {
    std::string out;
    char quote = q.front();
    std::string_view body = q.substr(1, q.size() - 2);
    // Most quoted scalars have nothing to unescape: one copy instead of a byte at a time.
    if (body.find(quote == '\'' ? '\'' : '\\') == std::string_view::npos) return std::string(body);
    if (quote == '\'') {
      for (size_t i = 0; i < body.size(); ++i) {
        out += body[i];
        if (body[i] == '\'' && i + 1 < body.size() && body[i + 1] == '\'') ++i;
      }
      return out;
    }
    for (size_t i = 0; i < body.size(); ++i) {
      char c = body[i];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (++i >= body.size()) throw GiveUp{};
      switch (body[i]) {
        case '0':
          out += '\0';
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 't':
        case '\t':
          out += '\t';
          break;
        case 'n':
          out += '\n';
          break;
        case 'v':
          out += '\v';
          break;
        case 'f':
          out += '\f';
          break;
        case 'r':
          out += '\r';
          break;
        case 'e':
          out += '\x1b';
          break;
        case ' ':
          out += ' ';
          break;
        case '"':
          out += '"';
          break;
        case '/':
          out += '/';
          break;
        case '\\':
          out += '\\';
          break;
        case 'x':
        case 'u':
        case 'U': {
          size_t width = body[i] == 'x' ? 2 : body[i] == 'u' ? 4 : 8;
          if (i + width >= body.size()) throw GiveUp{};
          std::string hex(body.substr(i + 1, width));
          for (char h : hex)
            if (!std::isxdigit(static_cast<unsigned char>(h))) throw GiveUp{};
          append_utf8(out, std::strtoul(hex.c_str(), nullptr, 16));
          i += width;
          break;
        }
        default:
          throw GiveUp{};  // escapes yaml-cpp and PyYAML may treat differently
      }
    }
    return out;
  }

  // ---- flow collections (one line) --------------------------------------------------------

  YamlTree flow(std::string_view t, size_t& pos, int line, int column) {
    YamlTree v;
    v.line = line;
    v.column = column + static_cast<int>(pos);
    skip_flow_space(t, pos);
    if (pos >= t.size()) throw GiveUp{};
    char c = t[pos];
    if (c == '[') {
      v.kind = YamlTree::Kind::kSequence;
      ++pos;
      skip_flow_space(t, pos);
      if (pos < t.size() && t[pos] == ']') {
        ++pos;
        return v;
      }
      while (true) {
        v.items.push_back(flow(t, pos, line, column));
        skip_flow_space(t, pos);
        if (pos >= t.size()) throw GiveUp{};
        if (t[pos] == ',') {
          ++pos;
          skip_flow_space(t, pos);
          if (pos < t.size() && t[pos] == ']') {  // trailing comma
            ++pos;
            return v;
          }
          continue;
        }
        if (t[pos] == ']') {
          ++pos;
          return v;
        }
        throw GiveUp{};
      }
    }
    if (c == '{') {
      v.kind = YamlTree::Kind::kMapping;
      ++pos;
      skip_flow_space(t, pos);
      if (pos < t.size() && t[pos] == '}') {
        ++pos;
        return v;
      }
      KeyIndex index;
      while (true) {
        skip_flow_space(t, pos);
        YamlTreeEntry key;
        key.key_line = line;
        key.key_column = column + static_cast<int>(pos);
        YamlTree k = flow_scalar(t, pos, line, column, /*is_key=*/true);
        if (!k.is_scalar()) throw GiveUp{};
        key.key = k.scalar;
        skip_flow_space(t, pos);
        YamlTree value;
        if (pos < t.size() && t[pos] == ':') {
          ++pos;
          skip_flow_space(t, pos);
          if (pos < t.size() && (t[pos] == ',' || t[pos] == '}')) {
            value = YamlTree{};
          } else {
            value = flow(t, pos, line, column);
          }
        }
        size_t found = index.find(v.entries, key.key);
        if (found == KeyIndex::npos) {
          index.add(v.entries, key.key);
          v.entries.emplace_back(std::move(key), std::move(value));
        } else {
          v.entries[found].second = std::move(value);
        }
        skip_flow_space(t, pos);
        if (pos >= t.size()) throw GiveUp{};
        if (t[pos] == ',') {
          ++pos;
          skip_flow_space(t, pos);
          if (pos < t.size() && t[pos] == '}') {
            ++pos;
            return v;
          }
          continue;
        }
        if (t[pos] == '}') {
          ++pos;
          return v;
        }
        throw GiveUp{};
      }
    }
    return flow_scalar(t, pos, line, column, false);
  }

  static void skip_flow_space(std::string_view t, size_t& pos) {
    while (pos < t.size() && is_space(t[pos]))
      ++pos;
  }

  YamlTree flow_scalar(std::string_view t, size_t& pos, int line, int column, bool is_key) {
    YamlTree v;
    v.line = line;
    v.column = column + static_cast<int>(pos);
    if (pos >= t.size()) throw GiveUp{};
    char c = t[pos];
    if (c == '"' || c == '\'') {
      size_t close = closing_quote(t.substr(pos));
      if (close == std::string_view::npos) throw GiveUp{};
      v.kind = YamlTree::Kind::kScalar;
      v.plain = false;
      v.scalar = unquote(t.substr(pos, close + 1));
      pos += close + 1;
      return v;
    }
    if (c == '[' || c == '{' || c == '&' || c == '*' || c == '!' || c == '|' || c == '>' ||
        c == '#' || c == '%' || c == '@' || c == '`' || c == '?')
      throw GiveUp{};
    size_t start = pos;
    while (pos < t.size()) {
      char d = t[pos];
      if (d == ',' || d == ']' || d == '}' || d == '[' || d == '{') break;
      if (d == ':' && (pos + 1 == t.size() || t[pos + 1] == ' ' || t[pos + 1] == ',' ||
                       t[pos + 1] == '}' || t[pos + 1] == ']')) {
        if (!is_key) throw GiveUp{};  // a single-pair mapping inside a sequence
        break;
      }
      if (d == '#' && pos > start && is_space(t[pos - 1])) throw GiveUp{};
      ++pos;
    }
    std::string_view s = rtrim(t.substr(start, pos - start));
    if (s.empty()) throw GiveUp{};
    v.kind = YamlTree::Kind::kScalar;
    v.plain = true;
    v.scalar = std::string(s);
    if (!is_key && (s == "~" || s == "null" || s == "Null" || s == "NULL")) {
      v.kind = YamlTree::Kind::kNull;
      v.scalar.clear();
    }
    return v;
  }

  std::vector<Line> lines_;
  bool last_line_unterminated_ = false;
  size_t at_ = 0;
  const std::string& file_;
  std::vector<Diagnostic>* warnings_;
};

}  // namespace

Json YamlTree::scalar_json() const {
  if (kind != Kind::kScalar) return nullptr;
  return plain ? resolve_plain_scalar(scalar) : Json(scalar);
}

std::optional<YamlTree> parse_yaml_subset(std::string_view text, const std::string& file,
                                          std::vector<Diagnostic>* warnings) {
  std::vector<Diagnostic> local;
  try {
    SubsetReader reader(text, file, warnings ? &local : nullptr);
    YamlTree tree = reader.document();
    if (warnings) warnings->insert(warnings->end(), local.begin(), local.end());
    return tree;
  } catch (const GiveUp&) {
    return std::nullopt;
  }
}

YamlTree yaml_tree_from_node(const YAML::Node& node, const std::string& file,
                             std::vector<Diagnostic>* warnings) {
  YamlTree t;
  t.line = yaml_line(node);
  t.column = yaml_column(node);
  if (!node.IsDefined() || node.IsNull()) return t;
  if (node.IsScalar()) {
    Json v = scalar_to_json(node);
    if (v.is_null()) return t;
    t.kind = YamlTree::Kind::kScalar;
    const std::string& tag = node.Tag();
    t.plain = !(tag == "!" || tag == "tag:yaml.org,2002:str" || tag == "!!str");
    t.scalar = node.Scalar();
    return t;
  }
  if (node.IsSequence()) {
    t.kind = YamlTree::Kind::kSequence;
    for (const auto& item : node)
      t.items.push_back(yaml_tree_from_node(item, file, warnings));
    return t;
  }
  t.kind = YamlTree::Kind::kMapping;
  for (auto& e : yaml_mapping_entries(node, file, warnings)) {
    YamlTreeEntry key;
    key.key = e.key;
    key.key_line = yaml_line(e.key_node);
    key.key_column = yaml_column(e.key_node);
    t.entries.emplace_back(std::move(key), yaml_tree_from_node(e.value, file, warnings));
  }
  return t;
}

YamlTree load_yaml_tree(std::string_view text, const std::string& file,
                        std::vector<Diagnostic>* warnings) {
  if (auto fast = parse_yaml_subset(text, file, warnings)) return std::move(*fast);
  YAML::Node node = load_yaml_text(text, file);
  return yaml_tree_from_node(node, file, warnings);
}

namespace {

// The recursion of yaml_tree_to_json, with one path it extends and restores (not a copy per
// node).
Json tree_to_json(const YamlTree& tree, const YamlTreeToJsonOptions& options, YamlKeypath& path) {
  switch (tree.kind) {
    case YamlTree::Kind::kNull:
      return nullptr;
    case YamlTree::Kind::kScalar: {
      Json v = tree.scalar_json();
      if (v.is_string() && options.render &&
          (!options.should_render || options.should_render(path))) {
        return options.render(v.get_ref<const std::string&>(), tree, path);
      }
      return v;
    }
    case YamlTree::Kind::kSequence: {
      Json arr = Json::array();
      for (const auto& item : tree.items)
        arr.push_back(tree_to_json(item, options, path));
      return arr;
    }
    case YamlTree::Kind::kMapping: {
      Json obj = Json::object();
      for (const auto& [key, value] : tree.entries) {
        path.push_back(key.key);
        obj[key.key] = tree_to_json(value, options, path);
        path.pop_back();
      }
      return obj;
    }
  }
  return nullptr;
}

}  // namespace

Json yaml_tree_to_json(const YamlTree& tree, const YamlTreeToJsonOptions& options,
                       YamlKeypath path) {
  return tree_to_json(tree, options, path);
}

}  // namespace dbtpy::profiles
