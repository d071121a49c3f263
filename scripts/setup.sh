#!/usr/bin/env bash
# Create .venv and install a requirements file into it; re-install only when the file changed.
# Usage: scripts/setup.sh requirements.txt
set -euo pipefail
cd "$(dirname "$0")/.."
requirements="${1:-requirements.txt}"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null || python=python3
if [ ! -x .venv/bin/python ]; then
  echo "ScaleScope: first run — creating .venv and installing the pinned packages (a few minutes)…"
  "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
stamp=".venv/.installed-$(basename "$requirements")"
digest=$(cat "$requirements" requirements*.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
  echo "ScaleScope: installing $requirements into .venv (first run: a few minutes; progress below)…"
  # One line per package as it arrives; pipefail makes a failed install fail the script.
  .venv/bin/python -m pip install --no-color -r "$requirements" \
    | awk '/^(Collecting|Installing|Successfully)/ { print "  " $0; fflush() }'
  echo "$digest" > "$stamp"
fi
