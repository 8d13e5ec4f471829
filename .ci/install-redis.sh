#!/usr/bin/env bash
# Installs Debian's redis-server for the queue tests (test/queue*.test.ts), which start and stop
# their own redis-server processes on free loopback ports, and openssl, with which the TLS test makes
# a throw-away certificate. Leaves no server running.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -eq 0 ]; then
  echo "redis-server present: $(redis-server --version); $(openssl version)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# Debian's package may start a system service; the tests do not use it, so stop it if it runs.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
  $SUDO systemctl stop redis-server || true
elif command -v service >/dev/null 2>&1; then
  $SUDO service redis-server stop >/dev/null 2>&1 || true
fi
echo "installed: $(redis-server --version)"
