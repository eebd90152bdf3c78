def model(dbt, session):
	if True:
		x = dbt.ref('tab2')
	else:
	        y = dbt.ref('tab_then_spaces')
	z = [1,
  		 2, dbt.ref('continuation')]
	return x
class A:
        def f(self):
                return dbt.source('eight', 'spaces')

q = dbt.ref('after_form_feed')
