#!/usr/bin/env bash
# Installs Debian's nginx (the WebSocket load balancer the cluster tests put in front of three bridge replicas,
# with deploy/nginx/oncall-bridge.conf). Idempotent: an installed binary is kept. Nothing is left running or
# enabled: the tests start their own /usr/sbin/nginx with their own config, prefix and free loopback port, so the
# package's service (which would hold :80) must not start.
# Usage: scripts/setup-nginx.sh    Needs: root (for apt), or the package already installed.
set -euo pipefail
exec "$(dirname "$0")/lib/install-debian-service.sh" setup-nginx nginx /usr/sbin/nginx nginx -v
