#!/usr/bin/env bash
# tests/test_scale.py starts its own redis-server (on a free loopback port, in pytest's temporary
# folder): make sure the Debian package is there. Without it those tests skip, saying why.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  redis-server --version
  exit 0
fi
echo "ensure-redis: installing the redis-server package" >&2
bash "$(dirname "$0")/apt-install.sh" redis-server
if command -v redis-server >/dev/null 2>&1; then
  redis-server --version
else
  echo "ensure-redis: no redis-server: tests/test_scale.py will skip" >&2
fi
