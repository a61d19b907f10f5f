#!/usr/bin/env bash
# Installs Debian's redis-server (the real Redis the clustered bridge's tests run against; redis-cli comes with it).
# Idempotent: an installed binary is kept. Nothing is left running or enabled: the cluster tests start their own
# /usr/bin/redis-server with their own config and data dir on a free loopback port, so the package's service
# (which would hold :6379) must not start.
# Usage: scripts/setup-redis.sh    Needs: root (for apt), or the package already installed.
set -euo pipefail
BIN=/usr/bin/redis-server
PKG=redis-server
log() { echo "[setup-redis] $*"; }

if [ -x "$BIN" ]; then
  log "$PKG already installed: $("$BIN" --version 2>&1 | head -1)"
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

log "installing $PKG (Debian package)"
if ! apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "$PKG" >/tmp/setup-redis.apt.log 2>&1; then
  tail -30 /tmp/setup-redis.apt.log
  log "apt-get install $PKG failed (full log: /tmp/setup-redis.apt.log)"
  exit 1
fi

# Belt and braces: where systemd runs, make sure the packaged service neither runs now nor at boot.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now redis-server.service >/dev/null 2>&1 || true
fi
if [ -x /etc/init.d/redis-server ]; then
  /etc/init.d/redis-server stop >/dev/null 2>&1 || true
  update-rc.d redis-server disable >/dev/null 2>&1 || true
fi

if [ ! -x "$BIN" ]; then log "$PKG installed but $BIN is missing"; exit 1; fi
log "installed: $("$BIN" --version 2>&1 | head -1)"
