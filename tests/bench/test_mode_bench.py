# SPDX-License-Identifier: BSD-3-Clause
"""mode-bench prints one JSON line per workload with exactly the fields
of the benchmark contract: each workload runs here at a small size."""

import json
import os
import subprocess

import pytest

BENCH = os.environ.get("MODE_BENCH")

COMMON = {"impl", "bench"}
FIELDS = {
    "start_stop_flat": {"n_children", "services", "construct_ms", "start_ms", "stop_ms",
                        "construct_us_per_svc", "start_us_per_svc", "stop_us_per_svc"},
    "start_stop_tree": {"branching", "depth", "services", "construct_ms", "start_ms", "stop_ms",
                        "construct_us_per_svc", "start_us_per_svc", "stop_us_per_svc"},
    "restart": {"restarts", "children", "total_ms", "restarts_per_s", "us_per_restart",
                "us_per_service_restart", "p50_us", "p99_us", "max_us"},
    "futures": {"short_n", "short_spawn_ms", "short_run_ms", "short_stop_ms", "short_total_ms",
                "short_us_per_task", "long_n", "long_spawn_ms", "long_stop_ms",
                "long_stop_us_per_task", "long_exited_cleanly", "long_cancelled"},
    "timers": {"timers", "interval_ms", "duration_s", "ticks", "expected_ticks", "tick_ratio",
               "mean_interval_us", "dev_p50_us", "dev_p99_us", "dev_max_us", "cpu_util",
               "stop_ms"},
    "thread_call": {"calls", "mean_us", "p50_us", "p99_us", "max_us", "calls_per_s",
                    "thread_start_ms", "thread_stop_ms"},
    "memory": {"services", "rss_base_mb", "rss_constructed_mb", "rss_started_mb",
               "rss_stopped_mb", "bytes_per_svc_constructed", "bytes_per_svc_started",
               "bytes_per_svc_stopped", "construct_s", "start_s", "stop_s"},
    "crash_supervisor": {"services", "batch_crashes", "batch_ms", "batch_restarts_per_s",
                         "batch_us_per_restart", "crash_call_us", "seq_crashes",
                         "seq_restarts_per_s", "seq_lat_mean_us", "seq_lat_p50_us",
                         "seq_lat_p99_us", "seq_lat_max_us"},
    "crash_supervisor_logged": {"services", "batch_crashes", "batch_ms", "batch_restarts_per_s",
                                "batch_us_per_restart", "crash_call_us", "seq_crashes",
                                "seq_restarts_per_s", "seq_lat_mean_us", "seq_lat_p50_us",
                                "seq_lat_p99_us", "seq_lat_max_us"},
    "thread_call_loaded": {"calls", "mean_us", "p50_us", "p99_us", "max_us", "calls_per_s",
                           "thread_start_ms", "thread_stop_ms", "busy", "spin0_mean_us",
                           "spin0_p50_us", "spin0_p99_us", "spin0_max_us", "spin0_calls_per_s",
                           "p50_ratio", "p99_ratio", "loadavg_1m"},
    "idle": {"threads", "services", "seconds", "wakeups_per_s", "wakeups_per_thread_s",
             "cpu_ms_per_s"},
    "slow_start_tree": {"depth", "branching", "services", "hook_ms", "in_order_start_ms",
                        "parallel_start_ms", "critical_path_ms"},
    # beyond the contract
    "graph_dot": {"nodes", "fanout", "as_graph_ms", "to_dot_ms", "dot_bytes",
                  "as_graph_us_per_node", "to_dot_us_per_node"},
    "glib_floor": {"short_n", "short_us_per_task", "long_n", "parked_complete_ms",
                   "calls", "round_trip_p50_us", "round_trip_p99_us"},
}

pytestmark = pytest.mark.skipif(BENCH is None, reason="MODE_BENCH is not set")


def run(*args, impl="mode-glib"):
    out = subprocess.run([BENCH, *map(str, args)], check=True, timeout=120,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         env=dict(os.environ, LC_ALL="C.UTF-8"), text=True).stdout
    lines = out.splitlines()
    assert len(lines) == 1, out
    line = json.loads(lines[0])
    assert line["impl"] == impl
    assert line["bench"] == args[0]
    assert set(line) == COMMON | FIELDS[args[0]]
    return line


def test_start_stop_flat():
    line = run("start_stop_flat", 100)
    assert line["n_children"] == 100 and line["services"] == 101


def test_start_stop_tree():
    line = run("start_stop_tree", 4, 3)
    assert line["services"] == 1 + 4 + 16 + 64


def test_restart():
    line = run("restart", 20, 10)
    assert line["restarts"] == 20 and line["children"] == 10
    assert line["p50_us"] <= line["p99_us"] <= line["max_us"]


def test_futures():
    line = run("futures", 1000, 100)
    assert line["long_exited_cleanly"] == 100
    assert line["long_cancelled"] == 100


def test_timers():
    line = run("timers", 10, 0.5)
    assert line["expected_ticks"] == 500
    assert 0 < line["ticks"] <= line["expected_ticks"]
    assert line["interval_ms"] == 10.0


def test_thread_call():
    line = run("thread_call", 100)
    assert line["calls"] == 100
    assert line["p50_us"] <= line["p99_us"] <= line["max_us"]


def test_memory():
    line = run("memory", 1000)
    assert line["services"] == 1000


def test_crash_supervisor():
    line = run("crash_supervisor", 10, 100, 20)
    assert line["batch_crashes"] == 100 and line["seq_crashes"] == 20


def test_crash_supervisor_logged():
    # under a worker: its log lines go to stderr, stdout holds the JSON line alone
    line = run("crash_supervisor_logged", 10, 100, 20)
    assert line["batch_crashes"] == 100 and line["seq_crashes"] == 20


def test_thread_call_loaded():
    line = run("thread_call_loaded", 100, 1)
    assert line["calls"] == 100 and line["busy"] == 1
    assert line["p50_us"] <= line["p99_us"] <= line["max_us"]
    assert line["spin0_p50_us"] <= line["spin0_p99_us"] <= line["spin0_max_us"]


def test_idle():
    line = run("idle", 2, 10, 0.5)
    assert line["threads"] == 2 and line["services"] == 10
    assert line["wakeups_per_s"] >= 0


def test_slow_start_tree():
    line = run("slow_start_tree", 3, 2, 5)
    assert line["services"] == 1 + 2 + 4
    assert line["critical_path_ms"] == 15
    # in order, the hooks run one after the other: 7 of them at least
    assert line["in_order_start_ms"] >= 7 * 5
    # in parallel, the levels: 3 of them at least (no bound above: a
    # busy machine may delay a timeout)
    assert line["parallel_start_ms"] >= 3 * 5


def test_graph_dot():
    line = run("graph_dot", 100, 10)
    assert line["nodes"] == 100 and line["dot_bytes"] > 0


def test_glib_floor():
    # what GLib alone costs for the same work, no service involved
    line = run("glib_floor", 1000, 100, 100, impl="glib")
    assert line["short_n"] == 1000 and line["long_n"] == 100 and line["calls"] == 100
    assert line["round_trip_p50_us"] <= line["round_trip_p99_us"]


def test_unknown_workload_says_how_to_call():
    proc = subprocess.run([BENCH, "nonsense"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=60)
    assert proc.returncode == 2
    assert "usage: mode-bench" in proc.stderr
    assert proc.stdout == ""
