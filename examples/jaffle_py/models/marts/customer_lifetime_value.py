"""Lifetime value per customer, banded by the edges configured in the model's properties."""
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


def value_band(value: float, edges) -> str:
    low, high = edges
    if value >= high:
        return "high"
    if value >= low:
        return "medium"
    return "low"


def model(dbt, session):
    dbt.config(materialized="table")
    edges = dbt.config.get("value_band_edges", [100, 500])
    owner = dbt.config.meta_get("owner", "analytics")

    customers = lower_columns(to_pandas(dbt.ref("customer_orders")))
    orders = lower_columns(to_pandas(dbt.ref("order_payments")))

    spend = orders.groupby("customer_id", as_index=False)["amount"].sum()
    spend = spend.rename(columns={"amount": "lifetime_value"})
    result = customers[["customer_id", "number_of_orders"]].merge(spend, on="customer_id", how="left")
    result["lifetime_value"] = result["lifetime_value"].fillna(0.0)
    result["value_band"] = [value_band(v, edges) for v in result["lifetime_value"]]
    result["owner"] = owner
    return result
