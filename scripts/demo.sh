#!/usr/bin/env bash
# The README's first command: builds dbtpy and dbtpy-sandbox (if needed), makes throw-away
# sandbox credentials, starts the sandbox on a free loopback port, runs `dbtpy submit` on
# examples/jaffle_py for the snowflake, databricks and bigquery targets, and stops the sandbox
# on every path. Exit status 0 only when every target ran green.
#
# Usage: scripts/demo.sh [--build-dir DIR] [--targets "snowflake databricks bigquery"]
#                        [-- extra dbtpy submit flags]
# Work files (a copy of the example, its target/ with run_results.json and the run ledgers,
# the credentials, the sandbox's request log) stay in <build-dir>/demo/ for inspection.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=build
targets="snowflake databricks bigquery"
extra=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --build-dir) build=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--build-dir DIR] [--targets LIST] [-- dbtpy flags]" >&2; exit 2 ;;
  esac
done

say() { printf '\n==> %s\n' "$*"; }

[[ $build == /* ]] || build=$root/$build

scripts/deps.sh
say "building dbtpy and dbtpy-sandbox in $build/"
if [[ ! -f $build/build.ninja ]]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$build" -G Ninja "${launcher[@]}" >/dev/null
fi
cmake --build "$build" --target dbtpy dbtpy-sandbox
dbtpy=$build/cli/dbtpy
sandbox=$build/sandbox/dbtpy-sandbox

work=$build/demo
creds=$work/.sandbox
project=$work/jaffle_py
mkdir -p "$work"
rm -rf "$project" "$creds/state" "$creds/url"
cp -r examples/jaffle_py "$project"
rm -rf "$project/target" "$project/.sandbox"

say "making sandbox credentials in $creds/"
scripts/sandbox_credentials.sh "$creds" >/dev/null

sandbox_pid=
stop_sandbox() {
  if [[ -n $sandbox_pid ]] && kill -0 "$sandbox_pid" 2>/dev/null; then
    kill -TERM "$sandbox_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$sandbox_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
  fi
  sandbox_pid=
}
trap stop_sandbox EXIT
trap 'stop_sandbox; exit 130' INT
trap 'stop_sandbox; exit 143' TERM

say "starting dbtpy-sandbox"
"$sandbox" --port 0 --config "$creds/sandbox.yml" --state-dir "$creds/state" \
  --log "$creds/requests.jsonl" >"$creds/url" 2>"$creds/sandbox.stderr" &
sandbox_pid=$!
for _ in $(seq 100); do
  [[ -s $creds/url ]] && break
  kill -0 "$sandbox_pid" 2>/dev/null || { cat "$creds/sandbox.stderr" >&2; exit 1; }
  sleep 0.1
done
url=$(head -1 "$creds/url")
[[ $url == http* ]] || { echo "error: the sandbox printed no URL" >&2; cat "$creds/sandbox.stderr" >&2; exit 1; }
echo "sandbox at $url (requests logged to $creds/requests.jsonl)"
scripts/sandbox_credentials.sh "$creds" "$url" >/dev/null
set -a
# shellcheck disable=SC1091
. "$creds/sandbox.env"
set +a

failed=()
for t in $targets; do
  say "dbtpy submit --target $t"
  if "$dbtpy" submit --project-dir "$project" --profiles-dir "$project" --target "$t" "${extra[@]}"; then
    cp "$project/target/run_results.json" "$work/run_results.$t.json"
  else
    failed+=("$t")
  fi
done

stop_sandbox
say "done: artifacts in $work/ (run_results.<target>.json, jaffle_py/target/dbtpy/runs/)"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "FAILED targets: ${failed[*]}" >&2
  exit 1
fi
echo "all targets green: $targets"
