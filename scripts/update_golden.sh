#!/usr/bin/env bash
# Rewrites the golden files of the code generator (tests/golden/codegen/) from the current
# code. Golden files change ONLY through this script; review every changed line with
# `git diff tests/golden` before committing.
# Usage: scripts/update_golden.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cmake --build "$build" --target codegen_test
DBTPY_UPDATE_GOLDEN=1 "$build/tests/codegen/codegen_test" --gtest_filter='Codegen/Golden.*' \
  --gtest_brief=1 || true
git status --short tests/golden
