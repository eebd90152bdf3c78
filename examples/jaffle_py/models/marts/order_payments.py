"""Orders with what was paid for them, built incrementally: each run re-reads the last few days
(`lookback_days`) so late payments are merged into orders already in the table."""
import pandas as pd


def to_pandas(df):
    if hasattr(df, "to_pandas"):
        return df.to_pandas()
    if hasattr(df, "toPandas"):
        return df.toPandas()
    return df


def lower_columns(pdf):
    pdf.columns = [str(c).lower() for c in pdf.columns]
    return pdf


def read_existing(session, relation):
    """The rows this model wrote last time. Snowpark and Spark read catalog tables with
    session.table(); Spark on Dataproc reads BigQuery through its connector."""
    try:
        return session.table(relation)
    except Exception:
        return session.read.format("bigquery").load(relation)


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        unique_key="order_id",
        packages=["pandas"],
    )
    lookback_days = dbt.config.get("lookback_days", 3)

    orders = lower_columns(to_pandas(dbt.ref("stg_orders")))
    payments = lower_columns(to_pandas(dbt.ref("stg_payments")))
    orders["order_date"] = pd.to_datetime(orders["order_date"])

    if dbt.is_incremental:
        existing = lower_columns(to_pandas(read_existing(session, str(dbt.this))))
        if len(existing) > 0:
            cutoff = pd.to_datetime(existing["order_date"]).max() - pd.Timedelta(days=lookback_days)
            orders = orders[orders["order_date"] >= cutoff]

    paid = payments.groupby("order_id", as_index=False).agg(
        amount=("amount", "sum"), payment_count=("payment_id", "count")
    )
    result = orders.merge(paid, on="order_id", how="left").fillna({"amount": 0.0, "payment_count": 0})
    result["payment_count"] = result["payment_count"].astype("int64")
    return result
