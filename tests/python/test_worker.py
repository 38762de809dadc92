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
    assert any("Worker [running]" in line for line in worker.stderr)  # labelled as in Mode
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


# A worker with hooks and options of its own: the options are parsed with
# the worker's, their values in get_options(); each hook says when it runs.
OPTIONS_SCRIPT = textwrap.dedent(
    """
    import sys

    import gi

    gi.require_version("GLib", "2.0")
    gi.require_version("Mode", "1.0")

    from gi.repository import GLib, Mode

    ACTION = sys.argv[1]
    TYPES = {"web-port": "i", "web-bind": "s", "graph": "ay", "verbose": "b",
             "tag": "as", "ratio": "d"}


    class App(Mode.Service):
        __gtype_name__ = "PyOptionsApp"


    class Worker(Mode.Worker):
        __gtype_name__ = "PyOptionsWorker"

        def do_on_setup_logging(self):
            print("hook on_setup_logging", self.props.loglevel, flush=True)
            return Mode.Worker.do_on_setup_logging(self)

        def do_on_execute(self):
            print("hook on_execute", self.get_state().value_nick, flush=True)
            options = self.get_options()
            for name, kind in TYPES.items():
                value = options.lookup_value(name, GLib.VariantType(kind))
                if value is not None and kind == "ay":
                    value = value.get_bytestring().decode()
                elif value is not None:
                    value = value.unpack()
                print("option %s=%r" % (name, value), flush=True)
            port = options.lookup_value("web-port", GLib.VariantType("i"))
            if port is not None and not 0 <= port.unpack() < 65536:
                raise GLib.Error.new_literal(GLib.option_error_quark(),
                                             "Not a port: %d" % port.unpack(),
                                             GLib.OptionError.BAD_VALUE)
            if ACTION == "fail":
                raise GLib.Error.new_literal(Mode.error_quark(), "no database",
                                             Mode.Error.FAILED)
            self.add_service(App(label="App"))
            return True

        def do_on_worker_shutdown(self, exit_status):
            print("hook on_worker_shutdown", exit_status, self.get_state().value_nick,
                  flush=True)


    worker = Worker(daemon=False, loglevel="warning")
    NONE = GLib.OptionFlags.NONE
    worker.add_main_option("web-port", ord("p"), NONE, GLib.OptionArg.INT,
                           "The Webserver's port (8000; 0 for any free port)", "PORT")
    worker.add_main_option("web-bind", 0, NONE, GLib.OptionArg.STRING,
                           "The Webserver's address (127.0.0.1)", "ADDRESS")
    worker.add_main_option("graph", 0, NONE, GLib.OptionArg.FILENAME,
                           "Draw the tree of services", "PATH")
    worker.add_main_option("verbose", ord("v"), NONE, GLib.OptionArg.NONE, "Say more", None)
    worker.add_main_option("tag", 0, NONE, GLib.OptionArg.STRING_ARRAY, "A tag", "TAG")
    worker.add_main_option("ratio", 0, NONE, GLib.OptionArg.DOUBLE, "A ratio", "RATIO")
    sys.exit(worker.execute_from_commandline([sys.argv[0]] + sys.argv[2:]))
    """
)


@pytest.fixture
def options_script(tmp_path):
    path = tmp_path / "options.py"
    path.write_text(OPTIONS_SCRIPT)
    return path


def test_program_options(options_script):
    status, out, err = Worker(options_script, "run", "-p", "0", "--web-bind", "::1",
                              "--graph", "tree.png", "-v", "--tag", "a", "--tag=b",
                              "--ratio", "0.5", "-l", "info").finish()

    assert status == 0, err
    # the hooks in order: the options parsed once, with the worker's (-l)
    assert out.splitlines() == [
        "hook on_setup_logging info",
        "hook on_execute init",
        "option web-port=0",
        "option web-bind='::1'",
        "option graph='tree.png'",
        "option verbose=True",
        "option tag=['a', 'b']",
        "option ratio=0.5",
        "Worker ready",
        "hook on_worker_shutdown 0 shutdown",
    ]
    # the service on_execute added ran
    assert "[^-App]: Starting..." in err


def test_program_options_absent(options_script):
    status, out, err = Worker(options_script, "run").finish()

    assert status == 0, err
    assert "hook on_setup_logging warning" in out
    for name in ("web-port", "web-bind", "graph", "verbose", "tag", "ratio"):
        assert "option %s=None\n" % name in out


def test_program_options_help(options_script):
    status, out, err = Worker(options_script, "run", "--help").finish()

    assert status == 0, err
    for line in (r"-p, --web-port=PORT\s+The Webserver's port \(8000; 0 for any free port\)",
                 r"--web-bind=ADDRESS\s+The Webserver's address \(127\.0\.0\.1\)",
                 r"--graph=PATH\s+Draw the tree of services",
                 r"-v, --verbose\s+Say more",
                 r"-l, --loglevel=LEVEL\s+Logging level: .*"):
        assert re.search("^ +" + line + "$", out, re.M), out
    assert "hook" not in out


@pytest.mark.parametrize("args,line", [
    (["-p", "x"], "Cannot parse integer value “x” for -p"),
    (["--ratio", "half"], "Cannot parse double value “half” for --ratio"),
    (["--web-port", "70000"], "Not a port: 70000"),
], ids=["not-an-integer", "not-a-double", "refused-by-on_execute"])
def test_program_options_bad_value(options_script, args, line):
    status, out, err = Worker(options_script, "run", *args).finish()

    assert status == 64, err
    assert line + "\n" in err
    assert "Worker ready" not in out
    assert "on_worker_shutdown" not in out


def test_on_execute_fails(options_script):
    status, out, err = Worker(options_script, "fail").finish()

    assert status == 1, err
    assert "no database\n" in err
    assert "Worker ready" not in out
    assert "on_worker_shutdown" not in out


def test_properties_for_overrides(tmp_path):
    # what Mode.Worker(*services, loglevel=..., debug=...) is made of
    path = tmp_path / "props.py"
    path.write_text(textwrap.dedent(
        """
        import sys

        import gi

        gi.require_version("Mode", "1.0")

        from gi.repository import Mode

        worker = Mode.Worker(loglevel="debug", debug=True, daemon=False)
        assert worker.props.loglevel == "debug"
        assert worker.props.debug
        worker.add_service(Mode.Service(label="App"))
        status = worker.execute_from_commandline([sys.argv[0], "-q"])
        assert worker.props.quiet
        print("status", status, flush=True)
        sys.exit(status)
        """
    ))
    status, out, err = Worker(path, "run").finish()

    assert status == 0, err
    assert out == "status 0\n"
    # debug logging: the routine lines are there
    assert re.search(r": DEBUG\]: |: INFO\]: \[\^-App\]: Starting\.\.\.", err), err
