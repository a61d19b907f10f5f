#!/usr/bin/env bash
# Installs Debian's prometheus-alertmanager (the real Alertmanager the bridge's tests run against).
# Idempotent: an installed binary is kept. Nothing is left running or enabled: the tests start their own
# /usr/bin/prometheus-alertmanager with their own config and storage on a free loopback port, so the
# package's service (which would hold :9093 and :9094) must not start.
# Usage: scripts/setup-alertmanager.sh    Needs: root (for apt), or the package already installed.
set -euo pipefail
exec "$(dirname "$0")/lib/install-debian-service.sh" setup-alertmanager prometheus-alertmanager /usr/bin/prometheus-alertmanager prometheus-alertmanager --version
