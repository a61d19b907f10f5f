#!/usr/bin/env bash
# Installs Debian's redis-server (the real Redis the clustered bridge's tests run against; redis-cli comes with it).
# Idempotent: an installed binary is kept. Nothing is left running or enabled: the cluster tests start their own
# /usr/bin/redis-server with their own config and data dir on a free loopback port, so the package's service
# (which would hold :6379) must not start.
# Usage: scripts/setup-redis.sh    Needs: root (for apt), or the package already installed.
set -euo pipefail
exec "$(dirname "$0")/lib/install-debian-service.sh" setup-redis redis-server /usr/bin/redis-server redis-server --version
