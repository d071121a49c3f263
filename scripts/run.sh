#!/usr/bin/env bash
# Install what the app needs (first time only) and serve it on http://localhost:8501.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh requirements.txt
exec .venv/bin/python -m streamlit run app.py "$@"
