"""Orders per customer: first and most recent order and how many orders were not returned."""
import pandas as pd


def to_pandas(df):
    """dbt.ref() gives a Snowpark or a PySpark DataFrame; both convert to pandas."""
    if hasattr(df, "to_pandas"):
        return df.to_pandas()  # Snowpark
    if hasattr(df, "toPandas"):
        return df.toPandas()  # PySpark (Databricks, Dataproc)
    return df


def lower_columns(pdf: pd.DataFrame) -> pd.DataFrame:
    # Snowflake returns upper-case column names; the logic below uses lower case everywhere.
    pdf.columns = [str(c).lower() for c in pdf.columns]
    return pdf


def summarize(orders: pd.DataFrame) -> pd.DataFrame:
    grouped = orders.groupby("customer_id")
    return pd.DataFrame(
        {
            "first_order": grouped["order_date"].min(),
            "most_recent_order": grouped["order_date"].max(),
            "number_of_orders": grouped["order_id"].count(),
        }
    ).reset_index()


def model(dbt, session):
    dbt.config(materialized="table", packages=["pandas"])

    customers = lower_columns(to_pandas(dbt.ref("stg_customers")))
    orders = lower_columns(to_pandas(dbt.ref("stg_orders")))

    kept = orders[orders["status"] != "returned"]
    result = customers.merge(summarize(kept), on="customer_id", how="left")
    result["number_of_orders"] = result["number_of_orders"].fillna(0).astype("int64")
    return result[
        ["customer_id", "first_name", "last_name", "first_order", "most_recent_order",
         "number_of_orders"]
    ]
