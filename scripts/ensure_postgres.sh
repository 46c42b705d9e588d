#!/usr/bin/env bash
# Make sure the PostgreSQL server binaries are there for `make test-engines` (the tests start their own
# throwaway server). Installs Debian's postgresql package when missing and this runs as root with apt-get
# (CI does); otherwise fails with what to install: the engine tests cannot run without a server.
set -u
if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing postgresql (Debian package) for the engine tests..."
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
    && exit 0
fi
echo "error: the PostgreSQL server is not installed: install Debian's postgresql package" \
     "(apt-get install -y postgresql) and run make test-engines again" >&2
exit 1
