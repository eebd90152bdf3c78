def model(dbt, session):
        df = dbt.ref("a")
    return df
