#!/usr/bin/env bash
# Runs every benchmark of BENCH.md: one JSON line each on stdout.
# Usage: bench/run-all.sh [BUILD_DIR]   (default: _build)
#
# Figures on a shared 2-core machine vary by up to 2x from one run to the
# next: the workloads run RUNS times (5 unless set) and the line
# printed is the run whose main figure is the median, all fields of that
# one run. The 1,000,000 scale points run once.
set -euo pipefail
cd "$(dirname "$0")/.."
bench="${1:-_build}/bench/mode-bench"
[ -x "$bench" ] || { echo "build first: $bench is missing" >&2; exit 1; }
runs="${RUNS:-5}"

# A UTF-8 locale, as a deployed program has: in the C locale GLib
# converts every log line (a crash's, say) to ASCII through iconv.
export LC_ALL="${LC_ALL:-C.UTF-8}"

run () { "$bench" "$@" 2>/dev/null; }

# The machine's load (other work than the benchmark's), to stderr: the
# figures depend on it. thread_call_loaded lines carry it too.
echo "# load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
trap 'echo "# load average at the end: $(cut -d" " -f1-3 /proc/loadavg)" >&2' EXIT

# median FIELD ARGS...: runs ARGS $runs times, prints the median run by FIELD.
median () {
  local field="$1"; shift
  local i
  for i in $(seq "$runs"); do run "$@"; done |
    /usr/bin/python3 -c '
import json, sys
field = sys.argv[1]
lines = [l for l in sys.stdin if l.strip()]
lines.sort(key=lambda l: json.loads(l)[field])
print(lines[len(lines) // 2], end="")
' "$field"
}

median start_us_per_svc start_stop_flat 1000
median start_us_per_svc start_stop_flat 10000
median start_us_per_svc start_stop_tree 4 6
median us_per_restart restart 1000 10
median short_us_per_task futures 100000 10000
median dev_p99_us timers 100 3
median dev_p99_us timers 1000 3
median p50_us thread_call 10000
# the same calls while 0, 1 and 2 threads of the benchmark keep processors
# busy, each line with spin-time 0's figures of the same run beside the
# default's; and a program at rest
median p50_us thread_call_loaded 10000 0
median p50_us thread_call_loaded 10000 1
median p50_us thread_call_loaded 10000 2
median wakeups_per_s idle 10 100 5
# a tree whose every on_start takes 10 ms, started in order, then in parallel
median parallel_start_ms slow_start_tree 3 3 10
median bytes_per_svc_started memory 50000
median seq_lat_mean_us crash_supervisor 100 5000 1000
# the same under a worker, its log writer writing every crash line
median seq_lat_mean_us crash_supervisor_logged 100 5000 1000
median start_us_per_svc start_stop_flat 100000
run start_stop_flat 1000000
run memory 1000000
median to_dot_us_per_node graph_dot 10000 10
median to_dot_us_per_node graph_dot 100000 10
# Not in the contract: what GLib alone costs for the work under the
# short-task, parked-task and thread-call figures, in the same session.
median short_us_per_task glib_floor 100000 10000 10000
