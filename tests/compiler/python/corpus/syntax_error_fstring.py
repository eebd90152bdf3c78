def model(dbt, session):
    df = dbt.ref("ok")
    msg = f"{df!x}"
    return df
