#!/usr/bin/env bash
# Installs what mode-glib needs, builds it, and runs the tutorial worker
# from examples/: its Webserver (a ModeServiceThread) serves a page that
# curl fetches; then the worker is stopped with SIGINT, as Ctrl-C does,
# and exits with status 0.
set -euo pipefail

cd "$(dirname "$0")/.."
. scripts/deps.sh
mode_install_deps curl

build=_build-demo
if [ ! -d "$build" ]; then
  meson setup "$build" -Dgtk_doc=disabled -Dtests=false -Dexamples=true
fi
ninja -C "$build"

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "Running examples/tutorial (its Webserver on any free port of 127.0.0.1):"
"$build/examples/tutorial" --loglevel=info --web-port 0 2> >(tee "$log" >&2) &
pid=$!

# Wait for the Webserver's line, at most 30 s.
url=""
for _ in $(seq 300); do
  url=$(sed -n 's|.*Webserver: serving on \(http://[^ ]*\)|\1|p' "$log" | head -n 1)
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "the tutorial did not serve" >&2
  kill "$pid" 2>/dev/null || true
  wait "$pid" || true
  exit 1
fi

sleep "${DEMO_SECONDS:-1}"
echo
echo "\$ curl ${url}hello"
curl --silent --show-error --max-time 30 "${url}hello"
echo

echo "Stopping it with SIGINT (Ctrl-C):"
kill -INT "$pid"
status=0
wait "$pid" || status=$?
echo "tutorial exited with status $status"
exit "$status"
