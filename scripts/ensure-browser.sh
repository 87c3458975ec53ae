#!/usr/bin/env bash
# Make sure Storyline can find a Chromium: Playwright's own build if it can be
# installed, else the operating system's package. Prints the browser it will use.
set -euo pipefail
PY=${1:-.venv/bin/python}

if found=$("$PY" -m scrapers.browser 2>/dev/null); then
  echo "$found"
  exit 0
fi
echo "ensure-browser: no Chromium found; trying 'playwright install chromium'" >&2
if "$PY" -m playwright install chromium >&2 && found=$("$PY" -m scrapers.browser 2>/dev/null); then
  echo "$found"
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "ensure-browser: Playwright's download failed; installing the system chromium package" >&2
  log=$(mktemp)
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium; } >"$log" 2>&1; then
    cat "$log" >&2
  fi
  rm -f "$log"
fi
# Prints the browser, or an error listing every place it looked and how to fix it.
"$PY" -m scrapers.browser
