#!/usr/bin/env bash
# Make sure headless Chromium is available for the browser tests (Data Docs, dashboard screenshots).
# Installs Debian's chromium package when missing and this runs as root with apt-get (CI does);
# otherwise says so, and the browser tests skip with that reason.
set -u
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium (Debian package) for the browser tests..."
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    && exit 0
  echo "warning: could not install chromium; browser tests will be skipped" >&2
else
  echo "note: chromium is not installed and this is not root: browser tests will be skipped" \
       "(install Debian's chromium package to run them)" >&2
fi
exit 0
