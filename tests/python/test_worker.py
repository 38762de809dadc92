# SPDX-License-Identifier: BSD-3-Clause
"""Mode.Worker over GObject-Introspection: a Python program of services
run by a worker in a subprocess, stopped by signals or by a crash."""

import os
import re
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

# A bound for a worker that never says it is ready or never exits, not a
# delay: the tests go on as soon as the worker answers.
TIMEOUT = 60

SCRIPT = textwrap.dedent(
    """
    import sys

    import gi

    gi.require_version("GLib", "2.0")
    gi.require_version("Mode", "1.0")

    from gi.repository import GLib, Mode

    ACTION = sys.argv[1]


    class App(Mode.Service):
        __gtype_name__ = "PyWorkerApp"

        def do_on_started(self, cancellable):
            if ACTION == "crash":
                # once the worker said it is ready
                GLib.idle_add(self.crash_now, priority=GLib.PRIORITY_LOW)

        def crash_now(self):
            self.crash(GLib.Error.new_literal(Mode.error_quark(), "boom", Mode.Error.FAILED))
            return GLib.SOURCE_REMOVE

        def do_on_shutdown(self, cancellable):
            print("App shut down", flush=True)


    worker = Mode.Worker()
    worker.add_service(App(label="App"))
    sys.exit(worker.execute_from_commandline([sys.argv[0]] + sys.argv[2:]))
    """
)


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "worker.py"
    path.write_text(SCRIPT)
    return path


class Worker:
    """The worker script running in a subprocess."""

    def __init__(self, script, action, *args):
        self.proc = subprocess.Popen(
            [sys.executable, str(script), action, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        self.stdout = []
        self.stderr = []
        # kills a worker that hangs, so that a read below cannot block forever
        self.watchdog = threading.Timer(TIMEOUT, self.proc.kill)
        self.watchdog.start()

    def read_until(self, stream, lines, text):
        while True:
            line = stream.readline()
            assert line, "no %r in %r (%r)" % (text, lines, self.proc.poll())
            lines.append(line)
            if text in line:
                return

    def wait_ready(self):
        self.read_until(self.proc.stdout, self.stdout, "Worker ready")

    def wait_stderr(self, text):
        self.read_until(self.proc.stderr, self.stderr, text)

    def finish(self):
        try:
            out, err = self.proc.communicate(timeout=TIMEOUT)
        finally:
            self.watchdog.cancel()
        self.stdout.append(out)
        self.stderr.append(err)
        return self.proc.returncode, "".join(self.stdout), "".join(self.stderr)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops(script, signum):
    worker = Worker(script, "run", "-l", "info")
    worker.wait_ready()
    worker.proc.send_signal(signum)
    status, out, err = worker.finish()

    assert status == 0, err
    assert "App shut down" in out
    assert "Signal received: %s" % signal.Signals(signum).name in err
    assert "crashed" not in err
    stamp = r"\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}: INFO\]: "
    assert re.search("^" + stamp + r"\[\^-App\]: Starting\.\.\.$", err, re.M), err
    assert re.search("^" + stamp + r"\[\^-App\]: Stopping\.\.\.$", err, re.M), err


def test_sigusr1_describes(script):
    worker = Worker(script, "run")
    worker.wait_ready()
    worker.proc.send_signal(signal.SIGUSR1)
    worker.wait_stderr("App [running]")
    assert any("ModeWorker [running]" in line for line in worker.stderr)
    # still running: it stops when told to
    assert worker.proc.poll() is None
    worker.proc.send_signal(signal.SIGTERM)
    status, out, err = worker.finish()

    assert status == 0, err
    assert "App shut down" in out


def test_crash(script):
    worker = Worker(script, "crash")
    status, out, err = worker.finish()

    assert status == 1, err
    assert "Worker ready" in out
    assert "App shut down" in out
    # the service where the crash began, not the worker
    assert "\nApp crashed: boom\n" in err
    assert "[^-App]: Crashed reason=boom" in err


def test_bogus_option(script):
    status, out, err = Worker(script, "run", "--bogus").finish()

    assert status == 64
    assert "--bogus" in err
    assert "Worker ready" not in out


# Values the options do not take: (arguments, the line that refuses them),
# where "." stands for each quotation mark around the value.
BAD_VALUES = {
    "loglevel": (["-l", "chatty"], r"--loglevel: .chatty. \("),
    "loglevel-empty": (["--loglevel", ""], r"--loglevel: .. \("),
    "logfile-empty": (["--logfile", ""], r"--logfile: ..$"),
    "blocking-timeout-negative": (["--blocking-timeout", "-5"], r"--blocking-timeout: .-5. \("),
    "blocking-timeout-zero": (["--blocking-timeout", "0"], r"--blocking-timeout: .0. \("),
    "blocking-timeout-too-short": (["--blocking-timeout", "0.0001"],
                                   r"--blocking-timeout: .0\.0001. \("),
    "blocking-timeout-too-long": (["--blocking-timeout", "86401"],
                                  r"--blocking-timeout: .86401. \("),
    "blocking-timeout-nan": (["--blocking-timeout", "nan"], r"--blocking-timeout: .nan. \("),
    "blocking-timeout-inf": (["--blocking-timeout=inf"], r"--blocking-timeout: .inf. \("),
    "blocking-timeout-overflow": (["--blocking-timeout", "1e400"],
                                  r"--blocking-timeout: .1e400. \("),
    "blocking-timeout-empty": (["--blocking-timeout", ""], r"--blocking-timeout: .. \("),
    "blocking-timeout-not-a-number": (["--blocking-timeout", "5s"],
                                      r"--blocking-timeout: .5s. \("),
    "argument": (["-q", "extra"], r"argument: .extra.$"),
}


@pytest.mark.parametrize("args,line", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_bad_value(script, args, line):
    status, out, err = Worker(script, "run", *args).finish()

    assert status == 64, err
    assert re.search(line, err, re.M), err
    assert "Worker ready" not in out
    assert "App shut down" not in out


@pytest.mark.parametrize("seconds", ["0.001", "86400"])
def test_blocking_timeout_bounds(script, seconds):
    worker = Worker(script, "run", "--blocking-timeout", seconds)
    worker.wait_ready()
    worker.proc.send_signal(signal.SIGTERM)
    status, out, err = worker.finish()

    assert status == 0, err
    assert "App shut down" in out
