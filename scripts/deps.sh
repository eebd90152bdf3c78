#!/usr/bin/env bash
# The Debian 12 packages dbtpy's build, tests and demo need: the one list (.ci/run, demo.sh and
# test.sh all come here). Installs the missing ones when run as root; otherwise prints the
# apt-get command to run and fails. Quiet and fast when everything is installed.
# Usage: scripts/deps.sh [--check]   (--check: report only, never install)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libcurl4-openssl-dev nlohmann-json3-dev libssl-dev libyaml-cpp-dev libsnappy-dev libzstd-dev
  libspdlog-dev libfmt-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev
  python3 python3-yaml python3-jsonschema openssl clang-format
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ ${1:-} == --check || $(id -u) -ne 0 ]]; then
  echo "dbtpy: missing Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "dbtpy: installing ${#missing[@]} Debian package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
