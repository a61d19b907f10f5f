#!/usr/bin/env bash
# Installs Debian's nginx (the WebSocket load balancer the cluster tests put in front of three bridge replicas,
# with deploy/nginx/oncall-bridge.conf). Idempotent: an installed binary is kept. Nothing is left running or
# enabled: the tests start their own /usr/sbin/nginx with their own config, prefix and free loopback port, so the
# package's service (which would hold :80) must not start.
# Usage: scripts/setup-nginx.sh    Needs: root (for apt), or the package already installed.
set -euo pipefail
BIN=/usr/sbin/nginx
PKG=nginx
log() { echo "[setup-nginx] $*"; }

if [ -x "$BIN" ]; then
  log "$PKG already installed: $("$BIN" -v 2>&1 | head -1)"
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
if ! apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "$PKG" >/tmp/setup-nginx.apt.log 2>&1; then
  tail -30 /tmp/setup-nginx.apt.log
  log "apt-get install $PKG failed (full log: /tmp/setup-nginx.apt.log)"
  exit 1
fi

# Belt and braces: where systemd runs, make sure the packaged service neither runs now nor at boot.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now nginx.service >/dev/null 2>&1 || true
fi
if [ -x /etc/init.d/nginx ]; then
  /etc/init.d/nginx stop >/dev/null 2>&1 || true
  update-rc.d nginx disable >/dev/null 2>&1 || true
fi

if [ ! -x "$BIN" ]; then log "$PKG installed but $BIN is missing"; exit 1; fi
log "installed: $("$BIN" -v 2>&1 | head -1)"
