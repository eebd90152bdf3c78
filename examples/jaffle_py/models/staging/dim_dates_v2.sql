select distinct
    order_date as date_day,
    extract(quarter from order_date) as fiscal_quarter
from {{ ref('stg_orders') }}
