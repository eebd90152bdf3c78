"""Line endings.

- ref('doc_dep')
"""
import os
def model(dbt, session):
    a = dbt.ref('first')
    b = """multi
line""" + dbt.ref('after_triple')
    c = dbt.config.get('k', 'x\
y')
    return a
