"""Features for the churn model: recency, frequency, value and web activity per customer,
merged incrementally on customer_id (configured in ml/_ml.yml)."""
import datetime as dt

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


def days_since(dates: pd.Series, today: dt.date) -> pd.Series:
    return (pd.Timestamp(today) - pd.to_datetime(dates)).dt.days


def model(dbt, session):
    threshold = dbt.config.get("churn_threshold_days", 90)
    today = dt.date.today()

    value = lower_columns(to_pandas(dbt.ref("customer_lifetime_value")))
    history = lower_columns(to_pandas(dbt.ref("customers_snapshot")))
    events = lower_columns(to_pandas(dbt.source("jaffle_raw", "web_events")))

    sessions = events.groupby("customer_id", as_index=False).agg(
        sessions=("session_id", "nunique"), last_seen=("event_time", "max")
    )
    name_changes = history.groupby("customer_id", as_index=False).size().rename(
        columns={"size": "profile_versions"}
    )

    features = value.merge(sessions, on="customer_id", how="left").merge(
        name_changes, on="customer_id", how="left"
    )
    features["days_since_seen"] = days_since(features["last_seen"], today)
    features["at_risk"] = features["days_since_seen"].map(lambda d: bool(d >= threshold))
    features["scored_at"] = pd.Timestamp.utcnow()
    return features.drop(columns=["last_seen"])
