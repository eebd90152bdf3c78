-- Superseded by v2 (adds the fiscal quarter); kept for downstream users that pin v1.
select distinct order_date as date_day from {{ ref('stg_orders') }}
