type Alias[T] = list[dbt.ref('type_alias_value')]
def generic[T: dbt.ref('bound'), *Ts, **P](x: T = dbt.ref('default')) -> T:
    return x
class Box[T](dbt.ref('generic_base')):
    pass
