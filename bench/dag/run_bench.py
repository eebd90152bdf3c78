#!/usr/bin/python3
"""The run engine's benchmark: a synthetic DAG of Python models on dbtpy-sandbox.

Usage: bench/dag/run_bench.py [--build-dir build] [--models 500] [--depth 10] [--threads 64]
                              [--min-duration 0.5] [--max-duration 3.0] [--target snowflake]
                              [--work DIR]

Generates the project (bench/dag/make_dag_project.py: each model a fixed duration drawn from
[min, max]), starts the sandbox with one rule per model (no start-up delay), runs
`dbtpy submit --threads N` once and prints:
  - wall time of the run (run_results.json elapsed_time) / ideal critical path (the longest
    chain of durations: an infinitely parallel runner noticing every end instantly);
  - status requests per model (from the sandbox's request log);
  - time from each job's end (its submission at the sandbox + its duration) to dbtpy noticing
    it (the ledger's model_finished line): median, p90, max;
  - dbtpy's peak RSS and CPU time (getrusage of the child).
Needs dbtpy and dbtpy-sandbox built in --build-dir. Not a test: it never fails on numbers.
"""
import argparse
import datetime
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))

p = argparse.ArgumentParser()
p.add_argument("--build-dir", default=os.path.join(root, "build"))
p.add_argument("--models", type=int, default=500)
p.add_argument("--depth", type=int, default=10)
p.add_argument("--threads", type=int, default=64)
p.add_argument("--min-duration", type=float, default=0.5)
p.add_argument("--max-duration", type=float, default=3.0)
p.add_argument("--target", default="snowflake", choices=["snowflake"])
p.add_argument("--work", default=None)
a = p.parse_args()

work = a.work or tempfile.mkdtemp(prefix="dbtpy-bench-")
project = os.path.join(work, "dag")
creds = os.path.join(work, "creds")
shutil.rmtree(project, ignore_errors=True)
subprocess.run(
    [sys.executable, os.path.join(here, "make_dag_project.py"), project, "--models", str(a.models),
     "--depth", str(a.depth), "--min-duration", str(a.min_duration), "--max-duration",
     str(a.max_duration)],
    check=True)
dag = json.load(open(os.path.join(project, "dag.json")))
script = os.path.join(root, "scripts", "sandbox_credentials.sh")
subprocess.run([script, creds], check=True, stdout=subprocess.DEVNULL)
base = open(os.path.join(creds, "sandbox.yml")).read()
base = base[: base.index("\ndefaults:") + 1]
config = os.path.join(creds, "sandbox.bench.yml")
with open(config, "w") as f:
    f.write(base + "defaults: {startup_delay: 0s, duration: 1s}\n")
    f.write(open(os.path.join(project, "sandbox_rules.yml")).read())
log = os.path.join(creds, "requests.jsonl")
if os.path.exists(log):
    os.remove(log)
shutil.rmtree(os.path.join(creds, "state"), ignore_errors=True)
sandbox = subprocess.Popen(
    [os.path.join(a.build_dir, "sandbox", "dbtpy-sandbox"), "--port", "0", "--config", config,
     "--state-dir", os.path.join(creds, "state"), "--log", log],
    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
try:
    url = sandbox.stdout.readline().strip()
    subprocess.run([script, creds, url], check=True, stdout=subprocess.DEVNULL)
    env = dict(os.environ)
    for line in open(os.path.join(creds, "sandbox.env")):
        if "=" in line:
            k, v = line.rstrip("\n").split("=", 1)
            env[k] = v
    cmd = [os.path.join(a.build_dir, "cli", "dbtpy"), "submit", "--project-dir", project,
           "--profiles-dir", project, "--target", a.target, "--threads", str(a.threads),
           "--quiet"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    run = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
finally:
    sandbox.send_signal(signal.SIGTERM)
    sandbox.wait()

if run.returncode != 0:
    print(run.stdout[-3000:], run.stderr[-3000:])
    sys.exit(f"dbtpy exited {run.returncode}")


def ts(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


results = json.load(open(os.path.join(project, "target", "run_results.json")))
elapsed = results["elapsed_time"]
submitted = {}  # unique_id -> time the sandbox accepted the statement
status_requests = 0
for line in open(log):
    r = json.loads(line)
    if r.get("endpoint") == "snowflake.statements.get":
        status_requests += 1
    if r.get("endpoint") == "snowflake.statements.submit" and r.get("status") == 202:
        tag = json.loads(r.get("keys", {}).get("query_tag", "{}"))
        submitted.setdefault(tag.get("unique_id"), ts(r["ts"]))
ledger_dir = os.path.join(project, "target", "dbtpy", "runs")
ledger = os.path.join(ledger_dir, os.listdir(ledger_dir)[0])
noticed = {}
for line in open(ledger):
    e = json.loads(line)
    if e["event"] == "model_finished":
        noticed[e["unique_id"]] = ts(e["ts"])
lags = []
for uid, t_sub in submitted.items():
    name = uid.split(".")[-1]
    if uid in noticed:
        lags.append(noticed[uid] - (t_sub + dag["durations"][name]))
lags.sort()
rss_mb = (after.ru_maxrss) / 1024  # KiB on Linux; the max over children (dbtpy, scripts)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print(f"command: {' '.join(sys.argv)}")
print(f"models {a.models}, depth {a.depth}, durations {a.min_duration}-{a.max_duration}s, "
      f"--threads {a.threads}, target {a.target}")
print(f"ideal critical path      {dag['critical_path']:.2f} s")
print(f"run elapsed_time         {elapsed:.2f} s  (process wall {wall:.2f} s)")
print(f"ratio                    {elapsed / dag['critical_path']:.3f}")
print(f"status requests / model  {status_requests / a.models:.2f}")
print(f"end -> noticed           median {1000 * statistics.median(lags):.0f} ms, "
      f"p90 {1000 * lags[int(0.9 * (len(lags) - 1))]:.0f} ms, max {1000 * lags[-1]:.0f} ms "
      f"({len(lags)} jobs)")
print(f"dbtpy peak RSS           {rss_mb:.1f} MiB")
print(f"dbtpy CPU time           {cpu:.2f} s (user+sys)")
