#!/usr/bin/env bash
# Install Debian packages quietly (through sudo unless root); apt's output is shown only when it
# fails. Without apt-get it does nothing: the caller says what is missing.
set -euo pipefail
command -v apt-get >/dev/null 2>&1 || exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
log=$(mktemp)
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@"; } >"$log" 2>&1; then
  cat "$log" >&2
fi
rm -f "$log"
