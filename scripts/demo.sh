#!/usr/bin/env bash
# Installs what mode-glib needs, builds it, and runs the tutorial worker
# from examples/ for a few seconds, then stops it with SIGINT (Ctrl-C).
set -euo pipefail

cd "$(dirname "$0")/.."
. scripts/deps.sh
mode_install_deps

build=_build-demo
if [ ! -d "$build" ]; then
  meson setup "$build" -Dgtk_doc=disabled -Dtests=false -Dexamples=true
fi
ninja -C "$build"

seconds=${DEMO_SECONDS:-3}
echo "Running examples/tutorial for $seconds seconds (stopped with SIGINT, as Ctrl-C does):"
status=0
timeout --preserve-status -s INT "$seconds" "$build/examples/tutorial" --loglevel=info || status=$?
echo "tutorial exited with status $status"
exit "$status"
