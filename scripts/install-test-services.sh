#!/usr/bin/env bash
# Debian packages that some tests drive for real: Chromium (the dashboard and report tests, through
# playwright-core) and redis-server (the queue tests, through BullMQ). Those tests skip with a
# message where the binaries are absent; CI installs them here so they run.
#
#   scripts/install-test-services.sh      # as root, or with sudo available
#
# Installs only what is missing; prints nothing else on success.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v redis-server >/dev/null || need+=(redis-server)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-test-services: installing ${need[*]}" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
