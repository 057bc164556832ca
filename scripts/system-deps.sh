#!/usr/bin/env bash
# System packages the test suite needs: Java 17 for Spark (local mode);
# Chromium (chart export and the report's browser tests) and CJK fonts (Chinese
# text in exported charts).
# Installs them with apt-get when they are missing and we are root; otherwise
# says what to install. PostgreSQL and MySQL/MariaDB are servers the machine
# runs (see README: "Test servers").
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
[ -x /usr/bin/chromium ] || need+=(chromium)
{ fc-list 2>/dev/null || true; } | grep "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "Please install: ${need[*]} (e.g. sudo apt-get install ${need[*]})" >&2
  exit 1
fi
