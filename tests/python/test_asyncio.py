# SPDX-License-Identifier: BSD-3-Clause
"""Python as Mode's users write it, on asyncio running on GLib's main
loop (Mode.install_event_loop()): awaitable calls with Mode's short
names, coroutine hooks and tasks cancelled at their await by a stop,
@Mode.task and @Mode.timer, self.log, ServiceThread.call() and a
ServiceThread's own loop, and what an await says without such a loop.

One loop for the whole module, on the default main context: with
python3-gbulb, the loop asyncio.run() closes cannot be made again on
the default context, so every test runs on the same one."""

import asyncio
import os
import signal
import subprocess
import sys
import textwrap

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gio", "2.0")
gi.require_version("Mode", "1.0")

from gi.repository import Gio, GLib, Mode  # noqa: E402

import pytest  # noqa: E402

from modetest import TIMEOUT_SECONDS  # noqa: E402

USEC = 1_000_000

Mode.install_event_loop()
LOOP = asyncio.get_event_loop_policy().get_event_loop()


def run(coro):
    """Runs @coro on the module's loop, bounded by TIMEOUT_SECONDS."""
    return LOOP.run_until_complete(asyncio.wait_for(coro, TIMEOUT_SECONDS))


async def until(done, what="it"):
    """Lets the loop run until done() is true (the caller's bound applies)."""
    while not done():
        await asyncio.sleep(0.001)


@pytest.fixture(autouse=True)
def no_leftover_tasks():
    yield
    pending = [t for t in asyncio.all_tasks(LOOP) if not t.done()]
    for t in pending:
        t.cancel()
    assert not pending, pending


# Installing the loop {{{


def test_install_event_loop_is_idempotent():
    policy = asyncio.get_event_loop_policy()
    assert Mode.install_event_loop() is policy
    assert Mode.install_event_loop() is policy
    assert any(c.__module__.startswith(("gbulb", "gi.events")) for c in type(LOOP).__mro__)
    assert LOOP._context == GLib.MainContext.default() if hasattr(LOOP, "_context") else True


def test_await_needs_a_loop_on_glib():
    """Without a GLib loop the call goes on as with no callback, and
    awaiting it says what to install; under a loop that does not run on
    GLib the call itself says so."""
    svc = Mode.Service(label="NoLoop")
    pending = svc.start()  # no loop runs here
    with pytest.raises(RuntimeError, match="install_event_loop"):
        pending.__await__().__next__()
    ctx = GLib.MainContext.default()
    while svc.props.state != Mode.ServiceState.RUNNING:
        ctx.iteration(True)

    async def plain():
        await svc.stop()

    other = asyncio.SelectorEventLoop()
    try:
        with pytest.raises(RuntimeError, match="install_event_loop"):
            other.run_until_complete(plain())
    finally:
        other.close()

    async def stop():
        return await svc.stop()

    assert run(stop()) is True


# }}}

# Awaitable calls {{{


def test_short_names_and_async_without_callback():
    child = Mode.Service(label="Child")
    svc = Mode.Service(label="Parent")

    async def main():
        assert await svc.start() is True
        assert svc.props.state == Mode.ServiceState.RUNNING
        assert await svc.maybe_start() is False
        added = await svc.add_runtime_dependency(child)
        assert added is child
        assert child.props.state == Mode.ServiceState.RUNNING
        assert await svc.remove_dependency(child) is True
        assert child.props.state == Mode.ServiceState.SHUTDOWN
        assert await svc.restart_async() is True
        assert await svc.sleep(0.001) is True
        event = Mode.Event()
        LOOP.call_soon(event.set)
        assert await svc.wait(event, 10.0) is True
        waiter = asyncio.ensure_future(svc.wait_until_stopped())
        assert await svc.stop(None) is True
        assert await waiter is True

    run(main())


def test_callback_forms_work_without_a_running_loop():
    """No asyncio loop runs here: the callback forms and the context's
    own iteration work as they always did."""
    svc = Mode.Service(label="Plain")
    results = []
    ctx = GLib.MainContext.default()
    svc.start_async(None, lambda s, r: results.append(s.start_finish(r)))
    while not results:
        ctx.iteration(True)
    svc.sleep_async(0.001, None, lambda s, r: results.append(s.sleep_finish(r)))
    while len(results) < 2:
        ctx.iteration(True)
    svc.stop_async(None, lambda s, r: results.append(s.stop_finish(r)))
    while len(results) < 3:
        ctx.iteration(True)
    assert results == [True, True, True]


def test_wait_any_and_wait_all():
    svc = Mode.Service(label="Waiter")
    first, second = Mode.Event(), Mode.Event()

    async def main():
        await svc.start()
        LOOP.call_soon(second.set)
        assert await svc.wait_any([first, second], 10.0) == (True, 1)
        LOOP.call_soon(first.set)
        assert await svc.wait_all([first, second], 10.0) is True
        await svc.stop()

    run(main())


def test_calls_in_flight_twice_join():
    """Two starts awaited at once join (as two calls of the engine do);
    so do two stops, and a start awaited while the stop runs ends with
    the stop's outcome."""
    svc = SlowStart()

    async def main():
        first = asyncio.ensure_future(svc.start())
        second = asyncio.ensure_future(svc.start())
        await svc.entered.wait()
        stops = asyncio.gather(svc.stop(), svc.stop())
        assert await stops == [True, True]
        for start in (first, second):
            with pytest.raises(GLib.Error):
                await start

    run(main())
    assert svc.events.count("cancelled") == 1
    assert svc.props.state == Mode.ServiceState.SHUTDOWN


def test_callback_forms_still_work():
    svc = Mode.Service(label="Callbacks")
    results = []

    async def main():
        svc.start_async(None, lambda s, r: results.append(s.start_finish(r)))
        await until(lambda: results)
        svc.stop_async(None, lambda s, r, data: results.append((s.stop_finish(r), data)), "x")
        await until(lambda: len(results) == 2)

    run(main())
    assert results == [True, (True, "x")]


def test_errors_raise_at_the_await():
    svc = Mode.Service(label="Cycle")

    async def main():
        with pytest.raises(GLib.Error) as info:
            await svc.add_runtime_dependency(svc)
        return info.value

    error = run(main())
    assert error.domain == GLib.quark_to_string(Mode.error_quark())


def test_cancelling_the_await_cancels_the_call():
    svc = Mode.Service(label="Sleeper")

    async def main():
        await svc.start()
        sleeper = asyncio.ensure_future(svc.sleep(3600.0))
        await asyncio.sleep(0)
        sleeper.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sleeper
        # the sleep ended in the library too: a stop has nothing to wake
        await svc.stop()

    run(main())


def test_event_wait():
    event = Mode.Event()

    async def main():
        LOOP.call_soon(event.set)
        assert await event.wait() is True

    run(main())


def test_queue_put_and_get():
    svc = Mode.Service(label="Owner")
    queue = Mode.Queue(capacity=2, service=svc)
    got = []

    async def producer():
        for i in range(100):
            await queue.put({"n": i})

    async def consumer():
        for _ in range(100):
            got.append((await queue.get())["n"])

    async def main():
        await svc.start()
        await asyncio.gather(producer(), consumer())
        waiting = asyncio.ensure_future(queue.get())
        await asyncio.sleep(0)
        await svc.stop()
        with pytest.raises(GLib.Error, match="Owner"):
            await waiting

    run(main())
    assert got == list(range(100))


# }}}

# Coroutine hooks {{{


class Hooks(Mode.Service):
    """Mode's names, coroutines and plain functions mixed."""

    def __post_init__(self):
        self.calls = []

    async def on_first_start(self):
        await asyncio.sleep(0)
        self.calls.append("on_first_start")

    async def on_start(self):
        await asyncio.sleep(0.001)
        self.calls.append("on_start")

    def on_started(self):
        self.calls.append("on_started")

    async def on_stop(self):
        await asyncio.sleep(0)
        self.calls.append("on_stop")

    async def on_shutdown(self):
        self.calls.append("on_shutdown")

    async def on_restart(self):
        self.calls.append("on_restart")


def test_mode_hook_names():
    svc = Hooks()
    assert svc.get_label() == "Hooks"

    async def main():
        await svc.start()
        await svc.restart()
        await svc.stop()

    run(main())
    assert svc.calls == [
        "on_first_start", "on_start", "on_started",
        "on_stop", "on_shutdown", "on_restart", "on_start", "on_started",
        "on_stop", "on_shutdown",
    ]


class GiHooks(Mode.Service):
    """GI's names as coroutines: do_on_start(self, cancellable)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = []

    async def do_on_start(self, cancellable):
        assert isinstance(cancellable, Gio.Cancellable)
        await asyncio.sleep(0)
        self.calls.append("do_on_start")

    async def do_on_stop(self, cancellable):
        self.calls.append("do_on_stop")


class GiHooksSync(GiHooks):
    """A plain hook below a coroutine one: the most derived runs."""

    def do_on_start(self, cancellable):
        self.calls.append("sync do_on_start")


def test_gi_hook_names_as_coroutines():
    svc = GiHooks(label="Gi")
    sub = GiHooksSync(label="GiSync")

    async def main():
        await svc.start()
        await svc.stop()
        await sub.start()
        await sub.stop()

    run(main())
    assert svc.calls == ["do_on_start", "do_on_stop"]
    assert sub.calls == ["sync do_on_start", "do_on_stop"]


class SlowStart(Mode.Service):
    def __post_init__(self):
        self.events = []
        self.entered = asyncio.Event()

    async def on_start(self):
        self.entered.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.events.append("cancelled")
            raise
        self.events.append("slept")

    async def on_stop(self):
        self.events.append("on_stop")


def test_stop_cancels_a_coroutine_start_hook():
    svc = SlowStart()

    async def main():
        starting = asyncio.ensure_future(svc.start())
        await svc.entered.wait()
        assert await svc.stop() is True
        with pytest.raises(GLib.Error):
            await starting

    run(main())
    assert svc.events[0] == "cancelled"
    assert "slept" not in svc.events
    assert svc.props.state == Mode.ServiceState.SHUTDOWN


class Failing(Mode.Service):
    async def on_start(self):
        await asyncio.sleep(0)
        raise ValueError("boom")


def test_exception_in_a_coroutine_hook_fails_the_start(capfd):
    svc = Failing()

    async def main():
        with pytest.raises(GLib.Error) as info:
            await svc.start()
        return info.value

    error = run(main())
    assert error.message.endswith("Service Failing: on_start failed: ValueError: boom")
    err = capfd.readouterr().err
    assert err.count("Traceback (most recent call last):") == 1, err
    assert "Exception in on_start of service Failing" in err
    assert svc.props.state == Mode.ServiceState.CRASHED


# }}}

# Tasks and timers {{{


class Beats(Mode.Service):
    def __post_init__(self):
        self.beats = 0
        self.finally_ran = False
        self.fired = []

    @Mode.task
    async def beat(self):
        try:
            while True:
                await self.sleep(0.001)
                self.beats += 1
        finally:
            self.finally_ran = True

    @Mode.timer(1.0)
    def tick(self):
        self.fired.append("tick")

    @Mode.timer(2.0)
    async def slow_tick(self):
        await asyncio.sleep(0)
        self.fired.append("slow_tick")


def test_decorated_task_is_cancelled_and_joined_at_stop():
    svc = Beats()

    async def main():
        await svc.start()
        await until(lambda: svc.beats >= 3)
        await svc.stop()
        # the stop waited for the coroutine: its finally ran before
        assert svc.finally_ran

    run(main())


def test_decorated_timers_tick_on_the_clock():
    clock = Mode.Clock.new_manual()
    svc = Beats(clock=clock)

    async def main():
        await svc.start()
        clock.advance(2 * USEC)
        await until(lambda: svc.fired.count("tick") >= 2 and "slow_tick" in svc.fired)
        await svc.stop()

    run(main())
    assert sorted(set(svc.fired)) == ["slow_tick", "tick"]


class Scheduled(Mode.Service):
    def __post_init__(self):
        self.runs = []

    @Mode.timer(3600.0, exec_first=True)
    async def first(self):
        await asyncio.sleep(0)
        self.runs.append("first")

    @Mode.crontab("*/5 * * * *", timezone="Europe/Berlin")
    async def every_five_minutes(self):
        self.runs.append("cron")


def test_exec_first_and_crontab_decorators():
    clock = Mode.Clock.new_manual()  # its time: microseconds since 1970 UTC
    svc = Scheduled(clock=clock)

    async def main():
        await svc.start()
        await until(lambda: svc.runs == ["first"])
        clock.advance(5 * 60 * USEC)
        await until(lambda: svc.runs.count("cron") == 1)
        clock.advance(5 * 60 * USEC)
        await until(lambda: svc.runs.count("cron") == 2)
        await svc.stop()

    run(main())
    assert svc.runs.count("first") == 1


def test_crontab_refuses_a_bad_expression():
    with pytest.raises(GLib.Error, match="minute"):
        class Bad(Mode.Service):
            @Mode.crontab("61 * * * *")
            def never(self):
                pass


class Spawner(Mode.Service):
    def __post_init__(self):
        self.done = []

    async def job(self, name):
        await asyncio.sleep(0)
        self.done.append(name)

    async def on_started(self):
        self.spawn("by-function", self.job, "function")
        self.spawn("by-coroutine", self.job("coroutine"))
        self.add_future(self.job("future"))


def test_spawn_and_add_future_take_coroutines():
    svc = Spawner()

    async def main():
        await svc.start()
        await until(lambda: len(svc.done) == 3)
        await svc.stop()

    run(main())
    assert sorted(svc.done) == ["coroutine", "function", "future"]


class CrashingTask(Mode.Service):
    @Mode.task
    async def work(self):
        await asyncio.sleep(0)
        raise KeyError("gone")


def test_exception_in_a_coroutine_task_crashes(capfd):
    svc = CrashingTask()
    crashed = []
    svc.connect("crashed", lambda s, reason: crashed.append(reason.message))

    async def main():
        await svc.start()
        await until(lambda: crashed)
        await svc.stop()

    run(main())
    assert crashed == ["KeyError: 'gone'"]
    err = capfd.readouterr().err
    assert err.count("Traceback (most recent call last):") == 1, err


# }}}

# self.log {{{


def test_self_log_carries_the_label(capfd):
    svc = Mode.Service(label="Logger")
    svc.log.info("at info %s", 1)
    svc.log.warning("careful %d", 2)
    try:
        raise OSError("disk")
    except OSError:
        svc.log.exception("it failed")
    svc.log(GLib.LogLevelFlags.LEVEL_MESSAGE, "as the C method")
    err = capfd.readouterr().err
    assert "[^Logger]: careful 2" in err
    assert "[^Logger]: it failed\nTraceback (most recent call last):" in err
    assert "OSError: disk" in err
    assert "[^Logger]: as the C method" in err


def test_self_log_can_be_shadowed():
    svc = Mode.Service(label="Shadow")
    svc.log = ["mine"]
    assert svc.log == ["mine"]


# }}}

# ServiceThread {{{


class Web(Mode.ServiceThread):
    """Serves a line protocol with asyncio.start_server on its own loop."""

    def __post_init__(self):
        self.port = None
        self.server = None
        self.thread_loop = None

    async def on_start(self):
        self.thread_loop = self.loop
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def on_thread_started(self):
        await asyncio.sleep(0)
        self.thread_started_on = asyncio.get_running_loop()

    async def serve(self, reader, writer):
        line = await reader.readline()
        writer.write(b"echo " + line)
        await writer.drain()
        writer.close()

    async def on_thread_stop(self):
        self.server.close()


def test_service_thread_loop_serves_and_call_returns_values():
    web = Web()

    async def main():
        await web.start()
        assert web.thread_loop is not LOOP
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"hello\n")
        assert await reader.readline() == b"echo hello\n"
        writer.close()
        value = await web.call(lambda a, b: {"sum": a + b}, 2, 3)
        assert value == {"sum": 5}

        async def in_thread():
            await asyncio.sleep(0)
            return asyncio.get_running_loop()

        assert await web.call(in_thread) is web.thread_loop
        await until(lambda: getattr(web, "thread_started_on", None) is not None)
        assert web.thread_started_on is web.thread_loop
        with pytest.raises(GLib.Error, match="ZeroDivisionError"):
            await web.call(lambda: 1 / 0)
        await web.stop()

    run(main())
    assert web.thread_loop.is_closed()


# }}}

# The worker {{{

WORKER = textwrap.dedent("""
    import asyncio, sys
    import gi
    gi.require_version("Mode", "1.0")
    from gi.repository import Mode

    class Tick(Mode.Service):
        async def on_start(self):
            await asyncio.sleep(0)
            print("started", worker.option("count"), worker.option("name"),
                  worker.option("ratio"), worker.option("fast"), flush=True)

        @Mode.task
        async def work(self):
            while True:
                await self.sleep(0.01)

        async def on_stop(self):
            print("stopping", flush=True)

    class MyWorker(Mode.Worker):
        def on_execute(self):
            if self.option("count") < 0:
                raise ValueError("count must not be negative")

    worker = MyWorker(Tick(), loglevel="info")
    worker.add_option("count", 3, "How many", "N")
    worker.add_option("name", "none", "A name", "NAME")
    worker.add_option("ratio", 0.5, "A ratio", "R")
    worker.add_option("fast", False, "Go fast", short_name="F")
    worker.execute_from_commandline()
""")


def worker(*args):
    return subprocess.Popen([sys.executable, "-c", WORKER] + list(args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=os.environ)


def test_worker_with_services_and_options_exits_with_its_status():
    proc = worker("--count", "7", "-F", "--name=x")
    try:
        assert proc.stdout.readline() == "started 7 x 0.5 True\n"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=TIMEOUT_SECONDS)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0, err
    assert "stopping" in out
    assert "[^MyWorker]: Stopping..." in err


def test_worker_option_defaults_and_on_execute_error():
    proc = worker("--count", "-1")
    try:
        out, err = proc.communicate(timeout=TIMEOUT_SECONDS)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 1, err
    assert "on_execute failed: ValueError: count must not be negative" in err
    assert "started" not in out


# }}}


# Parallel start {{{


class Slow(Mode.Service):
    """Its start takes until the test says."""

    def __init__(self, gate, log, **kwargs):
        super().__init__(**kwargs)
        self.gate, self.trace = gate, log

    async def on_start(self):
        self.trace.append("begin " + self.get_label())
        await self.gate.wait()
        self.trace.append("end " + self.get_label())


def test_parallel_start_of_dependencies():
    trace = []
    gate = asyncio.Event()
    app = Mode.Service(label="App", start_dependencies=Mode.DependencyStart.PARALLEL)
    assert app.props.start_dependencies == Mode.DependencyStart.PARALLEL
    for name in ("A", "B", "C"):
        app.add_dependency(Slow(gate, trace, label=name))

    async def main():
        starting = asyncio.ensure_future(app.start())
        await until(lambda: len(trace) == 3)
        assert trace == ["begin A", "begin B", "begin C"]  # all at once
        gate.set()
        assert await starting is True
        await app.stop()

    run(main())
    assert sorted(trace[3:]) == ["end A", "end B", "end C"]


# }}}
