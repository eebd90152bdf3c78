x = = 1
y = dbt.ref('unterminated)
