"""dbt.ref('in_docstring_prose')"""
# dbt.ref('comment')
a = "dbt.ref('string')"
b = f"dbt.ref('fstring_literal_part') {{dbt.ref('braces')}}"
c = b"dbt.ref('bytes')"
d = x.dbt.ref('attribute')
e = dbt_ref('underscore')
f = dbt.ref
g = dbt.config.get.attr('deeper')
h = """
dbt.source('in', 'triple')
"""
i = r'\\' + dbt.ref('after_raw')
j = '\\' + dbt.ref('after_escaped_backslash')
