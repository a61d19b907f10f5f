#!/usr/bin/env bash
# Regenerates the captured stack-trace fixtures under test/fixtures/stacktraces/<runtime>/.
#
# Each small program under test/fixtures/stacktraces/programs/ is copied to a fixed "deployed" root
# (/tmp/oncall-stacktraces/app, standing in for a container's /app) and run there, so the captured
# traces carry paths that differ from the repository layout, like real alerts do. The fixed root keeps
# regenerated output stable. The *.expected.json sidecars are written by hand from the program
# sources and are never touched by this script.
#
# Needs: node, python3, java/javac, cargo, go, ruby, php, mcs/mono
#   (apt-get install golang-go ruby php-cli mono-mcs). A runtime that is missing is skipped.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/test/fixtures/stacktraces/programs"
OUT="$ROOT/test/fixtures/stacktraces"
APP=/tmp/oncall-stacktraces/app

rm -rf "$APP" && mkdir -p "$APP" && cp -r "$SRC"/. "$APP"/

# Runs a command in the deployed copy and stores its stdout+stderr (crashes exit non-zero on purpose).
capture() { # runtime name dir cmd...
  local runtime=$1 name=$2 dir=$3
  shift 3
  mkdir -p "$OUT/$runtime"
  (cd "$APP/$dir" && "$@") >"$OUT/$runtime/$name.txt" 2>&1
  echo "captured $runtime/$name (exit $?)"
}

# Prefixes every line the way the Kubernetes CRI log format does (how a trace reaches a log pipeline).
k8s_prefix() { # runtime from to
  awk '{ printf "2026-11-20T10:00:00.%06dZ stderr F %s\n", NR, $0 }' "$OUT/$1/$2.txt" >"$OUT/$1/$3.txt"
  echo "derived $1/$3 from $1/$2"
}

have() { command -v "$1" >/dev/null 2>&1 || { echo "skip: $1 not installed" >&2; return 1; }; }

if have node; then
  for f in simple async class callback cause typeerror timer eval library jsonlog promise; do
    capture node "$f" node node "$f.js"
  done
  capture node esm node node esm.mjs
  # A bundle with a source map: the trace points into dist/bundle.js; the map leads back to src/*.ts.
  (cd "$APP/node/bundle" && "$ROOT/node_modules/.bin/esbuild" src/main.ts --bundle --sourcemap --platform=node \
    --outfile=dist/bundle.js --log-level=warning)
  # The bundle and its map are committed too: resolution tests map the captured trace back to src/*.ts.
  mkdir -p "$SRC/node/bundle/dist" && cp "$APP/node/bundle/dist/bundle.js" "$APP/node/bundle/dist/bundle.js.map" "$SRC/node/bundle/dist/"
  capture node bundle node/bundle node dist/bundle.js
  k8s_prefix node simple simple-k8s
fi

if have python3; then
  for f in simple during_handling direct_cause methods stdlib lambda_comp recursion asyncio_err logged jsonlog triple_chain; do
    capture python "$f" python python3 "$f.py"
  done
  k8s_prefix python direct_cause direct_cause-k8s
fi

if have javac && have java; then
  (cd "$APP/java" && javac -g -d classes $(find src -name '*.java'))
  for c in Simple CausedBy Suppressed Lambda Inner StaticInit Threaded NullPointer DeepCause Logged Overflow; do
    capture java "$c" java java -cp classes "com.acme.checkout.$c"
  done
  k8s_prefix java CausedBy CausedBy-k8s
fi

if have go; then
  export GOPATH=/tmp/oncall-stacktraces/gopath GOCACHE=/tmp/oncall-stacktraces/gocache GOFLAGS=-mod=mod GOTOOLCHAIN=local
  (cd "$APP/go" && go build -o gateway . && go build -trimpath -o gateway-trimpath .)
  for s in explicit error nilmap nilptr index goroutine closure repanic deadlock logged parse; do
    capture go "$s" go ./gateway "$s"
  done
  capture go error-trimpath go ./gateway-trimpath error
  capture go goroutine-all go env GOTRACEBACK=all ./gateway goroutine
  k8s_prefix go nilmap nilmap-k8s
fi

if have cargo; then
  (cd "$APP/rust" && cargo build --quiet --offline 2>&1)
  for s in panic unwrap expect index thread closure divide backtrace; do
    capture rust "$s" rust env RUST_BACKTRACE=1 ./target/debug/orders "$s"
  done
  for s in panic thread; do
    capture rust "$s-full" rust env RUST_BACKTRACE=full ./target/debug/orders "$s"
  done
fi

if have ruby; then
  for f in simple nomethod cause klass zerodiv stdlib block logged jsonlog define_method deep; do
    capture ruby "$f" ruby ruby "$f.rb"
  done
fi

if have php; then
  for f in simple previous methods closure typeerror divzero vendor logged jsonlog static; do
    capture php "$f" php php -d display_errors=stderr -d log_errors=0 -d html_errors=0 "$f.php"
  done
  # The same crash as PHP's error log prints it ("PHP Fatal error:  Uncaught ...").
  capture php previous-log php php -d display_errors=0 -d log_errors=1 -d error_log= "previous.php"
fi

if have mcs && have mono; then
  (cd "$APP/dotnet" && mcs -debug -out:checkout.exe Cart.cs Program.cs)
  for s in simple ctor linq parse inner nested async lambda divide nullref logged; do
    capture dotnet "mono-$s" dotnet mono --debug checkout.exe "$s"
  done
fi
