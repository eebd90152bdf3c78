#include "sandbox/google/bigquery_sql.h"

#include <regex>

#include "util/json.h"
#include "util/strings.h"

namespace dbtpy::sandbox::google {
namespace {

// Comments out, string literals blanked, so keywords inside them are not taken for SQL.
std::string strip(const std::string& q, std::string* comments) {
  std::string out;
  for (size_t i = 0; i < q.size(); ++i) {
    char c = q[i];
    if ((c == '-' && i + 1 < q.size() && q[i + 1] == '-') || c == '#') {
      size_t eol = q.find('\n', i);
      if (eol == std::string::npos) eol = q.size();
      *comments += q.substr(i, eol - i) + "\n";
      i = eol - 1;
      continue;
    }
    if (c == '/' && i + 1 < q.size() && q[i + 1] == '*') {
      size_t end = q.find("*/", i + 2);
      if (end == std::string::npos) end = q.size();
      *comments += q.substr(i, end - i) + "\n";
      i = end + 1;
      continue;
    }
    if (c == '\'' || c == '"') {
      // Triple-quoted or plain string: skip to the matching close, honoring backslashes.
      bool triple = q.compare(i, 3, std::string(3, c)) == 0;
      size_t j = i + (triple ? 3 : 1);
      while (j < q.size()) {
        if (q[j] == '\\') {
          j += 2;
          continue;
        }
        if (triple ? q.compare(j, 3, std::string(3, c)) == 0 : q[j] == c) break;
        ++j;
      }
      size_t end = std::min(q.size(), j + (triple ? 3 : 1));
      out += "''";
      i = end - 1;
      continue;
    }
    out += c;
  }
  return out;
}

std::string normalize_table(std::string t, const std::string& project, const std::string& dataset) {
  std::string clean;
  for (char c : t) {
    if (c != '`') clean += c;
  }
  auto parts = split(clean, '.');
  if (parts.size() == 2) parts.insert(parts.begin(), project);
  if (parts.size() == 1) parts = {project, dataset, parts[0]};
  return join(parts, ".");
}

}  // namespace

QueryAnalysis analyze_query(const std::string& query, const std::string& project,
                            const std::string& default_dataset) {
  QueryAnalysis a;
  std::string comments;
  std::string sql = strip(query, &comments);
  auto marker = comments.find("dbtpy-model:");
  if (marker != std::string::npos) {
    auto inspection =
        inspect_payload("# " + comments.substr(marker) + "\ndef model(dbt, s): pass\n");
    if (inspection.meta) a.meta = inspection.meta;
  }
  std::string trimmed(trim(sql));
  std::smatch first;
  static const std::regex word(R"(^\(*\s*([A-Za-z_]+))");
  if (std::regex_search(trimmed, first, word)) a.first_word = to_upper(first[1].str());

  static const std::string table =
      R"((?:`[^`]+`(?:\.`[^`]+`)*|[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+){0,2}))";
  static const std::regex merge_re("\\bMERGE\\s+(?:INTO\\s+)?(" + table +
                                       ")(?:\\s+(?:AS\\s+)?(?!USING\\b)[A-Za-z_][A-Za-z0-9_]*)?"
                                       "\\s+USING\\s+(\\(|" +
                                       table + ")",
                                   std::regex::icase);
  static const std::regex create_re(
      "\\bCREATE\\s+(?:OR\\s+REPLACE\\s+)?(TEMP\\s+|TEMPORARY\\s+)?"
      "TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(" +
          table + ")",
      std::regex::icase);
  static const std::regex insert_re("\\bINSERT\\s+(?:INTO\\s+)?(" + table + ")", std::regex::icase);
  static const std::regex drop_re("\\bDROP\\s+TABLE\\s+(IF\\s+EXISTS\\s+)?(" + table + ")",
                                  std::regex::icase);

  struct Hit {
    size_t pos;
    TableAction action;
    std::string type;
  };
  std::vector<Hit> hits;
  for (auto it = std::sregex_iterator(sql.begin(), sql.end(), merge_re);
       it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    size_t pos = static_cast<size_t>(m.position(0));
    if (m[2].str() != "(") {
      hits.push_back(
          {pos, {TableAction::Kind::kRead, normalize_table(m[2], project, default_dataset)}, ""});
    }
    hits.push_back({pos + 1,
                    {TableAction::Kind::kWrite, normalize_table(m[1], project, default_dataset)},
                    "MERGE"});
  }
  for (auto it = std::sregex_iterator(sql.begin(), sql.end(), create_re);
       it != std::sregex_iterator(); ++it) {
    if ((*it)[1].matched) continue;  // temporary tables live for the script only
    hits.push_back(
        {static_cast<size_t>(it->position(0)),
         {TableAction::Kind::kWrite, normalize_table((*it)[2], project, default_dataset)},
         "CREATE_TABLE_AS_SELECT"});
  }
  for (auto it = std::sregex_iterator(sql.begin(), sql.end(), insert_re);
       it != std::sregex_iterator(); ++it) {
    // MERGE's "WHEN NOT MATCHED THEN INSERT ROW / INSERT VALUES" is not a table write.
    std::string target = to_upper((*it)[1].str());
    if (target == "ROW" || target == "VALUES") continue;
    hits.push_back(
        {static_cast<size_t>(it->position(0)),
         {TableAction::Kind::kWrite, normalize_table((*it)[1], project, default_dataset)},
         "INSERT"});
  }
  for (auto it = std::sregex_iterator(sql.begin(), sql.end(), drop_re);
       it != std::sregex_iterator(); ++it) {
    hits.push_back({static_cast<size_t>(it->position(0)),
                    {TableAction::Kind::kDrop, normalize_table((*it)[2], project, default_dataset),
                     (*it)[1].matched},
                    "DROP_TABLE"});
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& x, const Hit& y) { return x.pos < y.pos; });
  int statements = 0;
  for (const auto& h : hits) {
    a.actions.push_back(h.action);
    if (!h.type.empty()) {
      ++statements;
      a.statement_type = h.type;
    }
  }
  // More than one statement, or scripting keywords, make a script.
  size_t semis = 0;
  for (char c : trimmed)
    semis += c == ';' ? 1 : 0;
  if (!trimmed.empty() && trimmed.back() == ';') --semis;
  if (statements > 1 || semis > 0 || a.first_word == "DECLARE" || a.first_word == "BEGIN") {
    a.statement_type = "SCRIPT";
  }
  if (a.statement_type.empty()) a.statement_type = a.first_word == "WITH" ? "SELECT" : a.first_word;
  return a;
}

}  // namespace dbtpy::sandbox::google
