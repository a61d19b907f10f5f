#!/usr/bin/env bash
# Regenerates the log-shipper variants of captured traces under test/fixtures/stacktraces/<runtime>/
# (`<name>-<shipper>.txt`): the same trace as it reaches an alert through journald, syslog, docker
# compose, Heroku, kubectl --prefix, CloudWatch and Google Cloud Logging.
#
# Real tools where this machine has them:
#   journald  — the lines are written to a journal file by systemd-journal-remote (Debian package
#               `systemd-journal-remote`) and read back with `journalctl -o short`, as an operator would copy them;
#   syslog    — util-linux `logger --rfc3164` / `--rfc5424` sends each line to a local datagram socket,
#               captured byte for byte.
# Documented formats otherwise (no daemon, cluster or cloud here): `docker compose logs` ("<service>-<n>  | "),
# Heroku (`<ISO time> app[web.1]: `), `kubectl logs --prefix` (`[pod/<pod>/<container>] `), CloudWatch
# `filter-log-events` events one per line (`message`), Google Cloud Logging entries (`textPayload`).
# The tests never run these tools; the *.expected.json sidecars are hand-written and never touched here.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/test/fixtures/stacktraces"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

have() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ] || { echo "skip: $1 not installed" >&2; return 1; }; }

# journald: export format → journal file → journalctl (fixed clock, host and pid, so output is stable).
journald() { # runtime name
  local src="$OUT/$1/$2.txt" dst="$OUT/$1/$2-journald.txt"
  python3 - "$src" >"$TMP/export" <<'PY'
import sys
ts = 1764590400000000
for i, l in enumerate(open(sys.argv[1]).read().rstrip('\n').split('\n')):
    sys.stdout.write(f"__CURSOR=s=1;i={i+1}\n__REALTIME_TIMESTAMP={ts + i * 1000}\n__MONOTONIC_TIMESTAMP={i + 1}\n"
                     f"_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=web-7\nSYSLOG_IDENTIFIER=checkout\n_PID=1234\nPRIORITY=3\nMESSAGE={l}\n\n")
PY
  rm -f "$TMP/j.journal"
  /lib/systemd/systemd-journal-remote --output="$TMP/j.journal" - <"$TMP/export" 2>/dev/null
  TZ=UTC journalctl --file="$TMP/j.journal" -o short --no-pager >"$dst"
  echo "captured $1/$2-journald"
}

# syslog: logger → a datagram socket we read.
syslog() { # runtime name rfc3164|rfc5424
  local src="$OUT/$1/$2.txt" dst="$OUT/$1/$2-syslog${3#rfc}.txt" sock="$TMP/log-$3.sock"
  rm -f "$sock"
  python3 - "$sock" "$3" "$src" "$dst" <<'PY'
import socket, subprocess, sys
sock, fmt, src, dst = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sock); s.settimeout(1)
p = subprocess.Popen(['logger', '-d', '-u', sock, f'--{fmt}', '-t', 'checkout', '-i', '-f', src])
got = []
while True:
    try: got.append(s.recv(65536))
    except socket.timeout:
        if p.poll() is not None: break
open(dst, 'wb').write(b'\n'.join(got) + b'\n')
PY
  echo "captured $1/$2-syslog${3#rfc}"
}

documented() { # runtime name
  local src="$OUT/$1/$2.txt" d="$OUT/$1/$2"
  awk '{ printf "checkout-1  | %s\n", $0 }' "$src" >"$d-compose.txt"
  awk '{ printf "2026-12-01T12:00:00.%06d+00:00 app[web.1]: %s\n", NR, $0 }' "$src" >"$d-heroku.txt"
  awk '{ printf "[pod/checkout-7d9f5c6b8-x2k4q/app] %s\n", $0 }' "$src" >"$d-kubectl.txt"
  python3 - "$src" "$d-cloudwatch.txt" "$d-gcloud.txt" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().rstrip('\n').split('\n')
with open(sys.argv[2], 'w') as f:
    for i, l in enumerate(lines):
        f.write(json.dumps({"logStreamName": "checkout/app/4f1c", "timestamp": 1764590400000 + i, "message": l, "ingestionTime": 1764590401000 + i, "eventId": str(37000000000000000000000000000000000000000000000000000000 + i)}) + "\n")
with open(sys.argv[3], 'w') as f:
    for i, l in enumerate(lines):
        f.write(json.dumps({"insertId": f"abc{i}", "resource": {"type": "cloud_run_revision", "labels": {"service_name": "checkout"}}, "textPayload": l, "timestamp": f"2026-12-01T12:00:00.{i:06d}Z", "severity": "ERROR", "logName": "projects/shop/logs/run.googleapis.com%2Fstderr"}) + "\n")
PY
  echo "derived $1/$2-{compose,heroku,kubectl,cloudwatch,gcloud}"
}

for fx in node/simple python/direct_cause; do
  rt=${fx%/*}; name=${fx#*/}
  [ -f "$OUT/$fx.txt" ] || { echo "skip: $fx.txt missing (run scripts/capture-stacktraces.sh)" >&2; continue; }
  if have /lib/systemd/systemd-journal-remote && have journalctl; then journald "$rt" "$name"; fi
  if have logger; then syslog "$rt" "$name" rfc3164; syslog "$rt" "$name" rfc5424; fi
  documented "$rt" "$name"
done
