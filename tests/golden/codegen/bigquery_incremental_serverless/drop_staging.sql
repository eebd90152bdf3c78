-- dbtpy: drop this run's staging table of model.jaffle.orders (cleanup; no-op if absent)
EXECUTE IMMEDIATE CONCAT('DROP TABLE IF EXISTS ', '`acme-analytics.dbt_marts.', CONCAT('orders__dbt_tmp_', REPLACE(@run_id, '-', '_')), '`');
