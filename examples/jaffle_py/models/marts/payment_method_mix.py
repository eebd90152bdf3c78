"""Share of each customer's spend by payment method.

Dependencies (declared here for dbt's graph as well as called below):
- ref('stg_payments')
- ref('stg_orders')
"""
import numpy as np
import pandas as pd

METHODS = ("credit_card", "bank_transfer", "coupon", "gift_card")


def to_pandas(df):
    if hasattr(df, "to_pandas"):
        return df.to_pandas()
    if hasattr(df, "toPandas"):
        return df.toPandas()
    return df


def lower_columns(pdf):
    pdf.columns = [str(c).lower() for c in pdf.columns]
    return pdf


def model(dbt, session):
    dbt.config(materialized="table", packages=["pandas", "numpy"])

    payments = lower_columns(to_pandas(dbt.ref("stg_payments")))
    orders = lower_columns(to_pandas(dbt.ref("stg_orders")))[["order_id", "customer_id"]]
    joined = payments.merge(orders, on="order_id", how="inner")

    mix = joined.pivot_table(
        index="customer_id", columns="payment_method", values="amount", aggfunc="sum", fill_value=0.0
    )
    for method in METHODS:
        if method not in mix.columns:
            mix[method] = 0.0
    totals = mix[list(METHODS)].sum(axis=1).replace(0, np.nan)
    shares = mix[list(METHODS)].div(totals, axis=0).fillna(0.0)
    shares.columns = [f"{m}_share" for m in METHODS]
    return shares.reset_index()
