#!/usr/bin/env bash
# Installs a Debian package whose binary the tests run themselves, and makes sure the package's own service is
# neither running nor enabled (the tests start their own process with their own config on a free loopback port).
# Idempotent: an installed binary is kept. Needs root for apt, or the package already installed.
# Usage: install-debian-service.sh NAME PKG BIN SERVICE VERSION_FLAG
#   NAME: the log prefix (e.g. setup-redis); SERVICE: the packaged service (systemd unit / init.d script name);
#   VERSION_FLAG: how BIN prints its version (--version, -v).
set -euo pipefail
NAME=$1 PKG=$2 BIN=$3 SERVICE=$4 VERSION_FLAG=$5
log() { echo "[$NAME] $*"; }
version() { "$BIN" "$VERSION_FLAG" 2>&1 | head -1; }

if [ -x "$BIN" ]; then
  log "$PKG already installed: $(version)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  log "$PKG is not installed and this is not root. Run as root, or: sudo apt-get install -y $PKG"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# A package list that never saw the package (fresh container) needs an update first.
if ! apt-cache show "$PKG" >/dev/null 2>&1 || [ -z "$(apt-cache policy "$PKG" | awk '/Candidate:/ {print $2}' | grep -v '(none)')" ]; then
  log "updating the package lists"
  apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
fi

# policy-rc.d exit 101 = "do not start services": invoke-rc.d/deb-systemd-invoke honour it during the install.
# Only install ours when none exists, and remove only ours afterwards.
POLICY=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$POLICY"; chmod 755 "$POLICY"; own_policy=1
fi
cleanup() { if [ "$own_policy" = 1 ]; then rm -f "$POLICY"; fi; }
trap cleanup EXIT

APT_LOG=/tmp/$NAME.apt.log
log "installing $PKG (Debian package)"
if ! apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "$PKG" >"$APT_LOG" 2>&1; then
  tail -30 "$APT_LOG"
  log "apt-get install $PKG failed (full log: $APT_LOG)"
  exit 1
fi

# Belt and braces: where systemd runs, make sure the packaged service neither runs now nor at boot.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now "$SERVICE.service" >/dev/null 2>&1 || true
fi
if [ -x "/etc/init.d/$SERVICE" ]; then
  "/etc/init.d/$SERVICE" stop >/dev/null 2>&1 || true
  update-rc.d "$SERVICE" disable >/dev/null 2>&1 || true
fi

if [ ! -x "$BIN" ]; then log "$PKG installed but $BIN is missing"; exit 1; fi
log "installed: $(version)"
