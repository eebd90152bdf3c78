-- A SQL model downstream of Python models: dbtpy orders churn_features after
-- customer_lifetime_value through this node too.
select
    clv.customer_id,
    clv.lifetime_value,
    clv.value_band
from {{ ref('customer_lifetime_value') }} as clv
