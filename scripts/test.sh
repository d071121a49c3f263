#!/usr/bin/env bash
# Install what the tests need (Python packages and Debian's Chromium) and run the whole suite:
# lint and type gates, core unit tests and doctests, AppTest page tests, and browser tests against
# a live server. Extra arguments go to pytest: scripts/test.sh -m "not e2e and not slow" is the fast loop.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh requirements-dev.txt
# Debian packages the tests drive: Chromium (browser tests) and nginx (its config is checked).
need_apt=0
[ -x /usr/bin/chromium ] || need_apt=1
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_apt=1
if [ "$need_apt" -eq 1 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium fonts-noto-color-emoji nginx >/dev/null
fi
# Gates: lint (ruff, with the security rules) and types (mypy on core/ and ui/), then the suite.
echo "ruff…" && .venv/bin/ruff check .
echo "mypy…" && .venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
