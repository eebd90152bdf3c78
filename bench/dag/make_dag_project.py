#!/usr/bin/python3
"""Writes a synthetic dbt project of Python models for dbtpy's run benchmarks and e2e tests.

Usage: make_dag_project.py OUT_DIR --models N --depth D [--seed S]
                           [--min-duration 0.5] [--max-duration 3.0] [--independent]

N models in D layers (layer 0 has no parents; a model of layer k > 0 refs 1 to 3 models of
layer k-1), named m_0000..; each gets a duration drawn uniformly from [min, max] seconds.
Writes OUT_DIR/dbt_project.yml (project and profile `jaffle_py`, so the example's
profiles.yml and the sandbox's sandbox.env apply), OUT_DIR/profiles.yml (a copy of the
example's), OUT_DIR/models/m_*.py, OUT_DIR/sandbox_rules.yml (one sandbox rule per model with
its duration) and OUT_DIR/dag.json (parents, durations and the ideal critical path: the
longest chain of durations, what an infinitely parallel runner with instant detection takes).
"""
import argparse
import json
import os
import random
import shutil

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--models", type=int, required=True)
p.add_argument("--depth", type=int, required=True)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--min-duration", type=float, default=0.5)
p.add_argument("--max-duration", type=float, default=3.0)
p.add_argument("--independent", action="store_true", help="no refs between models")
p.add_argument("--project-config", default="",
               help="YAML lines under `models: jaffle_py:` (e.g. '+create_notebook: true')")
a = p.parse_args()

rng = random.Random(a.seed)
os.makedirs(os.path.join(a.out, "models"), exist_ok=True)
layers = [[] for _ in range(a.depth)]
names = []
for i in range(a.models):
    name = f"m_{i:04d}"
    names.append(name)
    layers[i * a.depth // a.models].append(name)
layer_of = {n: k for k, layer in enumerate(layers) for n in layer}
parents = {}
durations = {}
for n in names:
    k = layer_of[n]
    if k == 0 or a.independent:
        parents[n] = []
    else:
        prev = layers[k - 1]
        parents[n] = sorted(rng.sample(prev, min(len(prev), rng.randint(1, 3))))
    durations[n] = round(rng.uniform(a.min_duration, a.max_duration), 3)

finish = {}
for n in names:  # layers are in order, so parents come first
    finish[n] = durations[n] + max((finish[q] for q in parents[n]), default=0.0)
critical = max(finish.values())

for n in names:
    refs = "".join(f'    {q} = dbt.ref("{q}")\n' for q in parents[n])
    body = parents[n][0] if parents[n] else 'session.sql("select 1 as id")'
    with open(os.path.join(a.out, "models", n + ".py"), "w") as f:
        f.write(
            f'"""Synthetic model {n} (layer {layer_of[n]})."""\n\n\n'
            "def model(dbt, session):\n"
            '    dbt.config(materialized="table")\n'
            f"{refs}"
            f"    return {body}\n"
        )
with open(os.path.join(a.out, "dbt_project.yml"), "w") as f:
    f.write(
        "name: jaffle_py\nversion: '1.0.0'\nconfig-version: 2\nprofile: jaffle_py\n"
        "model-paths: [models]\ntarget-path: target\n"
    )
    if a.project_config:
        f.write("models:\n  jaffle_py:\n")
        for line in a.project_config.split(";"):
            f.write(f"    {line.strip()}\n")
shutil.copy(os.path.join(root, "examples", "jaffle_py", "profiles.yml"), a.out)
with open(os.path.join(a.out, "sandbox_rules.yml"), "w") as f:
    f.write("rules:\n")
    for n in names:
        f.write(f"  - {{match: model.jaffle_py.{n}, startup_delay: 0s, duration: {durations[n]}s}}\n")
with open(os.path.join(a.out, "dag.json"), "w") as f:
    json.dump({"parents": parents, "durations": durations, "critical_path": critical}, f, indent=1)
print(f"{a.models} models, depth {a.depth}, ideal critical path {critical:.3f}s -> {a.out}")
