match = dbt.ref('match_as_name')
case = [match]
type = dbt.config.get('type_as_name')
_ = dbt.ref('underscore')
match match:
    case [dbt_x] if dbt.ref('guard'):
        pass
    case {"k": 1, **rest}:
        dbt.ref('in_case_body')
    case Point(x=0) | None:
        pass
    case _:
        pass
match(dbt.ref('match_call'))
print(match, case, type)
