#!/usr/bin/env bash
# Install the reference libraries (kornia, scikit-image) and run the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh requirements-bench.txt
for script in benchmarks/[a-z]*.py; do
  .venv/bin/python -m "benchmarks.$(basename "$script" .py)" "$@"
done
