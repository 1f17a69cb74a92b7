#!/usr/bin/env bash
# Real-browser test of the duplex demo page: builds `duplex serve`, starts it on a free
# loopback port, drives Debian's Chromium with playwright-core (demo.test.mjs, node --test),
# and always stops the server (SIGTERM: graceful shutdown, which must exit 0).
#
#   bash e2e/run.sh                    # from anywhere; needs go, node >= 20, npm
#   E2E_UPDATE_DOCS=1 bash e2e/run.sh  # also refresh docs/demo.png for the README
#
# Chromium: /usr/bin/chromium, installed with apt-get when missing (CI runs as root), or
# the path in $CHROMIUM. Artifacts (screenshot, server log) go to e2e/artifacts/.
set -euo pipefail
cd "$(dirname "$0")"
E2E_DIR=$(pwd)
ROOT=$(cd .. && pwd)
ART="$E2E_DIR/artifacts"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "e2e: $CHROMIUM is missing; install Debian's chromium (apt-get install chromium) or set CHROMIUM" >&2
    exit 1
  fi
  echo "== e2e: installing chromium (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update
  timeout 900 apt-get install -y chromium
fi
"$CHROMIUM" --version

echo "== e2e: npm dependencies"
if [ -f package-lock.json ]; then
  timeout 300 npm ci --no-audit --no-fund
else
  timeout 300 npm install --no-audit --no-fund
fi

echo "== e2e: build duplex"
mkdir -p "$ART"
rm -f "$ART/demo.png" "$ART/serve.out" "$ART/serve.log"
(cd "$ROOT" && go build -o "$ART/duplex" ./cmd/duplex)

echo "== e2e: start duplex serve"
# Port 0: the kernel picks a free port, and the server prints its URL on the first line.
"$ART/duplex" serve -addr 127.0.0.1:0 -push-interval 100ms >"$ART/serve.out" 2>"$ART/serve.log" &
SERVER_PID=$!
stop_server() {
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
}
trap stop_server EXIT

URL=""
for _ in $(seq 1 100); do
  URL=$(sed -n '1s|^duplex demo server on \(http://[^ ]*\)$|\1|p' "$ART/serve.out" 2>/dev/null || true)
  [ -n "$URL" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "e2e: duplex serve exited:" >&2; cat "$ART/serve.log" >&2; exit 1; }
  sleep 0.1
done
if [ -z "$URL" ]; then
  echo "e2e: duplex serve printed no URL within 10s" >&2
  cat "$ART/serve.log" >&2
  exit 1
fi
echo "server at $URL"

echo "== e2e: node --test"
status=0
# The last test sends the server SIGTERM itself (DUPLEX_PID) and checks that the page
# sees its socket closed with 1001.
DUPLEX_URL="$URL" DUPLEX_PID="$SERVER_PID" E2E_ARTIFACTS="$ART" timeout 300 node --test --test-timeout=180000 --test-reporter=spec demo.test.mjs || status=$?

# Graceful shutdown must work: SIGTERM (sent by the test, or now if it did not get that
# far), close 1001 to everyone, exit 0, bounded.
kill -TERM "$SERVER_PID" 2>/dev/null || true
server_status=0
for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "e2e: duplex serve did not stop within 15s of SIGTERM" >&2
  server_status=1
else
  wait "$SERVER_PID" || server_status=$?
  if [ "$server_status" -ne 0 ]; then echo "e2e: duplex serve exited with $server_status after SIGTERM" >&2; fi
fi
trap - EXIT
stop_server
echo "-- server log (last lines)"
tail -n 12 "$ART/serve.log"

if [ "$status" -eq 0 ] && [ -f "$ART/demo.png" ] && { [ "${E2E_UPDATE_DOCS:-}" = 1 ] || [ ! -f "$ROOT/docs/demo.png" ]; }; then
  mkdir -p "$ROOT/docs"
  cp "$ART/demo.png" "$ROOT/docs/demo.png"
  echo "updated docs/demo.png"
fi
if [ "$status" -ne 0 ] || [ "$server_status" -ne 0 ]; then
  exit 1
fi
echo "e2e: ok (screenshot: e2e/artifacts/demo.png)"
