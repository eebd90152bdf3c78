-- dbtpy: incremental merge for model.jaffle.orders into `acme-analytics.dbt_marts.orders`
-- Runs after the Dataproc job. The job wrote the model's output to this run's staging
-- table, or, when the target did not exist yet or on --full-refresh, to the target
-- itself; then there is no staging table and nothing to merge. The text is fixed:
-- @run_id is its only parameter; columns are read from INFORMATION_SCHEMA.
DECLARE staging_name STRING DEFAULT CONCAT('orders__dbt_tmp_', REPLACE(@run_id, '-', '_'));
DECLARE staging_exists BOOL DEFAULT (
  SELECT COUNT(*) > 0 FROM `acme-analytics`.`dbt_marts`.INFORMATION_SCHEMA.TABLES WHERE table_name = staging_name);
DECLARE source_columns ARRAY<STRUCT<name STRING, data_type STRING>>;
DECLARE target_columns ARRAY<STRUCT<name STRING, data_type STRING>>;
DECLARE dest_columns ARRAY<STRING>;
DECLARE update_columns ARRAY<STRING>;
DECLARE column_list STRING;
DECLARE source_list STRING;
DECLARE update_set STRING;

IF staging_exists THEN
  BEGIN
    SET source_columns = ARRAY(
      SELECT AS STRUCT column_name AS name, data_type FROM `acme-analytics`.`dbt_marts`.INFORMATION_SCHEMA.COLUMNS
      WHERE table_name = staging_name ORDER BY ordinal_position);
    SET target_columns = ARRAY(
      SELECT AS STRUCT column_name AS name, data_type FROM `acme-analytics`.`dbt_marts`.INFORMATION_SCHEMA.COLUMNS
      WHERE table_name = 'orders' ORDER BY ordinal_position);
    -- on_schema_change: sync_all_columns
    FOR col IN (SELECT s.name, s.data_type FROM UNNEST(source_columns) s WHERE LOWER(s.name) NOT IN (SELECT LOWER(t.name) FROM UNNEST(target_columns) t)) DO
      EXECUTE IMMEDIATE CONCAT('ALTER TABLE ', '`acme-analytics.dbt_marts.orders`', ' ADD COLUMN `', col.name, '` ', col.data_type);
    END FOR;
    FOR col IN (SELECT t.name FROM UNNEST(target_columns) t WHERE LOWER(t.name) NOT IN (SELECT LOWER(s.name) FROM UNNEST(source_columns) s)) DO
      EXECUTE IMMEDIATE CONCAT('ALTER TABLE ', '`acme-analytics.dbt_marts.orders`', ' DROP COLUMN `', col.name, '`');
    END FOR;
    FOR col IN (SELECT s.name, s.data_type FROM UNNEST(source_columns) s JOIN UNNEST(target_columns) t ON LOWER(s.name) = LOWER(t.name) WHERE s.data_type != t.data_type) DO
      EXECUTE IMMEDIATE CONCAT('ALTER TABLE ', '`acme-analytics.dbt_marts.orders`', ' ALTER COLUMN `', col.name, '` SET DATA TYPE ', col.data_type);
    END FOR;
    SET dest_columns = ARRAY(SELECT s.name FROM UNNEST(source_columns) s);
    SET update_columns = ARRAY(SELECT CONCAT('`', c, '`') FROM UNNEST(dest_columns) c WHERE LOWER(c) NOT IN UNNEST(['loaded_at']));
    SET column_list = (SELECT STRING_AGG(CONCAT('`', c, '`'), ', ' ORDER BY o) FROM UNNEST(dest_columns) c WITH OFFSET o);
    SET source_list = (SELECT STRING_AGG(CONCAT('DBT_INTERNAL_SOURCE.`', c, '`'), ', ' ORDER BY o) FROM UNNEST(dest_columns) c WITH OFFSET o);
    SET update_set = (SELECT STRING_AGG(CONCAT(c, ' = DBT_INTERNAL_SOURCE.', c), ', ' ORDER BY o) FROM UNNEST(update_columns) c WITH OFFSET o);
    EXECUTE IMMEDIATE CONCAT(
      'MERGE INTO `acme-analytics.dbt_marts.orders` AS DBT_INTERNAL_DEST USING ', '`acme-analytics.dbt_marts.', staging_name, '` AS DBT_INTERNAL_SOURCE',
      ' ON (DBT_INTERNAL_SOURCE.order_id = DBT_INTERNAL_DEST.order_id)',
      IF(update_set IS NULL, '', CONCAT(' WHEN MATCHED THEN UPDATE SET ', update_set)),
      ' WHEN NOT MATCHED THEN INSERT (', column_list, ') VALUES (', source_list, ')');
    EXECUTE IMMEDIATE CONCAT('DROP TABLE IF EXISTS ', '`acme-analytics.dbt_marts.', staging_name, '`');
  EXCEPTION WHEN ERROR THEN
    EXECUTE IMMEDIATE CONCAT('DROP TABLE IF EXISTS ', '`acme-analytics.dbt_marts.', staging_name, '`');
    RAISE USING MESSAGE = @@error.message;
  END;
ELSE
  SELECT 'no staging table for this run: the Dataproc job wrote the target directly' AS dbtpy_merge;
END IF;
