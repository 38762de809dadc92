#!/usr/bin/env bash
# Runs every benchmark of BENCH.md: one JSON line each on stdout.
# Usage: bench/run-all.sh [BUILD_DIR]   (default: _build)
set -euo pipefail
cd "$(dirname "$0")/.."
bench="${1:-_build}/bench/mode-bench"
[ -x "$bench" ] || { echo "build first: $bench is missing" >&2; exit 1; }

# A UTF-8 locale, as a deployed program has: in the C locale GLib
# converts every log line (a crash's, say) to ASCII through iconv.
export LC_ALL="${LC_ALL:-C.UTF-8}"

run () { "$bench" "$@" 2>/dev/null; }

run start_stop_flat 1000
run start_stop_flat 10000
run start_stop_tree 4 6
run restart 1000 10
run futures 100000 10000
run timers 100 3
run timers 1000 3
run thread_call 10000
run memory 50000
run crash_supervisor 100 5000 1000
run start_stop_flat 100000
run start_stop_flat 1000000
run memory 1000000
run graph_dot 10000 10
run graph_dot 100000 10
