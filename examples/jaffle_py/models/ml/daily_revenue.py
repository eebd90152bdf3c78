"""Revenue per calendar day in USD (payments are in the shop's currency)."""
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


def model(dbt, session):
    dbt.config(materialized="table", tags=["finance"])
    currency = dbt.config.get("shop_currency", "EUR")

    dates = lower_columns(to_pandas(dbt.ref("dim_dates", v=2)))
    orders = lower_columns(to_pandas(dbt.ref("order_payments")))
    rates = lower_columns(to_pandas(dbt.source("jaffle_raw", "exchange_rates")))

    rates = rates[rates["currency"] == currency][["rate_date", "usd_rate"]]
    orders["date_day"] = pd.to_datetime(orders["order_date"]).dt.date
    daily = orders.groupby("date_day", as_index=False)["amount"].sum()
    dates["date_day"] = pd.to_datetime(dates["date_day"]).dt.date
    rates["date_day"] = pd.to_datetime(rates["rate_date"]).dt.date

    result = dates.merge(daily, on="date_day", how="left").merge(
        rates[["date_day", "usd_rate"]], on="date_day", how="left"
    )
    result["amount"] = result["amount"].fillna(0.0)
    result["revenue_usd"] = result["amount"] * result["usd_rate"].fillna(1.0)
    return result[["date_day", "fiscal_quarter", "revenue_usd"]]
