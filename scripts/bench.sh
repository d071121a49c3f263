#!/usr/bin/env bash
# Install the reference libraries (kornia, scikit-image) and run every benchmark; the results go
# to benchmarks/RESULTS.md and benchmarks/results.json. Name benchmarks to run only those:
# scripts/bench.sh pyramids search
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh requirements-bench.txt
exec .venv/bin/python -m benchmarks "$@"
