# PEP 701 (Python 3.12) f-strings: CPython 3.11 cannot parse this file.
a = f"{dbt.ref("same_quotes")}"
b = f"{f"{f"{dbt.ref("triple_nested")}"}"}"
c = f"{'\n'.join([dbt.ref('backslash_in_field')])}"
d = f"""{
    dbt.source("s", "t")  # comment inside a multi-line field
    }"""
e = f"{dbt.config.get("k", {"d": [1, 2]})!r:>{dbt.config.get("width", 10)}}"
f = f"{dbt.ref('debug') = }"
g = f"{{not a field}} {dbt.ref('after_braces')} }}"
h = f"\N{BULLET} {dbt.ref('after_named_escape')}"
i = rf"\N{dbt.ref('raw_field')}"
j = f"{x:{dbt.config.meta_get('spec')}}"
k = f"{dbt.ref('a') if True else dbt.ref('b')}"
l = f'{dbt.ref('single_quotes_reused')}'
m = f"{ {'key': dbt.ref('dict_in_field')}['key'] }"
n = f"{(lambda: dbt.ref('lambda_in_field'))()}"
o = f"{dbt.ref(f'not_a_literal')}"
