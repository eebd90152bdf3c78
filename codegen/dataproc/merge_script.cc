#include "codegen/dataproc/merge_script.h"

#include "util/strings.h"

namespace dbtpy::codegen::dataproc {

std::string bq_string(std::string_view text) {
  return backslash_quoted(text, '\'');
}

namespace {

// `project.dataset.name` path inside one pair of backticks; backticks cannot occur in
// BigQuery names, backslashes are escaped for the quoted identifier.
std::string path(const MergeSpec& s, const std::string& name) {
  std::string p = s.project + "." + s.dataset + "." + name;
  std::string out = "`";
  for (char c : p) {
    if (c == '\\' || c == '`') out += '\\';
    out += c;
  }
  return out + "`";
}

std::string info_schema(const MergeSpec& s, const char* view) {
  return "`" + s.project + "`.`" + s.dataset + "`.INFORMATION_SCHEMA." + view;
}

std::string string_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i)
    out += (i ? ", " : "") + bq_string(items[i]);
  return out + "]";
}

std::string staging_name_expr(const MergeSpec& s) {
  return "CONCAT(" + bq_string(s.identifier + "__dbt_tmp_") + ", REPLACE(@run_id, '-', '_'))";
}

// A string-literal prefix that, followed by a table name and a closing backtick, names a
// table of the target dataset inside EXECUTE IMMEDIATE text.
std::string dataset_prefix_literal(const MergeSpec& s) {
  std::string p = "`" + s.project + "." + s.dataset + ".";
  return bq_string(p);
}

}  // namespace

std::string merge_script_sql(const MergeSpec& s) {
  const std::string target = path(s, s.identifier);
  const std::string columns_view = info_schema(s, "COLUMNS");
  const std::string tables_view = info_schema(s, "TABLES");
  const std::string prefix = dataset_prefix_literal(s);
  std::string q;
  q += "-- dbtpy: incremental merge for " + s.unique_id + " into " + target + "\n";
  q += "-- Runs after the Dataproc job. The job wrote the model's output to this run's staging\n";
  q += "-- table, or, when the target did not exist yet or on --full-refresh, to the target\n";
  q += "-- itself; then there is no staging table and nothing to merge. The text is fixed:\n";
  q += "-- @run_id is its only parameter; columns are read from INFORMATION_SCHEMA.\n";
  q += "DECLARE staging_name STRING DEFAULT " + staging_name_expr(s) + ";\n";
  q += "DECLARE staging_exists BOOL DEFAULT (\n  SELECT COUNT(*) > 0 FROM " + tables_view +
       " WHERE table_name = staging_name);\n";
  q += "DECLARE source_columns ARRAY<STRUCT<name STRING, data_type STRING>>;\n";
  q += "DECLARE target_columns ARRAY<STRUCT<name STRING, data_type STRING>>;\n";
  q += "DECLARE dest_columns ARRAY<STRING>;\n";
  q += "DECLARE update_columns ARRAY<STRING>;\n";
  q += "DECLARE column_list STRING;\n";
  q += "DECLARE source_list STRING;\n";
  q += "DECLARE update_set STRING;\n\n";
  q += "IF staging_exists THEN\n";
  q += "  BEGIN\n";
  q += "    SET source_columns = ARRAY(\n";
  q += "      SELECT AS STRUCT column_name AS name, data_type FROM " + columns_view + "\n";
  q += "      WHERE table_name = staging_name ORDER BY ordinal_position);\n";
  q += "    SET target_columns = ARRAY(\n";
  q += "      SELECT AS STRUCT column_name AS name, data_type FROM " + columns_view + "\n";
  q += "      WHERE table_name = " + bq_string(s.identifier) + " ORDER BY ordinal_position);\n";

  const std::string added =
      "SELECT s.name, s.data_type FROM UNNEST(source_columns) s WHERE LOWER(s.name) NOT IN "
      "(SELECT LOWER(t.name) FROM UNNEST(target_columns) t)";
  const std::string removed =
      "SELECT t.name FROM UNNEST(target_columns) t WHERE LOWER(t.name) NOT IN "
      "(SELECT LOWER(s.name) FROM UNNEST(source_columns) s)";
  const std::string changed =
      "SELECT s.name, s.data_type FROM UNNEST(source_columns) s JOIN UNNEST(target_columns) t "
      "ON LOWER(s.name) = LOWER(t.name) WHERE s.data_type != t.data_type";

  if (s.on_schema_change == "ignore") {
    q += "    -- on_schema_change: ignore (the target's columns are written)\n";
    q += "    SET dest_columns = ARRAY(SELECT t.name FROM UNNEST(target_columns) t);\n";
  } else {
    q += "    -- on_schema_change: " + s.on_schema_change + "\n";
    if (s.on_schema_change == "fail") {
      q += "    IF EXISTS(" + added + ") OR EXISTS(" + removed + ") OR EXISTS(" + changed +
           ") THEN\n";
      q += "      RAISE USING MESSAGE = CONCAT(\n";
      q += "        'The source and target schemas on this incremental model are out of sync! ',\n";
      q += "        'Columns in the output but not in the target: ', (SELECT "
           "IFNULL(STRING_AGG(n.name, ', '), '-') FROM (" +
           added + ") n),\n";
      q += "        '; columns in the target but not in the output: ', (SELECT "
           "IFNULL(STRING_AGG(n.name, ', '), '-') FROM (" +
           removed + ") n),\n";
      q += "        '; changed types: ', (SELECT IFNULL(STRING_AGG(CONCAT(n.name, ' ', "
           "n.data_type), ', '), '-') FROM (" +
           changed + ") n),\n";
      q += "        '. Set on_schema_change to append_new_columns or sync_all_columns, or run with "
           "--full-refresh.');\n";
      q += "    END IF;\n";
    } else {
      q += "    FOR col IN (" + added + ") DO\n";
      q += "      EXECUTE IMMEDIATE CONCAT('ALTER TABLE ', " + bq_string(target) +
           ", ' ADD COLUMN `', col.name, '` ', col.data_type);\n";
      q += "    END FOR;\n";
      if (s.on_schema_change == "sync_all_columns") {
        q += "    FOR col IN (" + removed + ") DO\n";
        q += "      EXECUTE IMMEDIATE CONCAT('ALTER TABLE ', " + bq_string(target) +
             ", ' DROP COLUMN `', col.name, '`');\n";
        q += "    END FOR;\n";
        q += "    FOR col IN (" + changed + ") DO\n";
        q += "      EXECUTE IMMEDIATE CONCAT('ALTER TABLE ', " + bq_string(target) +
             ", ' ALTER COLUMN `', col.name, '` SET DATA TYPE ', col.data_type);\n";
        q += "    END FOR;\n";
      }
    }
    q += "    SET dest_columns = ARRAY(SELECT s.name FROM UNNEST(source_columns) s);\n";
  }

  if (!s.merge_update_columns.empty()) {
    q += "    SET update_columns = " + string_array(s.merge_update_columns) + ";\n";
  } else if (!s.merge_exclude_columns.empty()) {
    std::vector<std::string> lower;
    for (const auto& c : s.merge_exclude_columns) {
      std::string l;
      for (char ch : c)
        l += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
      lower.push_back(l);
    }
    q += "    SET update_columns = ARRAY(SELECT CONCAT('`', c, '`') FROM UNNEST(dest_columns) c "
         "WHERE LOWER(c) NOT IN UNNEST(" +
         string_array(lower) + "));\n";
  } else {
    q +=
        "    SET update_columns = ARRAY(SELECT CONCAT('`', c, '`') FROM UNNEST(dest_columns) c);\n";
  }
  q += "    SET column_list = (SELECT STRING_AGG(CONCAT('`', c, '`'), ', ' ORDER BY o) FROM "
       "UNNEST(dest_columns) c WITH OFFSET o);\n";
  q += "    SET source_list = (SELECT STRING_AGG(CONCAT('DBT_INTERNAL_SOURCE.`', c, '`'), ', ' "
       "ORDER BY o) FROM UNNEST(dest_columns) c WITH OFFSET o);\n";
  q += "    SET update_set = (SELECT STRING_AGG(CONCAT(c, ' = DBT_INTERNAL_SOURCE.', c), ', ' "
       "ORDER BY o) FROM UNNEST(update_columns) c WITH OFFSET o);\n";

  std::string on;
  for (const auto& p : s.predicates)
    on += (on.empty() ? "" : " AND ") + std::string("(") + p + ")";
  for (const auto& k : s.unique_key)
    on += (on.empty() ? "" : " AND ") + std::string("(DBT_INTERNAL_SOURCE.") + k +
          " = DBT_INTERNAL_DEST." + k + ")";
  if (s.unique_key.empty()) on = on.empty() ? "FALSE" : "FALSE AND " + on;

  q += "    EXECUTE IMMEDIATE CONCAT(\n";
  q += "      " + bq_string("MERGE INTO " + target + " AS DBT_INTERNAL_DEST USING ") + ", " +
       prefix + ", staging_name, '` AS DBT_INTERNAL_SOURCE',\n";
  q += "      " + bq_string(" ON " + on) + ",\n";
  if (!s.unique_key.empty())
    q +=
        "      IF(update_set IS NULL, '', CONCAT(' WHEN MATCHED THEN UPDATE SET ', update_set)),\n";
  q += "      ' WHEN NOT MATCHED THEN INSERT (', column_list, ') VALUES (', source_list, ')');\n";
  q +=
      "    EXECUTE IMMEDIATE CONCAT('DROP TABLE IF EXISTS ', " + prefix + ", staging_name, '`');\n";
  q += "  EXCEPTION WHEN ERROR THEN\n";
  q +=
      "    EXECUTE IMMEDIATE CONCAT('DROP TABLE IF EXISTS ', " + prefix + ", staging_name, '`');\n";
  q += "    RAISE USING MESSAGE = @@error.message;\n";
  q += "  END;\n";
  q += "ELSE\n";
  q += "  SELECT 'no staging table for this run: the Dataproc job wrote the target directly' AS "
       "dbtpy_merge;\n";
  q += "END IF;\n";
  return q;
}

std::string drop_staging_sql(const MergeSpec& s) {
  std::string q;
  q +=
      "-- dbtpy: drop this run's staging table of " + s.unique_id + " (cleanup; no-op if absent)\n";
  q += "EXECUTE IMMEDIATE CONCAT('DROP TABLE IF EXISTS ', " + dataset_prefix_literal(s) + ", " +
       staging_name_expr(s) + ", '`');\n";
  return q;
}

}  // namespace dbtpy::codegen::dataproc
