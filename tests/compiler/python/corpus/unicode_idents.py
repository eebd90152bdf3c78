café = dbt.ref('café')
变量 = dbt.source('源', '表')
ｄｂｔ.ref('fullwidth_dbt')
dbt.ｒｅｆ('fullwidth_ref')
𝐝𝐛𝐭.config.get('math_bold')
Kx = 1
é = dbt.ref('combining')
λ = lambda α=dbt.ref('greek'): α
x = 'ééé' + dbt.ref('after_non_ascii_string')  # columns count code points
