#include "profiles/auth/ini_file.h"

#include "util/strings.h"

namespace dbtpy::profiles::auth {

IniFile IniFile::parse(std::string_view text) {
  IniFile ini;
  std::string section;
  std::string last_key;
  bool in_section = false;
  int line_no = 0;
  for (const std::string& raw : split(text, '\n')) {
    ++line_no;
    std::string line = raw;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string_view t = trim(line);
    if (t.empty() || t.front() == '#' || t.front() == ';') {
      if (t.empty()) last_key.clear();
      continue;
    }
    bool indented = line.front() == ' ' || line.front() == '\t';
    if (indented && !last_key.empty()) {
      ini.values_[section][last_key] += "\n" + std::string(t);
      continue;
    }
    if (t.front() == '[') {
      if (t.back() != ']') throw IniError(line_no, "a section header must end with ']'");
      section = std::string(trim(t.substr(1, t.size() - 2)));
      if (section.empty()) throw IniError(line_no, "empty section name");
      ini.values_[section];
      if (!ini.lines_.count(section)) ini.lines_[section] = line_no;
      in_section = true;
      last_key.clear();
      continue;
    }
    if (!in_section) throw IniError(line_no, "a key appears before any [section] header");
    size_t sep = t.find_first_of("=:");
    if (sep == std::string_view::npos) throw IniError(line_no, "expected `key = value`");
    std::string key = to_lower(trim(t.substr(0, sep)));
    if (key.empty()) throw IniError(line_no, "empty key");
    ini.values_[section][key] = std::string(trim(t.substr(sep + 1)));
    last_key = key;
  }
  return ini;
}

bool IniFile::has_section(std::string_view name) const {
  return values_.count(std::string(name)) > 0;
}

std::vector<std::string> IniFile::sections() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : values_)
    if (name != "DEFAULT") out.push_back(name);
  return out;
}

std::optional<std::string> IniFile::get(std::string_view section, std::string_view key) const {
  std::string k = to_lower(key);
  for (const std::string& s : {std::string(section), std::string("DEFAULT")}) {
    auto it = values_.find(s);
    if (it == values_.end()) continue;
    auto kv = it->second.find(k);
    if (kv != it->second.end()) return kv->second;
  }
  return std::nullopt;
}

int IniFile::line_of(std::string_view section) const {
  auto it = lines_.find(std::string(section));
  return it == lines_.end() ? 0 : it->second;
}

}  // namespace dbtpy::profiles::auth
