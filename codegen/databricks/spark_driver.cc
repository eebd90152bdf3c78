#include "codegen/databricks/spark_driver.h"

#include "codegen/common/python_literal.h"
#include "codegen/common/spark_common.h"

namespace dbtpy::codegen::databricks {

std::string spark_driver_python(const Json& settings) {
  std::string s;
  s += "\n\n# " + std::string(75, '-') + "\n";
  s += "# dbtpy driver: Databricks (notebook run or Command API)\n";
  s += "# " + std::string(75, '-') + "\n";
  s += "import json as _dbtpy_json\n\n";
  s += "_DBTPY = " + py_literal_block(settings) + "\n";
  s += spark_dataframe_python("Databricks");
  s += R"PY(

def _dbtpy_params():
    params = globals().get("dbtpy_params")
    if params is None:
        params = {
            "run_id": dbutils.widgets.get("run_id"),
            "full_refresh": dbutils.widgets.get("full_refresh"),
        }
    return str(params["run_id"]), str(params["full_refresh"]).lower() == "true"


def _dbtpy_quote(name):
    return "`" + name.replace("`", "``") + "`"


def _dbtpy_string(value):
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _dbtpy_existing_type(target):
    if not spark.catalog.tableExists(target):
        return None
    return spark.catalog.getTable(target).tableType


def _dbtpy_is_table(table_type):
    return table_type in ("MANAGED", "EXTERNAL")


def _dbtpy_write_target(df, target):
    writer = df.write.mode("overwrite").option("overwriteSchema", "true").format(_DBTPY["format"])
    if _DBTPY["location"]:
        writer = writer.option("path", _DBTPY["location"])
    if _DBTPY["partition_by"]:
        writer = writer.partitionBy(*_DBTPY["partition_by"])
    if _DBTPY["liquid_clustered_by"]:
        writer = writer.clusterBy(*_DBTPY["liquid_clustered_by"])
    if _DBTPY["clustered_by"] and _DBTPY["buckets"]:
        writer = writer.bucketBy(_DBTPY["buckets"], *_DBTPY["clustered_by"])
    writer.saveAsTable(target)


def _dbtpy_apply_tblproperties(target):
    props = _DBTPY["tblproperties"]
    if props:
        pairs = ", ".join(f"{_dbtpy_string(k)} = {_dbtpy_string(v)}" for k, v in props.items())
        spark.sql(f"alter table {target} set tblproperties ({pairs})")


def _dbtpy_columns(relation):
    return [(f.name, f.dataType.simpleString()) for f in spark.table(relation).schema.fields]


def _dbtpy_schema_changes(target, staging):
    # Returns the columns the strategy writes, as dbt's process_schema_changes does: the
    # target's columns for 'ignore', the staging (model output) columns otherwise.
    mode = _DBTPY["on_schema_change"]
    existing = _dbtpy_columns(target)
    if mode == "ignore":
        return [name for name, _ in existing]
    source = _dbtpy_columns(staging)
    target_types = {n.lower(): t for n, t in existing}
    source_types = {n.lower(): t for n, t in source}
    added = [(n, t) for n, t in source if n.lower() not in target_types]
    removed = [n for n, _ in existing if n.lower() not in source_types]
    changed = [
        (n, t, target_types[n.lower()])
        for n, t in source
        if n.lower() in target_types and t != target_types[n.lower()]
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
        if added:
            cols = ", ".join(f"{_dbtpy_quote(n)} {t}" for n, t in added)
            spark.sql(f"alter table {target} add columns ({cols})")
        if mode == "sync_all_columns":
            if removed:
                cols = ", ".join(_dbtpy_quote(n) for n in removed)
                spark.sql(f"alter table {target} drop columns ({cols})")
            for name, new_type, _ in changed:
                spark.sql(f"alter table {target} alter column {_dbtpy_quote(name)} type {new_type}")
    return [name for name, _ in source]


def _dbtpy_ordered_select(target, columns):
    # Positional inserts (INSERT OVERWRITE, REPLACE WHERE) need the target's column order.
    wanted = {c.lower() for c in columns}
    return ", ".join(
        f"DBT_INTERNAL_SOURCE.{_dbtpy_quote(n)}" if n.lower() in wanted else "NULL"
        for n, _ in _dbtpy_columns(target)
    )


def _dbtpy_strategy_statements(target, staging, columns):
    quoted = [_dbtpy_quote(c) for c in columns]
    col_list = ", ".join(quoted)
    strategy = _DBTPY["strategy"]
    keys = [_dbtpy_quote(k) for k in _DBTPY["unique_key"]]
    predicates = [f"({p})" for p in _DBTPY["incremental_predicates"]]
    source = f"{staging} AS DBT_INTERNAL_SOURCE"
    if strategy == "append":
        return [f"insert into {target} ({col_list}) select {col_list} from {staging}"]
    if strategy == "merge":
        on = predicates + [f"DBT_INTERNAL_SOURCE.{k} <=> DBT_INTERNAL_DEST.{k}" for k in keys]
        explicit = (
            _DBTPY["on_schema_change"] != "ignore"
            or _DBTPY["merge_update_columns"]
            or _DBTPY["merge_exclude_columns"]
        )
        if _DBTPY["merge_update_columns"]:
            updates = [_dbtpy_quote(c) for c in _DBTPY["merge_update_columns"]]
        else:
            excluded = {c.lower() for c in _DBTPY["merge_exclude_columns"]}
            updates = [_dbtpy_quote(c) for c in columns if c.lower() not in excluded]
        sql = (
            f"merge into {target} AS DBT_INTERNAL_DEST using {source} "
            f"on {' and '.join(on) if on else 'FALSE'}"
        )
        if not explicit:
            sql += " when matched then update set * when not matched then insert *"
            return [sql]
        if updates:
            sets = ", ".join(f"{c} = DBT_INTERNAL_SOURCE.{c}" for c in updates)
            sql += f" when matched then update set {sets}"
        values = ", ".join(f"DBT_INTERNAL_SOURCE.{c}" for c in quoted)
        sql += f" when not matched then insert ({col_list}) values ({values})"
        return [sql]
    if strategy == "insert_overwrite":
        return [
            f"insert overwrite table {target} select {_dbtpy_ordered_select(target, columns)} "
            f"from {source}"
        ]
    if strategy == "replace_where":
        return [
            f"insert into {target} replace where {' and '.join(predicates)} "
            f"select {_dbtpy_ordered_select(target, columns)} from {source}"
        ]
    if strategy == "delete+insert":
        match = " and ".join(f"DBT_INTERNAL_SOURCE.{k} <=> DBT_INTERNAL_DEST.{k}" for k in keys)
        where = [f"exists (select 1 from {source} where {match})"] + predicates
        return [
            f"delete from {target} AS DBT_INTERNAL_DEST where {' and '.join(where)}",
            f"insert into {target} ({col_list}) select {col_list} from {staging}",
        ]
    raise ValueError(f"unknown incremental strategy {strategy!r}")


def _dbtpy_main():
    run_id, full_refresh = _dbtpy_params()
    target = _DBTPY["target"]
    existing = _dbtpy_existing_type(target)
    is_incremental = (
        _DBTPY["materialized"] == "incremental"
        and _dbtpy_is_table(existing)
        and not full_refresh
    )
    dbt = dbtObj(spark.table, is_incremental)
    df = _dbtpy_to_spark(spark, model(dbt, spark))
    result = {
        "run_id": run_id,
        "unique_id": _DBTPY["unique_id"],
        "relation": target,
        "materialized": _DBTPY["materialized"],
        "is_incremental": is_incremental,
    }
    if not is_incremental:
        if existing is None:
            # dbt creates the schema before building models; a first run may need it.
            spark.sql(f"create schema if not exists {_DBTPY['schema_prefix']}")
        elif not _dbtpy_is_table(existing):
            kind = "materialized view" if existing == "MATERIALIZED_VIEW" else "view"
            spark.sql(f"drop {kind} if exists {target}")
        _dbtpy_write_target(df, target)
        _dbtpy_apply_tblproperties(target)
        return result
    staging_name = _DBTPY["identifier"] + "__dbt_tmp_" + run_id.replace("-", "_")
    staging = _DBTPY["schema_prefix"] + "." + _dbtpy_quote(staging_name)
    dynamic = _DBTPY["strategy"] == "insert_overwrite" and bool(_DBTPY["partition_by"])
    df.write.mode("overwrite").format("delta").saveAsTable(staging)
    try:
        columns = _dbtpy_schema_changes(target, staging)
        if dynamic:
            spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
        for statement in _dbtpy_strategy_statements(target, staging, columns):
            spark.sql(statement)
    finally:
        if dynamic:
            spark.conf.set("spark.sql.sources.partitionOverwriteMode", "static")
        spark.sql(f"drop table if exists {staging}")
    _dbtpy_apply_tblproperties(target)
    result["strategy"] = _DBTPY["strategy"]
    return result


print("dbtpy:", _dbtpy_json.dumps(_dbtpy_main(), sort_keys=True))
)PY";
  return s;
}

}  // namespace dbtpy::codegen::databricks
