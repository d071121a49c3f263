#!/usr/bin/env bash
# Install what the tests need (Python packages and Debian's Chromium) and run the whole suite:
# core unit tests and doctests, AppTest page tests, and browser tests against a live server.
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
exec .venv/bin/python -m pytest "$@"
