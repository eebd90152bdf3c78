#include "codegen/snowflake/snowpark_driver.h"

#include "codegen/common/python_literal.h"

namespace dbtpy::codegen::snowflake {

std::string snowpark_driver_python(const Json& settings) {
  std::string s;
  s += "\n\n# " + std::string(75, '-') + "\n";
  s += "# dbtpy driver: Snowflake stored procedure (handler: main)\n";
  s += "# " + std::string(75, '-') + "\n";
  s += "import json as _dbtpy_json\n\n";
  s += "_DBTPY = " + py_literal_block(settings) + "\n";
  s += R"PY(

def _dbtpy_sql(session, text):
    return session.sql(text).collect()


def _dbtpy_quote(name):
    return '"' + name.replace('"', '""') + '"'


def _dbtpy_existing_type(session):
    rows = _dbtpy_sql(session, _DBTPY["exists_query"])
    return rows[0][0] if rows else None


def _dbtpy_to_snowpark(session, df):
    from snowflake.snowpark import DataFrame as SnowparkDataFrame

    if isinstance(df, SnowparkDataFrame):
        return df
    try:
        import pandas
    except ImportError:
        pandas = None
    if pandas is not None and isinstance(df, pandas.DataFrame):
        session.use_database(_DBTPY["database"])
        session.use_schema(_DBTPY["schema"])
        return session.create_dataframe(df)
    raise TypeError(
        f"model() returned {type(df).__module__}.{type(df).__qualname__}; a Snowflake Python "
        "model must return a Snowpark DataFrame or a pandas DataFrame"
    )


def _dbtpy_columns(session, relation):
    return [(row[0], row[1]) for row in _dbtpy_sql(session, f"describe table {relation}")]


def _dbtpy_varchar_size(data_type):
    t = data_type.upper().replace(" ", "")
    if t.startswith("VARCHAR(") and t.endswith(")"):
        return int(t[8:-1])
    return None


def _dbtpy_expand_column_types(session, target, staging):
    # dbt widens target VARCHARs that the new data would overflow before merging.
    target_types = dict(_dbtpy_columns(session, target))
    for name, data_type in _dbtpy_columns(session, staging):
        new_size = _dbtpy_varchar_size(data_type)
        old_size = _dbtpy_varchar_size(target_types.get(name, ""))
        if new_size and old_size and new_size > old_size:
            _dbtpy_sql(
                session,
                f"alter table {target} alter column {_dbtpy_quote(name)} set data type "
                f"varchar({new_size})",
            )


def _dbtpy_schema_changes(session, target, staging):
    # Returns the columns the strategy writes, as dbt's process_schema_changes does:
    # the target's columns for 'ignore', the staging (model output) columns otherwise.
    mode = _DBTPY["on_schema_change"]
    existing = _dbtpy_columns(session, target)
    if mode == "ignore":
        return [name for name, _ in existing]
    source = _dbtpy_columns(session, staging)
    target_types = dict(existing)
    source_types = dict(source)
    added = [(n, t) for n, t in source if n not in target_types]
    removed = [n for n, _ in existing if n not in source_types]
    changed = [
        (n, t, target_types[n])
        for n, t in source
        if n in target_types and t.upper() != target_types[n].upper()
    ]
    if added or removed or changed:
        if mode == "fail":
            raise RuntimeError(
                "The source and target schemas on this incremental model are out of sync! "
                f"Columns in the model's output but not in {target}: {[n for n, _ in added]}; "
                f"columns in {target} but not in the output: {removed}; changed types: "
                f"{[(n, old, new) for n, new, old in changed]}. Set on_schema_change to "
                "'append_new_columns' or 'sync_all_columns', or run with --full-refresh."
            )
        for name, data_type in added:
            _dbtpy_sql(session, f"alter table {target} add column {_dbtpy_quote(name)} {data_type}")
        if mode == "sync_all_columns":
            for name in removed:
                _dbtpy_sql(session, f"alter table {target} drop column {_dbtpy_quote(name)}")
            for name, new_type, _ in changed:
                tmp = _dbtpy_quote(name + "__dbt_alter")
                _dbtpy_sql(session, f"alter table {target} add column {tmp} {new_type}")
                _dbtpy_sql(session, f"update {target} set {tmp} = {_dbtpy_quote(name)}")
                _dbtpy_sql(session, f"alter table {target} drop column {_dbtpy_quote(name)}")
                _dbtpy_sql(
                    session, f"alter table {target} rename column {tmp} to {_dbtpy_quote(name)}"
                )
    return [name for name, _ in source]


def _dbtpy_update_columns(columns):
    if _DBTPY["merge_update_columns"]:
        return list(_DBTPY["merge_update_columns"])  # as written, like dbt
    excluded = {c.lower() for c in _DBTPY["merge_exclude_columns"]}
    return [_dbtpy_quote(c) for c in columns if c.lower() not in excluded]


def _dbtpy_strategy_statements(target, staging, columns):
    cols = [_dbtpy_quote(c) for c in columns]
    col_list = ", ".join(cols)
    strategy = _DBTPY["strategy"]
    keys = _DBTPY["unique_key"]
    predicates = [f"({p})" for p in _DBTPY["incremental_predicates"]]
    insert = f"insert into {target} ({col_list}) (select {col_list} from {staging})"
    if strategy == "append" or (strategy in ("merge", "delete+insert") and not keys):
        return [insert]
    if strategy == "merge":
        on = predicates + [f"(DBT_INTERNAL_SOURCE.{k} = DBT_INTERNAL_DEST.{k})" for k in keys]
        sql = (
            f"merge into {target} as DBT_INTERNAL_DEST using {staging} as DBT_INTERNAL_SOURCE "
            f"on {' and '.join(on)}"
        )
        updates = _dbtpy_update_columns(columns)
        if updates:
            sets = ", ".join(f"{c} = DBT_INTERNAL_SOURCE.{c}" for c in updates)
            sql += f" when matched then update set {sets}"
        values = ", ".join(f"DBT_INTERNAL_SOURCE.{c}" for c in cols)
        sql += f" when not matched then insert ({col_list}) values ({values})"
        return [sql]
    if strategy == "delete+insert":
        where = predicates + [f"(DBT_INTERNAL_SOURCE.{k} = DBT_INTERNAL_DEST.{k})" for k in keys]
        delete = (
            f"delete from {target} as DBT_INTERNAL_DEST using {staging} as DBT_INTERNAL_SOURCE "
            f"where {' and '.join(where)}"
        )
        return [delete, insert]
    if strategy == "insert_overwrite":
        return [f"insert overwrite into {target} ({col_list}) select {col_list} from {staging}"]
    raise ValueError(f"unknown incremental strategy {strategy!r}")


def _dbtpy_in_transaction(session, statements):
    _dbtpy_sql(session, "begin")
    try:
        for statement in statements:
            _dbtpy_sql(session, statement)
    except BaseException:
        _dbtpy_sql(session, "rollback")
        raise
    _dbtpy_sql(session, "commit")


def _dbtpy_drop_kind(table_type):
    return {
        "VIEW": "view",
        "MATERIALIZED VIEW": "materialized view",
        "EXTERNAL TABLE": "external table",
    }.get(table_type, "table")


def main(session, run_id, full_refresh):
    target = _DBTPY["target"]
    existing = _dbtpy_existing_type(session)
    is_incremental = (
        _DBTPY["materialized"] == "incremental"
        and existing == "BASE TABLE"
        and not full_refresh
    )
    if existing is None:
        # dbt creates schemas before building models; a first run may need it (and pandas
        # output is staged in it).
        _dbtpy_sql(session, f"create schema if not exists {_DBTPY['schema_name']}")
    dbt = dbtObj(session.table, is_incremental)
    df = _dbtpy_to_snowpark(session, model(dbt, session))
    result = {
        "run_id": run_id,
        "unique_id": _DBTPY["unique_id"],
        "relation": target,
        "materialized": _DBTPY["materialized"],
        "is_incremental": is_incremental,
    }
    if not is_incremental:
        if existing is not None and existing != "BASE TABLE":
            _dbtpy_sql(session, f"drop {_dbtpy_drop_kind(existing)} if exists {target}")
        df.write.mode("overwrite").save_as_table(target, table_type=_DBTPY["table_type"])
        return _dbtpy_json.dumps(result, sort_keys=True)
    staging = _DBTPY["staging"]
    df.write.mode("overwrite").save_as_table(staging, table_type="temporary")
    try:
        _dbtpy_expand_column_types(session, target, staging)
        columns = _dbtpy_schema_changes(session, target, staging)
        _dbtpy_in_transaction(session, _dbtpy_strategy_statements(target, staging, columns))
    finally:
        _dbtpy_sql(session, f"drop table if exists {staging}")
    result["strategy"] = _DBTPY["strategy"]
    return _dbtpy_json.dumps(result, sort_keys=True)
)PY";
  return s;
}

}  // namespace dbtpy::codegen::snowflake
