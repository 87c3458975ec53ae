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
echo "ensure-browser: Playwright's download failed; installing the system chromium package" >&2
bash "$(dirname "$0")/apt-install.sh" chromium
# Prints the browser, or an error listing every place it looked and how to fix it.
"$PY" -m scrapers.browser
