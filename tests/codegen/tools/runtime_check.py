#!/usr/bin/python3
"""Runs the generated platform drivers against recording fakes of Snowpark, PySpark,
dbutils and the BigQuery client, and checks what they would do on the platform: whether
dbt.is_incremental is decided from the target at run time, which table they write, the SQL
of each strategy and schema change, and that staging tables are dropped on every path.

Usage: runtime_check.py <dir>   where <dir>/<case>/model.py are generated golden cases.
Prints a JSON list of failures and exits 1 when there is any.
"""
import json
import os
import sys
import traceback
import types

FAILURES = []


def check(case, scenario, condition, message):
    if not condition:
        FAILURES.append(f"{case} [{scenario}]: {message}")


# ---------------------------------------------------------------------------------------
# Shared fakes
# ---------------------------------------------------------------------------------------
class FakeColumn:
    def __init__(self, name):
        self.name = name

    def __ge__(self, other):
        return ("ge", self.name, other)

    def __gt__(self, other):
        return ("gt", self.name, other)


class FakePandasFrame:
    pass


def install_fake_pandas():
    pandas = types.ModuleType("pandas")
    pandas.DataFrame = FakePandasFrame
    sys.modules["pandas"] = pandas


class Recorder:
    def __init__(self):
        self.events = []

    def add(self, *event):
        self.events.append(event)

    def sql(self):
        return [e[1] for e in self.events if e[0] == "sql"]


def load_module(path, name, globals_extra=None):
    with open(path, encoding="utf-8") as f:
        source = f.read()
    module = types.ModuleType(name)
    module.__file__ = path
    if globals_extra:
        module.__dict__.update(globals_extra)
    exec(compile(source, path, "exec"), module.__dict__)
    return module


# ---------------------------------------------------------------------------------------
# Snowflake
# ---------------------------------------------------------------------------------------
class SnowparkFrame:
    def __init__(self, session, name, columns=None):
        self.session = session
        self.name = name
        self.columns = columns or []

    def __getitem__(self, column):
        return FakeColumn(column)

    def filter(self, condition):
        self.session.rec.add("filter", self.name, condition)
        return self

    @property
    def write(self):
        frame = self

        class Writer:
            def mode(self, mode):
                frame.session.rec.add("mode", mode)
                return self

            def save_as_table(self, name, table_type=""):
                frame.session.rec.add("save_as_table", name, table_type)
                frame.session.tables[name] = frame.session.output_columns

        return Writer()


def install_fake_snowpark():
    snowflake = types.ModuleType("snowflake")
    snowpark = types.ModuleType("snowflake.snowpark")
    snowpark.DataFrame = SnowparkFrame
    snowflake.snowpark = snowpark
    sys.modules["snowflake"] = snowflake
    sys.modules["snowflake.snowpark"] = snowpark


class SnowflakeSession:
    def __init__(self, existing_type, target_columns, output_columns, fail_on=None):
        self.rec = Recorder()
        self.existing_type = existing_type
        self.output_columns = output_columns
        self.tables = {}
        self.target_columns = target_columns
        self.fail_on = fail_on

    def table(self, name):
        self.rec.add("table", name)
        return SnowparkFrame(self, name)

    def use_database(self, name):
        self.rec.add("use_database", name)

    def use_schema(self, name):
        self.rec.add("use_schema", name)

    def create_dataframe(self, df):
        self.rec.add("create_dataframe")
        return SnowparkFrame(self, "<pandas>")

    def sql(self, text):
        self.rec.add("sql", text)
        session = self

        class Result:
            def collect(self):
                if session.fail_on and session.fail_on in text:
                    raise RuntimeError("boom: " + session.fail_on)
                if "information_schema.tables" in text:
                    return [(session.existing_type,)] if session.existing_type else []
                if text.startswith("describe table"):
                    name = text[len("describe table "):]
                    cols = session.tables.get(name, session.target_columns)
                    return [(n, t, "COLUMN") for n, t in cols]
                return []

        return Result()


def snowflake_scenarios(case, path):
    install_fake_snowpark()
    install_fake_pandas()
    mod = load_module(path, "sf_" + case)
    settings = mod._DBTPY
    target, staging = settings["target"], settings["staging"]
    cols = [("ORDER_ID", "NUMBER(38,0)"), ("ORDER_DATE", "DATE"), ("STATUS", "VARCHAR(10)")]

    # First run: nothing exists -> the model writes the target itself.
    s = SnowflakeSession(None, [], cols)
    out = json.loads(mod.main(s, "run-1", False))
    check(case, "first run", out["is_incremental"] is False, "is_incremental must be False")
    check(case, "first run", ("save_as_table", target, settings["table_type"]) in s.rec.events,
          f"target not saved: {s.rec.events}")
    check(case, "first run", "create schema if not exists ANALYTICS.DBT_MARTS" in s.rec.sql(),
          s.rec.sql())
    check(case, "first run", not any(e[0] == "filter" for e in s.rec.events),
          "the model saw dbt.is_incremental=True")

    # An existing view is dropped before the table replaces it.
    s = SnowflakeSession("VIEW", [], cols)
    mod.main(s, "run-1", False)
    check(case, "view", f"drop view if exists {target}" in s.rec.sql(), s.rec.sql())

    if settings["materialized"] != "incremental":
        # A table model never merges, even when the table exists.
        s = SnowflakeSession("BASE TABLE", cols, cols)
        out = json.loads(mod.main(s, "run-1", False))
        check(case, "table exists", out["is_incremental"] is False, "table models are not incremental")
        return

    # Full refresh: rebuilds the target.
    s = SnowflakeSession("BASE TABLE", cols, cols)
    out = json.loads(mod.main(s, "run-1", True))
    check(case, "full refresh", out["is_incremental"] is False and
          ("save_as_table", target, settings["table_type"]) in s.rec.events, s.rec.events)

    # Incremental run with one new column in the output.
    new_cols = cols + [("DISCOUNT", "FLOAT")]
    s = SnowflakeSession("BASE TABLE", cols, new_cols)
    out = json.loads(mod.main(s, "run-1", False))
    sql = s.rec.sql()
    check(case, "incremental", out["is_incremental"] is True, "is_incremental must be True")
    check(case, "incremental", any(e[0] == "filter" for e in s.rec.events),
          "the model did not see dbt.is_incremental")
    check(case, "incremental", ("save_as_table", staging, "temporary") in s.rec.events,
          "staging not written as a temporary table")
    check(case, "incremental", sql[-1] == f"drop table if exists {staging}", "staging not dropped last")
    check(case, "incremental", "begin" in sql and "commit" in sql, "no transaction")
    strategy = settings["strategy"]
    osc = settings["on_schema_change"]
    if osc in ("append_new_columns", "sync_all_columns"):
        check(case, "incremental", f'alter table {target} add column "DISCOUNT" FLOAT' in sql,
              f"new column not added: {sql}")
    body = [q for q in sql if q.startswith(("merge", "insert", "delete"))]
    if strategy == "merge":
        check(case, "incremental", len(body) == 1 and body[0].startswith(
            f"merge into {target} as DBT_INTERNAL_DEST using {staging} as DBT_INTERNAL_SOURCE on "
            "(DBT_INTERNAL_SOURCE.ORDER_ID = DBT_INTERNAL_DEST.ORDER_ID)"), body)
        check(case, "incremental", '"DISCOUNT" = DBT_INTERNAL_SOURCE."DISCOUNT"' in body[0], body)
    if strategy == "delete+insert":
        check(case, "incremental", len(body) == 2 and body[0].startswith(
            f"delete from {target} as DBT_INTERNAL_DEST using {staging} as DBT_INTERNAL_SOURCE "
            "where (DBT_INTERNAL_DEST.ORDER_DATE >= dateadd(day, -7, current_date)) and "
            "(DBT_INTERNAL_SOURCE.ORDER_ID = DBT_INTERNAL_DEST.ORDER_ID) and "
            "(DBT_INTERNAL_SOURCE.ORDER_DATE = DBT_INTERNAL_DEST.ORDER_DATE)"), body)
        check(case, "incremental", body[1] == (
            f'insert into {target} ("ORDER_ID", "ORDER_DATE", "STATUS", "DISCOUNT") '
            f'(select "ORDER_ID", "ORDER_DATE", "STATUS", "DISCOUNT" from {staging})'), body)

    # A failing strategy statement rolls back and still drops the staging table.
    s = SnowflakeSession("BASE TABLE", cols, cols, fail_on=body[0][:10])
    try:
        mod.main(s, "run-1", False)
        check(case, "failure", False, "the error was swallowed")
    except RuntimeError:
        sql = s.rec.sql()
        check(case, "failure", "rollback" in sql and sql[-1] == f"drop table if exists {staging}", sql)

    # Wrong return type: a clear TypeError naming the type.
    orig = mod.model
    mod.model = lambda dbt, session: [1, 2]
    try:
        mod.main(SnowflakeSession(None, [], cols), "run-1", False)
        check(case, "bad return", False, "no error for a list")
    except TypeError as e:
        check(case, "bad return", "builtins.list" in str(e), str(e))
    mod.model = orig

    # A ref not seen at compile time says so.
    try:
        mod.dbtObj(lambda n: n).ref("nope")
        check(case, "unknown ref", False, "no error")
    except mod.DbtpyRefError as e:
        check(case, "unknown ref", "dbt.ref('nope') was not found" in str(e) and
              "stg_orders" in str(e), str(e))
    dbt = mod.dbtObj(lambda n: n)
    check(case, "context", dbt.ref("jaffle", "customers", version=2) ==
          "ANALYTICS.DBT_MARTS.CUSTOMERS_V2", "versioned package ref")
    check(case, "context", dbt.source("raw", "events") == "RAW.PUBLIC.EVENTS", "source")
    check(case, "context", dbt.config.get("ltv_threshold", 100) == 250, "config.get resolved value")
    check(case, "context", dbt.config.get("unknown", "dflt") == "dflt", "config.get default")
    check(case, "context", dbt.config.meta_get("owner") == "finance", "meta_get")
    check(case, "context", repr(dbt.this) == target and f"{dbt.this}" == target, "this repr")


# ---------------------------------------------------------------------------------------
# Spark (Databricks and Dataproc)
# ---------------------------------------------------------------------------------------
class SparkType:
    def __init__(self, name):
        self.name = name

    def simpleString(self):
        return self.name


class SparkField:
    def __init__(self, name, type_name):
        self.name = name
        self.dataType = SparkType(type_name)


class SparkFrame:
    def __init__(self, spark, name, columns):
        self.spark = spark
        self.name = name
        self.schema = types.SimpleNamespace(fields=[SparkField(n, t) for n, t in columns])

    def __getitem__(self, column):
        return FakeColumn(column)

    def filter(self, condition):
        self.spark.rec.add("filter", self.name, condition)
        return self

    @property
    def write(self):
        return SparkWriter(self)


class SparkWriter:
    def __init__(self, frame):
        self.frame = frame
        self.calls = []

    def __getattr__(self, name):
        def call(*args):
            self.calls.append((name,) + args)
            return self

        return call

    def saveAsTable(self, name):
        self.frame.spark.rec.add("saveAsTable", name, tuple(self.calls))
        self.frame.spark.tables[name] = self.frame.spark.output_columns

    def save(self, name):
        self.frame.spark.rec.add("save", name, tuple(self.calls))


class FakeSpark:
    def __init__(self, existing_type, target_columns, output_columns, fail_on=None):
        self.rec = Recorder()
        self.existing_type = existing_type
        self.target_columns = target_columns
        self.output_columns = output_columns
        self.tables = {}
        self.fail_on = fail_on
        spark = self

        class Catalog:
            def tableExists(self, name):
                return spark.existing_type is not None

            def getTable(self, name):
                return types.SimpleNamespace(tableType=spark.existing_type)

        class Conf:
            def set(self, key, value):
                spark.rec.add("conf", key, value)

        self.catalog = Catalog()
        self.conf = Conf()

    def table(self, name):
        self.rec.add("table", name)
        return SparkFrame(self, name, self.tables.get(name, self.target_columns))

    def sql(self, text):
        self.rec.add("sql", text)
        if self.fail_on and self.fail_on in text:
            raise RuntimeError("boom")

    def createDataFrame(self, df):
        return SparkFrame(self, "<pandas>", self.output_columns)

    @property
    def read(self):
        spark = self

        class Reader:
            def format(self, fmt):
                return self

            def option(self, *a):
                return self

            def load(self, name=None):
                spark.rec.add("read", name)
                return SparkFrame(spark, name, spark.output_columns)

        return Reader()


def install_fake_pyspark(spark_for_builder=None):
    pyspark = types.ModuleType("pyspark")
    sql = types.ModuleType("pyspark.sql")
    sql.DataFrame = SparkFrame

    class Builder:
        def appName(self, name):
            return self

        def getOrCreate(self):
            return spark_for_builder

    class SparkSession:
        builder = Builder()

    sql.SparkSession = SparkSession
    pyspark.sql = sql
    sys.modules["pyspark"] = pyspark
    sys.modules["pyspark.sql"] = sql


class Widgets:
    def __init__(self, values):
        self.values = values

    def get(self, key):
        return self.values[key]

    def text(self, key, default):
        self.values.setdefault(key, default)


def databricks_run(path, case, spark, params=None, widgets=None, expect_error=False):
    install_fake_pyspark()
    install_fake_pandas()
    dbutils = types.SimpleNamespace(widgets=Widgets(widgets or {}))
    extra = {"spark": spark, "dbutils": dbutils}
    if params is not None:
        extra["dbtpy_params"] = params
    try:
        load_module(path, "db_" + case, extra)
    except Exception:
        if expect_error:
            return sys.exc_info()[1]
        raise
    if expect_error:
        check(case, "error", False, "expected an error")
    return None


def databricks_scenarios(case, path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    settings_mod = {}
    cols = [("order_id", "bigint"), ("order_date", "date"), ("status", "string")]
    target = "`main`.`dbt_marts`.`orders`"
    staging = "`main`.`dbt_marts`.`orders__dbt_tmp_run_1`"
    incremental = '"materialized": "incremental"' in text

    # First run through widgets (notebook): writes the target with the configured layout.
    spark = FakeSpark(None, [], cols)
    databricks_run(path, case, spark, widgets={"run_id": "run-1", "full_refresh": "false"})
    saves = [e for e in spark.rec.events if e[0] == "saveAsTable"]
    check(case, "first run", len(saves) == 1 and saves[0][1] == target, spark.rec.events)
    check(case, "first run", spark.rec.sql()[0] == "create schema if not exists "
          "`main`.`dbt_marts`", spark.rec.sql())
    calls = saves[0][2] if saves else ()
    check(case, "first run", ("mode", "overwrite") in calls and
          ("option", "overwriteSchema", "true") in calls, calls)
    if "s3://acme-lake/marts" in text:
        check(case, "layout", ("option", "path", "s3://acme-lake/marts/orders") in calls and
              ("partitionBy", "order_date") in calls and ("format", "delta") in calls, calls)
        check(case, "layout", any("set tblproperties ('delta.autoOptimize.optimizeWrite' = 'true')"
                                  in q for q in spark.rec.sql()), spark.rec.sql())
    if not incremental:
        return

    # Incremental run through the Command API parameters command.
    new_cols = cols + [("discount", "double")]
    spark = FakeSpark("MANAGED", cols, new_cols)
    fails = '"on_schema_change": "fail"' in text
    err = databricks_run(path, case, spark, params={"run_id": "run-1", "full_refresh": "false"},
                         expect_error=fails)
    if fails:
        check(case, "fail", isinstance(err, RuntimeError) and "out of sync" in str(err), str(err))
    sql = spark.rec.sql()
    saves = [e for e in spark.rec.events if e[0] == "saveAsTable"]
    check(case, "incremental", len(saves) == 1 and saves[0][1] == staging, saves)
    check(case, "incremental", sql[-1] == f"drop table if exists {staging}" or
          sql[-2] == f"drop table if exists {staging}", sql)
    check(case, "incremental", any(e[0] == "filter" for e in spark.rec.events),
          "the model did not see dbt.is_incremental")
    if "merge_update_columns\": [\"status\", \"amount\"]" in text:
        merge = [q for q in sql if q.startswith("merge")]
        check(case, "merge", merge == [
            f"merge into {target} AS DBT_INTERNAL_DEST using {staging} AS DBT_INTERNAL_SOURCE on "
            "DBT_INTERNAL_SOURCE.`order_id` <=> DBT_INTERNAL_DEST.`order_id` when matched then "
            "update set `status` = DBT_INTERNAL_SOURCE.`status`, `amount` = "
            "DBT_INTERNAL_SOURCE.`amount` when not matched then insert (`order_id`, `order_date`, "
            "`status`) values (DBT_INTERNAL_SOURCE.`order_id`, DBT_INTERNAL_SOURCE.`order_date`, "
            "DBT_INTERNAL_SOURCE.`status`)"], merge)
    if '"strategy": "insert_overwrite"' in text:
        confs = [e for e in spark.rec.events if e[0] == "conf"]
        check(case, "insert_overwrite", confs == [
            ("conf", "spark.sql.sources.partitionOverwriteMode", "dynamic"),
            ("conf", "spark.sql.sources.partitionOverwriteMode", "static")], confs)
        check(case, "insert_overwrite", f"insert overwrite table {target} select "
              "DBT_INTERNAL_SOURCE.`order_id`, DBT_INTERNAL_SOURCE.`order_date`, "
              f"DBT_INTERNAL_SOURCE.`status` from {staging} AS DBT_INTERNAL_SOURCE" in sql, sql)
    if fails:
        # A new column fails the run before any write; the staging table is still dropped.
        check(case, "fail", not any(q.startswith(("insert", "merge", "delete")) for q in sql), sql)
    if '"strategy": "replace_where"' in text:
        spark = FakeSpark("MANAGED", cols, cols)
        databricks_run(path, case, spark, params={"run_id": "run-1", "full_refresh": "false"})
        check(case, "replace_where", f"insert into {target} replace where (order_date >= "
              "current_date() - INTERVAL 3 DAYS) select DBT_INTERNAL_SOURCE.`order_id`, "
              "DBT_INTERNAL_SOURCE.`order_date`, DBT_INTERNAL_SOURCE.`status` from "
              f"{staging} AS DBT_INTERNAL_SOURCE" in spark.rec.sql(), spark.rec.sql())
    if '"strategy": "append"' in text:
        check(case, "append", f"alter table {target} add columns (`discount` double)" in sql, sql)
        check(case, "append", f"insert into {target} (`order_id`, `order_date`, `status`, "
              f"`discount`) select `order_id`, `order_date`, `status`, `discount` from {staging}"
              in sql, sql)

    # Full refresh rewrites the target even though it exists.
    spark = FakeSpark("MANAGED", cols, cols)
    databricks_run(path, case, spark, params={"run_id": "run-1", "full_refresh": "true"})
    saves = [e for e in spark.rec.events if e[0] == "saveAsTable"]
    check(case, "full refresh", len(saves) == 1 and saves[0][1] == target, saves)

    # Failure inside the strategy: the staging table is dropped anyway.
    spark = FakeSpark("MANAGED", cols, cols, fail_on=f"{target}")
    err = databricks_run(path, case, spark, params={"run_id": "run-1", "full_refresh": "false"},
                         expect_error=True)
    check(case, "failure", err is not None and
          spark.rec.sql()[-1] == f"drop table if exists {staging}", spark.rec.sql())


class NotFound(Exception):
    pass


def install_fake_bigquery(table_type, rec):
    google = types.ModuleType("google")
    cloud = types.ModuleType("google.cloud")
    bigquery = types.ModuleType("google.cloud.bigquery")
    api_core = types.ModuleType("google.api_core")
    exceptions = types.ModuleType("google.api_core.exceptions")
    exceptions.NotFound = NotFound

    class Client:
        def __init__(self, project=None):
            rec.add("client", project)

        def get_table(self, name):
            rec.add("get_table", name)
            if table_type is None:
                raise NotFound(name)
            return types.SimpleNamespace(table_type=table_type)

        def delete_table(self, name):
            rec.add("delete_table", name)

        def create_dataset(self, dataset, exists_ok=False):
            rec.add("create_dataset", dataset.dataset_id, dataset.location, exists_ok)

    class Dataset:
        def __init__(self, dataset_id):
            self.dataset_id = dataset_id
            self.location = None

    bigquery.Dataset = Dataset

    bigquery.Client = Client
    cloud.bigquery = bigquery
    google.cloud = cloud
    api_core.exceptions = exceptions
    google.api_core = api_core
    for name, m in (("google", google), ("google.cloud", cloud),
                    ("google.cloud.bigquery", bigquery), ("google.api_core", api_core),
                    ("google.api_core.exceptions", exceptions)):
        sys.modules[name] = m


def dataproc_run(path, case, existing, full_refresh="false"):
    cols = [("order_id", "bigint"), ("order_date", "date")]
    spark = FakeSpark(existing, cols, cols)
    install_fake_pyspark(spark)
    install_fake_pandas()
    install_fake_bigquery(existing, spark.rec)
    argv = sys.argv
    sys.argv = ["main.py", "--run-id=0f4e2b6a-8f7e-4c1b", f"--full-refresh={full_refresh}"]
    try:
        load_module(path, "dp_" + case)
    finally:
        sys.argv = argv
    return spark


def dataproc_scenarios(case, path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    target = "acme-analytics.dbt_marts.orders"
    staging = "acme-analytics.dbt_marts.orders__dbt_tmp_0f4e2b6a_8f7e_4c1b"
    spark = dataproc_run(path, case, None)
    saves = [e for e in spark.rec.events if e[0] == "save"]
    check(case, "first run", len(saves) == 1 and saves[0][1] == target, spark.rec.events)
    calls = saves[0][2] if saves else ()
    check(case, "first run", ("format", "bigquery") in calls and
          ("option", "writeDisposition", "WRITE_TRUNCATE") in calls and
          ("option", "temporaryGcsBucket", "acme-dbt-python") in calls, calls)
    confs = [e for e in spark.rec.events if e[0] == "conf"]
    check(case, "conf", ("conf", "viewsEnabled", "true") in confs, confs)
    check(case, "first run", ("create_dataset", "acme-analytics.dbt_marts", "US", True)
          in spark.rec.events, spark.rec.events)
    if "partitionType" in text:
        check(case, "layout", ("option", "partitionField", "order_date") in calls and
              ("option", "partitionType", "MONTH") in calls and
              ("option", "clusteredFields", "customer_id") in calls, calls)
        check(case, "layout", ("conf", "enableListInference", "false") in confs, confs)
    spark = dataproc_run(path, case, "VIEW")
    check(case, "view", ("delete_table", target) in spark.rec.events, spark.rec.events)
    if '"materialized": "incremental"' not in text:
        return
    spark = dataproc_run(path, case, "TABLE")
    saves = [e for e in spark.rec.events if e[0] == "save"]
    check(case, "incremental", len(saves) == 1 and saves[0][1] == staging, saves)
    check(case, "incremental", not any(c[0] == "option" and c[1] == "partitionField"
                                       for c in saves[0][2]), "layout options on staging")
    spark = dataproc_run(path, case, "TABLE", full_refresh="true")
    saves = [e for e in spark.rec.events if e[0] == "save"]
    check(case, "full refresh", len(saves) == 1 and saves[0][1] == target, saves)


def main(root):
    import contextlib
    import io

    driver_output = io.StringIO()
    for case in sorted(os.listdir(root)):
        path = os.path.join(root, case, "model.py")
        try:
            with contextlib.redirect_stdout(driver_output):
                if case.startswith("snowflake"):
                    snowflake_scenarios(case, path)
                elif case.startswith("databricks"):
                    databricks_scenarios(case, path)
                elif case.startswith("bigquery"):
                    dataproc_scenarios(case, path)
        except Exception:
            FAILURES.append(f"{case}: unexpected exception\n{traceback.format_exc()}")
    print(json.dumps(FAILURES, indent=1))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
