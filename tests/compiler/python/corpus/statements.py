import functools; x = dbt.ref('semi1'); y = dbt.ref('semi2')
total = 1 + \
    dbt.ref('after_backslash')
@functools.wraps(dbt.ref('decorator'))
@dbt.config.meta_get('decorator_call', default=None)
def helper(a=dbt.ref('default'), *args, b: dbt.ref('annotation') = 2, **kw) -> dbt.ref('return_ann'):
    global total
    del a
    with open(dbt.ref('with')) as fh, (yield dbt.ref('yield')):
        pass
    try:
        raise ValueError(dbt.ref('raise'))
    except* (TypeError, KeyError) as eg:
        assert dbt.ref('assert'), dbt.ref('assert_msg')
    return [lambda q=dbt.ref('lambda_default'): dbt.ref('lambda_body')]
class K(dbt.ref('base'), metaclass=dbt.ref('meta_kw')):
    attr: int = dbt.ref('class_attr')
    def method(self):
        async def inner():
            return [x async for x in dbt.ref('async_comp')]
        return {dbt.ref('key'): dbt.ref('value'), **dbt.ref('spread')}
