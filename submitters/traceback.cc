#include "submitters/traceback.h"

#include <optional>

#include "submitters/step_request.h"
#include "util/strings.h"

namespace dbtpy::submitters {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view basename_of(std::string_view path) {
  auto slash = path.find_last_of("/\\");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// One recognized frame line.
struct Frame {
  std::string indent;
  std::string file;  // as the platform wrote it ("<command-12>", "_udf_code.py", "Cell In[3]")
  int line = 0;
  std::string rest;      // after the location, e.g. ", in model"
  bool ipython = false;  // IPython prints numbered source lines under its frames
};

std::optional<int> parse_int(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// The line number that starts at s[n] into f.line, and what follows it into f.rest.
bool take_line_number(std::string_view s, size_t n, Frame& f) {
  size_t e = n;
  while (e < s.size() && is_digit(s[e]))
    ++e;
  auto v = parse_int(s.substr(n, e - n));
  if (!v) return false;
  f.line = *v;
  f.rest = std::string(s.substr(e));
  return true;
}

std::optional<Frame> parse_frame(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
    ++i;
  Frame f;
  f.indent = std::string(line.substr(0, i));
  std::string_view s = line.substr(i);
  if (s.starts_with("File \"")) {  // File "name", line N, in f
    size_t close = s.find("\", line ", 6);
    if (close == std::string_view::npos) return std::nullopt;
    f.file = std::string(s.substr(6, close - 6));
    if (!take_line_number(s, close + 8, f)) return std::nullopt;
    return f;
  }
  if (s.starts_with("File ")) {  // IPython: File <command-12>:7, in model(dbt, session)
    std::string_view body = s.substr(5);
    for (size_t c = body.find(':'); c != std::string_view::npos; c = body.find(':', c + 1)) {
      size_t e = c + 1;
      while (e < body.size() && is_digit(body[e]))
        ++e;
      if (e == c + 1 || (e < body.size() && body[e] != ',')) continue;
      auto v = parse_int(body.substr(c + 1, e - c - 1));
      if (!v) return std::nullopt;
      f.file = std::string(body.substr(0, c));
      f.line = *v;
      f.rest = std::string(body.substr(e));
      f.ipython = true;
      return f;
    }
    return std::nullopt;
  }
  if (s.starts_with("Cell In[")) {  // IPython: Cell In[3], line 7
    size_t close = s.find("], line ");
    if (close == std::string_view::npos) return std::nullopt;
    f.file = std::string(s.substr(0, close + 1));
    if (!take_line_number(s, close + 8, f)) return std::nullopt;
    f.ipython = true;
    return f;
  }
  return std::nullopt;
}

// IPython's numbered source lines under a frame: "---> 12     raise X" or "     10 def f():".
struct NumberedLine {
  std::string prefix;  // spaces and the arrow
  int line = 0;
  std::string rest;
};

std::optional<NumberedLine> parse_numbered(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '-' || line[i] == '>'))
    ++i;
  size_t e = i;
  while (e < line.size() && is_digit(line[e]))
    ++e;
  if (e == i || (e < line.size() && line[e] != ' ')) return std::nullopt;
  auto v = parse_int(line.substr(i, e - i));
  if (!v) return std::nullopt;
  return NumberedLine{std::string(line.substr(0, i)), *v, std::string(line.substr(e))};
}

bool is_generated_code(std::string_view file, const TracebackContext& ctx) {
  std::string_view base = basename_of(file);
  if (base == "_udf_code.py") return true;                                         // Snowflake
  if (file.starts_with("<command-") || base.starts_with("command-")) return true;  // Databricks
  if (file.starts_with("Cell In[")) return true;                                   // IPython cells
  for (const auto& n : ctx.code_names)
    if (!n.empty() && base == n) return true;
  for (const auto& e : ctx.entries)
    if (base == e.generated_file) return true;
  return false;
}

struct Mapping {
  bool model = false;
  std::string file;  // model file, or the generated file
  int line = 0;
};

std::optional<Mapping> map_line(int remote_line, const TracebackContext& ctx) {
  for (const auto& e : ctx.entries) {
    int g = remote_line + e.remote_line_offset;
    if (g >= e.first_line && g < e.first_line + e.line_count)
      return Mapping{true, e.model_file, e.model_first_line + (g - e.first_line)};
  }
  if (ctx.entries.empty()) return std::nullopt;
  const auto& e = ctx.entries.front();
  return Mapping{false, e.generated_file, remote_line + e.remote_line_offset};
}

bool is_traceback_header(std::string_view line) {
  return line.find("Traceback (most recent call last)") != std::string_view::npos;
}

bool is_exception_line(std::string_view line) {
  if (line.empty() || line[0] == ' ' || line[0] == '\t') return false;
  if (is_traceback_header(line)) return false;
  if (line.starts_with("File ") || line.starts_with("Cell In[")) return false;
  if (line.find_first_not_of('-') == std::string_view::npos) return false;
  if (line.starts_with("During handling") || line.starts_with("The above exception")) return false;
  return true;
}

}  // namespace

std::string strip_ansi(std::string_view t) {
  std::string out;
  out.reserve(t.size());
  auto skip_csi = [&](size_t i) {  // parameters, intermediates, one final byte
    while (i < t.size() && t[i] >= 0x30 && t[i] <= 0x3F)
      ++i;
    while (i < t.size() && t[i] >= 0x20 && t[i] <= 0x2F)
      ++i;
    if (i < t.size() && t[i] >= 0x40 && t[i] <= 0x7E) ++i;
    return i;
  };
  for (size_t i = 0; i < t.size();) {
    unsigned char c = static_cast<unsigned char>(t[i]);
    if (c == 0x1B && i + 1 < t.size()) {
      char k = t[i + 1];
      if (k == '[') {
        i = skip_csi(i + 2);
      } else if (k == ']') {  // OSC ... BEL or ESC '\'
        size_t j = i + 2;
        while (j < t.size() && t[j] != '\a' &&
               !(t[j] == 0x1B && j + 1 < t.size() && t[j + 1] == '\\'))
          ++j;
        i = j >= t.size() ? j : (t[j] == '\a' ? j + 1 : j + 2);
      } else if (k >= 0x40 && k <= 0x5F) {
        i += 2;
      } else {
        i += 1;
      }
      continue;
    }
    if (c == 0x1B) {
      ++i;
      continue;
    }
    // C1 controls as UTF-8 (U+0080..U+009F); U+009B is a CSI introducer.
    if (c == 0xC2 && i + 1 < t.size()) {
      unsigned char d = static_cast<unsigned char>(t[i + 1]);
      if (d >= 0x80 && d <= 0x9F) {
        i = d == 0x9B ? skip_csi(i + 2) : i + 2;
        continue;
      }
    }
    out += t[i];
    ++i;
  }
  return out;
}

std::string strip_html(std::string_view t) {
  std::string out;
  bool in_tag = false;
  for (char c : t) {
    if (c == '<') {
      in_tag = true;
    } else if (c == '>' && in_tag) {
      in_tag = false;
    } else if (!in_tag) {
      out += c;
    }
  }
  for (auto [from, to] : {std::pair{"&lt;", "<"},
                          {"&gt;", ">"},
                          {"&quot;", "\""},
                          {"&#39;", "'"},
                          {"&nbsp;", " "},
                          {"&amp;", "&"}})
    replace_all(out, from, to);
  return out;
}

std::string last_traceback(std::string_view text) {
  size_t at = text.rfind("Traceback (most recent call last)");
  if (at == std::string_view::npos) return {};
  size_t start = text.rfind('\n', at);
  start = start == std::string_view::npos ? 0 : start + 1;
  std::vector<std::string> lines = split(text.substr(start), '\n');
  std::string out;
  bool after_exception = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (i > 0 && after_exception &&
        (trim(l).empty() || is_digit(l.empty() ? ' ' : l[0]) || l.starts_with("["))) {
      break;  // a log line after the traceback
    }
    if (i > 0 && is_exception_line(l) && !parse_frame(l)) after_exception = true;
    out += l;
    out += '\n';
  }
  while (!out.empty() && out.back() == '\n')
    out.pop_back();
  return out;
}

MappedTraceback map_traceback(std::string_view raw, const TracebackContext& ctx) {
  MappedTraceback m;
  std::string clean = strip_ansi(raw);
  std::vector<std::string> lines = split(clean, '\n');
  std::optional<Mapping> frame_map;  // the mapping of the current frame, if ours
  int frame_remote = 0;
  bool numbered = false;  // the current frame is IPython's, with numbered source lines
  std::string out;
  for (auto& line : lines) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (auto f = parse_frame(line)) {
      frame_map.reset();
      if (is_generated_code(f->file, ctx)) {
        frame_map = map_line(f->line, ctx);
        frame_remote = f->line;
        numbered = f->ipython;
      }
      if (frame_map) {
        if (frame_map->model) {
          line = f->indent + "File \"" + frame_map->file + "\", line " +
                 std::to_string(frame_map->line) + f->rest;
          m.location = frame_map->file + ":" + std::to_string(frame_map->line);
        } else {
          line = f->indent + "File \"" + frame_map->file + "\" (generated by dbtpy), line " +
                 std::to_string(frame_map->line) + f->rest;
        }
      }
    } else if (frame_map && numbered && !trim(line).empty()) {
      if (auto n = parse_numbered(line)) {
        // A numbered source line of the mapped frame: shift it as the frame was shifted.
        int shifted = frame_map->line + (n->line - frame_remote);
        line = n->prefix + std::to_string(shifted) + n->rest;
      } else {
        frame_map.reset();
      }
    } else if (trim(line).empty()) {
      frame_map.reset();
    }
    out += line;
    out += '\n';
  }
  while (!out.empty() && out.back() == '\n')
    out.pop_back();
  m.text = out;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (is_exception_line(*it) && !parse_frame(*it)) {
      m.exception = std::string(trim(*it));
      break;
    }
  }
  return m;
}

TracebackContext traceback_context(const codegen::Payload& payload,
                                   const std::vector<std::string>& code_names) {
  TracebackContext ctx;
  ctx.code_names = code_names;
  std::vector<std::string> sent;
  for (const auto& s : payload.steps)
    for (auto& f : step_files(s))
      sent.push_back(std::move(f));
  for (const auto& e : payload.source_map) {
    for (const auto& f : sent)
      if (f == e.generated_file) {
        ctx.entries.push_back(e);
        break;
      }
  }
  if (ctx.entries.empty()) ctx.entries = payload.source_map;
  return ctx;
}

}  // namespace dbtpy::submitters
