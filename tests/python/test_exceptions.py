# SPDX-License-Identifier: BSD-3-Clause
"""Exceptions in Python code the library calls keep their meaning: each
becomes an error with the exception's type and message (a GLib.Error is
kept as it is), which fails the hook, completes the task, crashes the
service or is logged, as the module documentation of the override says;
and its traceback is logged once, in the "Mode" log domain.

The log is read from the process's stderr (pytest's capfd), where GLib's
default writer puts it and where PyGObject would print a traceback of
its own: so "once" counts both."""

import gc
import os
import re
import subprocess
import sys
import textwrap
import threading

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gio", "2.0")
gi.require_version("GObject", "2.0")
gi.require_version("Mode", "1.0")

from gi.repository import Gio, GLib, GObject, Mode  # noqa: E402

import pytest  # noqa: E402

from modetest import TIMEOUT_SECONDS, call, start, stop, wait_until  # noqa: E402

USEC = 1_000_000
TRACEBACK = "Traceback (most recent call last):"


def drain(ctx):
    while ctx.iteration(False):
        pass


def my_domain():
    return GLib.quark_from_string("test-exceptions-domain")


def assert_failed(error, text):
    """@error is Mode.Error.FAILED and its message ends with @text."""
    assert isinstance(error, GLib.Error)
    assert error.matches(Mode.error_quark(), Mode.Error.FAILED), error
    assert error.message.endswith(text), error.message


def logged(capfd, label, what, last_line, shortlabel=None, depth=0):
    """The log in stderr holds one traceback, the one logged for @what of
    @label, which ends with @last_line; returns the log."""
    err = capfd.readouterr().err
    assert err.count(TRACEBACK) == 1, err
    prefix = "[^" + "-" * depth + (shortlabel or label) + "]: "
    header = "%sException in %s of service %s:" % (prefix, what, label)
    match = re.search(r"^Mode-Message: [0-9:.]+: " + re.escape(header) + "\n"
                      + re.escape(TRACEBACK) + "\n", err, re.MULTILINE)
    assert match, err
    block = err[match.end():]
    # the traceback's frames are indented; its last line is the exception
    lines = block.split("\n")
    end = next(i for i, line in enumerate(lines) if not line.startswith(" "))
    assert lines[end] == last_line, err
    assert "CRITICAL" not in err and "WARNING" not in err, err
    return err


class Hooked(Mode.Service):
    """Raises from the hook named in @fail_in."""

    __gtype_name__ = "PyExcHooked"

    def __init__(self, fail_in=None, exc=None, **kwargs):
        super().__init__(**kwargs)
        self.fail_in = fail_in
        self.exc = exc
        self.trace = []

    def hook(self, name):
        self.trace.append(name)
        if name == self.fail_in:
            raise self.exc

    def do_on_first_start(self, cancellable):
        self.hook("on_first_start")

    def do_on_start(self, cancellable):
        self.hook("on_start")

    def do_on_started(self, cancellable):
        self.hook("on_started")

    def do_on_stop(self, cancellable):
        self.hook("on_stop")

    def do_on_shutdown(self, cancellable):
        self.hook("on_shutdown")


def start_error(ctx, service):
    with pytest.raises(GLib.Error) as info:
        start(ctx, service)
    return info.value


# Hooks


@pytest.mark.parametrize("hook", ["on_first_start", "on_start", "on_started"])
def test_start_hook_raising_value_error_fails_and_crashes(context, clock, capfd, hook):
    service = Hooked(hook, ValueError("no port"), label="Web", clock=clock)
    error = start_error(context, service)
    assert_failed(error, "ValueError: no port")
    assert error.message == "Service Web: %s failed: ValueError: no port" % hook
    assert service.get_crashed()
    assert service.get_state() == Mode.ServiceState.CRASHED
    assert service.get_crash_reason().message == error.message
    logged(capfd, "Web", hook, "ValueError: no port")
    assert stop(context, service)


def test_start_hook_raising_glib_error_keeps_it(context, clock, capfd):
    service = Hooked("on_start", GLib.Error.new_literal(my_domain(), "no port", 7),
                     label="Web", clock=clock)
    error = start_error(context, service)
    assert error.domain == "test-exceptions-domain"
    assert error.code == 7
    assert error.message == "no port"
    assert service.get_crashed()
    assert service.get_crash_reason().message == "no port"
    logged(capfd, "Web", "on_start",
           "gi.repository.GLib.GError: test-exceptions-domain: no port (7)")
    assert stop(context, service)


class PortError(Exception):
    pass


def test_user_exception_class_is_named_with_its_module(context, clock, capfd):
    service = Hooked("on_start", PortError(), label="Web", clock=clock)
    error = start_error(context, service)
    # no message: the type alone, as Python prints it
    assert_failed(error, ": on_start failed: test_exceptions.PortError")
    logged(capfd, "Web", "on_start", "test_exceptions.PortError")
    assert stop(context, service)


@pytest.mark.parametrize("hook", ["on_stop", "on_shutdown"])
def test_stop_hook_raising_fails_the_stop_which_goes_on(context, clock, capfd, hook):
    service = Hooked(hook, ValueError("stuck"), label="Db", clock=clock)
    start(context, service)
    capfd.readouterr()
    with pytest.raises(GLib.Error) as info:
        stop(context, service)
    assert info.value.message == "Service Db: %s failed: ValueError: stuck" % hook
    assert_failed(info.value, "ValueError: stuck")
    # every step of the stop ran all the same
    assert service.get_state() == Mode.ServiceState.SHUTDOWN
    assert service.trace == ["on_first_start", "on_start", "on_started", "on_stop", "on_shutdown"]
    assert not service.get_crashed()
    err = logged(capfd, "Db", hook, "ValueError: stuck")
    assert "[^Db]: Error in %s: Service Db: %s failed: ValueError: stuck" % (hook, hook) in err


def test_hook_calling_its_parent_class_hook_is_logged_once(context, clock, capfd):
    class Derived(Hooked):
        def do_on_start(self, cancellable):
            Hooked.do_on_start(self, cancellable)

    service = Derived("on_start", ValueError("no port"), label="Web", clock=clock)
    error = start_error(context, service)
    # the parent's hook made the error; the derived one passed it on
    assert error.message == "Service Web: on_start failed: ValueError: no port"
    logged(capfd, "Web", "on_start", "ValueError: no port")
    assert stop(context, service)


def test_child_hook_is_logged_with_the_child_prefix(context, clock, capfd):
    root = Mode.Service(label="Root", clock=clock)
    child = Hooked("on_start", ValueError("bad config"), label="app.Child", clock=clock)
    child.props.shortlabel = "Child"
    root.add_dependency(child)
    error = start_error(context, root)
    assert error.message == "Service app.Child: on_start failed: ValueError: bad config"
    assert root.get_crashed()
    logged(capfd, "app.Child", "on_start", "ValueError: bad config",
           shortlabel="Child", depth=1)
    assert stop(context, root)


class AsyncHooked(Mode.Service):
    __gtype_name__ = "PyExcAsyncHooked"

    def __init__(self, complete_first=False, exc=None, **kwargs):
        super().__init__(**kwargs)
        self.complete_first = complete_first
        self.exc = exc

    def do_on_start_async(self, cancellable, task):
        if self.complete_first:
            task.return_boolean(True)
        raise self.exc


def test_async_hook_raising_fails_its_task(context, clock, capfd):
    service = AsyncHooked(exc=ValueError("late"), label="Slow", clock=clock)
    error = start_error(context, service)
    assert error.message == "Service Slow: on_start_async failed: ValueError: late"
    assert_failed(error, "ValueError: late")
    assert service.get_crashed()
    logged(capfd, "Slow", "on_start_async", "ValueError: late")
    assert stop(context, service)


def test_async_hook_raising_glib_error_keeps_it(context, clock, capfd):
    service = AsyncHooked(exc=GLib.Error.new_literal(my_domain(), "refused", 3),
                          label="Slow", clock=clock)
    error = start_error(context, service)
    assert (error.domain, error.code, error.message) == ("test-exceptions-domain", 3, "refused")
    assert service.get_crashed()
    capfd.readouterr()
    assert stop(context, service)


def test_async_hook_raising_after_completing_its_task(context, clock, capfd):
    # the task is not completed twice: the start goes by the task
    service = AsyncHooked(complete_first=True, exc=ValueError("after"), label="Slow", clock=clock)
    assert start(context, service)
    drain(context)
    assert not service.get_crashed()
    assert service.get_state() == Mode.ServiceState.RUNNING
    logged(capfd, "Slow", "on_start_async", "ValueError: after")
    assert stop(context, service)


def test_init_dependencies_raising_fails_the_start(context, clock, capfd):
    class Planner(Mode.Service):
        def do_on_init_dependencies(self):
            raise LookupError("no such service")

    service = Planner(label="Planner", clock=clock)
    error = start_error(context, service)
    assert error.message == \
        "Service Planner: on_init_dependencies failed: LookupError: no such service"
    assert_failed(error, "LookupError: no such service")
    assert service.get_crashed()
    assert service.get_dependencies() == []
    logged(capfd, "Planner", "on_init_dependencies", "LookupError: no such service")
    assert stop(context, service)


def test_init_dependencies_raising_runs_no_other_hook(context, clock):
    class Planner(Hooked):
        def do_on_init_dependencies(self):
            raise LookupError("no such service")

    service = Planner(label="Planner", clock=clock)
    start_error(context, service)
    try:
        assert service.trace == []
    finally:
        stop(context, service)


# Tasks


def test_task_raising_crashes_the_service_and_the_stop_is_prompt(context, clock, capfd):
    service = Mode.Service(label="Poller", clock=clock)
    start(context, service)

    def poll(svc, task):
        raise ValueError("connection refused")

    service.spawn("poll", poll)
    wait_until(context, service.get_crashed, "the crash")
    reason = service.get_crash_reason()
    assert reason.matches(Mode.error_quark(), Mode.Error.FAILED)
    assert reason.message == "ValueError: connection refused"
    assert service.get_state() == Mode.ServiceState.CRASHED
    wait_until(context, lambda: service.get_n_tasks() == 0, "the task's end")
    # the service's clock is manual: a stop that waited for the task
    # would wait for its shutdown-timeout, which never passes
    assert stop(context, service)
    err = logged(capfd, "Poller", "task poll", "ValueError: connection refused")
    assert "[^Poller]: Crashed reason=ValueError: connection refused" in err


def test_task_raising_glib_error_keeps_it(context, clock, capfd):
    service = Mode.Service(label="Poller", clock=clock)
    start(context, service)

    def poll(svc, task, data):
        assert data == "payload"
        raise GLib.Error.new_literal(my_domain(), "gone", 9)

    service.spawn("poll", poll, "payload")
    wait_until(context, service.get_crashed, "the crash")
    reason = service.get_crash_reason()
    assert (reason.domain, reason.code, reason.message) == ("test-exceptions-domain", 9, "gone")
    assert stop(context, service)
    capfd.readouterr()


def test_add_task_raising_crashes_the_service(context, clock, capfd):
    service = Mode.Service(label="Poller", clock=clock)
    runs = []

    def poll(svc, task, data):
        runs.append(data)
        raise KeyError(data)

    service.add_task("poll", poll, "key")
    start(context, service)
    wait_until(context, service.get_crashed, "the crash")
    assert runs == ["key"]
    assert service.get_crash_reason().message == "KeyError: 'key'"
    assert stop(context, service)
    logged(capfd, "Poller", "task poll", "KeyError: 'key'")


def test_task_raising_after_completing_its_task(context, clock, capfd):
    service = Mode.Service(label="Poller", clock=clock)
    start(context, service)
    tasks = []

    def poll(svc, task):
        tasks.append(task)
        task.return_boolean(True)
        raise ValueError("after")

    service.spawn("poll", poll)
    wait_until(context, lambda: service.get_n_tasks() == 0, "the task's end")
    drain(context)
    # completed once, by the function: no error, no crash
    assert tasks[0].get_completed()
    assert not tasks[0].had_error()
    assert not service.get_crashed()
    assert stop(context, service)
    logged(capfd, "Poller", "task poll", "ValueError: after")


def test_task_raising_with_a_cancelled_cancellable(context, clock, capfd):
    # A task whose cancellable is cancelled reports had_error() before it
    # is completed: its function's error must be returned all the same,
    # or the stop waits for the task (for ever, on a manual clock).
    service = Mode.Service(label="Poller", clock=clock)
    start(context, service)
    late = []

    def late_poll(svc, task):
        late.append(task)
        assert task.get_cancellable().is_cancelled()
        assert task.had_error() and not task.get_completed()
        raise ValueError("too late")

    def waiting(svc, task):
        def cancelled(cancellable):
            # the stop cancelled the service: a task made now starts
            # cancelled
            svc.spawn("late-poll", late_poll)
            task.return_error_if_cancelled()

        GObject.Object.connect(task.get_cancellable(), "cancelled", cancelled)

    service.spawn("waiting", waiting)
    assert stop(context, service)
    assert len(late) == 1
    assert late[0].get_completed()
    assert service.get_n_tasks() == 0
    # a cancelled task's error crashes nothing
    assert not service.get_crashed()
    logged(capfd, "Poller", "task late-poll", "ValueError: too late")


class ClassTasks(Mode.Service):
    __gtype_name__ = "PyExcClassTasks"


def failing_class_task(service, task):
    raise ArithmeticError("class task")


Mode.ServiceClass.add_task_full(ClassTasks, "class-task", failing_class_task)


def test_class_task_raising_crashes_the_service(context, clock, capfd):
    service = ClassTasks(label="Classy", clock=clock)
    start(context, service)
    wait_until(context, service.get_crashed, "the crash")
    assert service.get_crash_reason().message == "ArithmeticError: class task"
    assert stop(context, service)
    logged(capfd, "Classy", "task class-task", "ArithmeticError: class task")


# Timers


def test_timer_raising_crashes_the_service(context, clock, capfd):
    service = Mode.Service(label="Ticker", clock=clock)
    ticks = []

    def tick(svc, timer, data):
        ticks.append(data)
        raise ValueError("tick %d" % len(ticks))

    timer = service.add_timer("tick", 1.0, tick, "data")
    assert isinstance(timer, Mode.Timer)
    start(context, service)
    clock.advance(USEC - 1)
    drain(context)
    assert ticks == []
    clock.advance(1)
    wait_until(context, service.get_crashed, "the crash")
    assert ticks == ["data"]
    reason = service.get_crash_reason()
    assert reason.matches(Mode.error_quark(), Mode.Error.FAILED)
    assert reason.message == "ValueError: tick 1"
    assert stop(context, service)
    logged(capfd, "Ticker", "timer tick", "ValueError: tick 1")


def test_timer_raising_glib_error_keeps_it(context, clock, capfd):
    service = Mode.Service(label="Ticker", clock=clock)

    def tick(svc, timer):
        raise GLib.Error.new_literal(my_domain(), "clock skew", 11)

    service.add_timer("tick", 1.0, tick)
    start(context, service)
    clock.advance(USEC)
    wait_until(context, service.get_crashed, "the crash")
    reason = service.get_crash_reason()
    assert (reason.domain, reason.code, reason.message) == \
        ("test-exceptions-domain", 11, "clock skew")
    assert stop(context, service)
    capfd.readouterr()


class ClassTimers(Mode.Service):
    __gtype_name__ = "PyExcClassTimers"


def failing_class_timer(service, timer):
    raise OverflowError("class timer")


Mode.ServiceClass.add_timer_full(ClassTimers, "class-timer", 2.0, failing_class_timer)


def test_class_timer_raising_crashes_the_service(context, clock, capfd):
    service = ClassTimers(label="Classy", clock=clock)
    start(context, service)
    clock.advance(2 * USEC)
    wait_until(context, service.get_crashed, "the crash")
    assert service.get_crash_reason().message == "OverflowError: class timer"
    assert stop(context, service)
    logged(capfd, "Classy", "timer class-timer", "OverflowError: class timer")


# Cleanups


def test_cleanup_raising_is_logged_and_the_stop_goes_on(context, clock, capfd):
    service = Hooked(label="Files", clock=clock)
    start(context, service)

    def close_first(svc, name):
        svc.trace.append(name)

    def close_broken(svc):
        svc.trace.append("broken")
        raise OSError("disk gone")

    service.add_cleanup(close_first, "first")
    service.add_cleanup(close_broken)
    service.add_cleanup(close_first, "last")
    service.trace.clear()
    capfd.readouterr()

    assert stop(context, service)
    # in reverse order, all of them, then on_shutdown
    assert service.trace == ["on_stop", "last", "broken", "first", "on_shutdown"]
    assert service.get_state() == Mode.ServiceState.SHUTDOWN
    assert not service.get_crashed()
    logged(capfd, "Files",
           "cleanup test_cleanup_raising_is_logged_and_the_stop_goes_on.<locals>.close_broken",
           "OSError: disk gone")


# ServiceThread


class Threaded(Mode.ServiceThread):
    __gtype_name__ = "PyExcThreaded"

    def __init__(self, fail_in=None, **kwargs):
        super().__init__(**kwargs)
        self.fail_in = fail_in
        self.stopped_thread = False

    def do_on_thread_started(self):
        if self.fail_in == "on_thread_started":
            raise ValueError("thread start")

    def do_on_thread_stop(self):
        self.stopped_thread = True
        if self.fail_in == "on_thread_stop":
            raise ValueError("thread stop")


def call_thread(ctx, svc, func, data):
    results = []
    svc.call_async(func, data, None, lambda obj, res, cb_data: results.append(res))
    wait_until(ctx, lambda: results, "the call")
    return svc.call_finish(results[0])


def test_thread_function_raising_fails_the_call(context, capfd):
    svc = Threaded(label="Remote")
    assert call(context, svc.start_async, svc.start_finish)

    def answer(service, task, data):
        raise ZeroDivisionError("divided by %d" % data)

    with pytest.raises(GLib.Error) as info:
        call_thread(context, svc, answer, 0)
    assert info.value.matches(Mode.error_quark(), Mode.Error.FAILED)
    assert info.value.message == "ZeroDivisionError: divided by 0"
    # a call's error is its caller's: the service goes on
    assert not svc.get_crashed()

    def good(service, task, data):
        task.return_value(GObject.Value(GObject.TYPE_INT, data))

    assert call_thread(context, svc, good, 5) == (True, 5)
    assert call(context, svc.stop_async, svc.stop_finish)
    logged(capfd, "Remote",
           "thread function test_thread_function_raising_fails_the_call.<locals>.answer",
           "ZeroDivisionError: divided by 0")


def test_thread_function_raising_glib_error_keeps_it(context, capfd):
    svc = Threaded(label="Remote")
    assert call(context, svc.start_async, svc.start_finish)

    def answer(service, task, data):
        raise GLib.Error.new_literal(Gio.io_error_quark(), "no route",
                                     Gio.IOErrorEnum.HOST_UNREACHABLE)

    with pytest.raises(GLib.Error) as info:
        call_thread(context, svc, answer, None)
    assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.HOST_UNREACHABLE)
    assert info.value.message == "no route"
    assert call(context, svc.stop_async, svc.stop_finish)
    capfd.readouterr()


def test_thread_function_raising_after_completing_its_task(context, capfd):
    svc = Threaded(label="Remote")
    assert call(context, svc.start_async, svc.start_finish)

    def answer(service, task, data):
        task.return_value(GObject.Value(GObject.TYPE_INT, data))
        raise ValueError("after")

    results = []
    svc.call_async(answer, 8, None, lambda obj, res, cb_data: results.append(res))
    # Calls run in order: once this cast ran, the call and all that the
    # override did after it are over, and this context, not iterated
    # meanwhile, has not run the task's callback: the task then looked
    # not completed to the thread, though it was.
    ran = threading.Event()
    svc.cast(lambda service, task: ran.set())
    assert ran.wait(TIMEOUT_SECONDS)
    wait_until(context, lambda: results, "the call")
    assert svc.call_finish(results[0]) == (True, 8)
    drain(context)
    assert call(context, svc.stop_async, svc.stop_finish)
    logged(capfd, "Remote",
           "thread function test_thread_function_raising_after_completing_its_task.<locals>.answer",
           "ValueError: after")


def test_cast_raising_is_logged(context, capfd):
    svc = Threaded(label="Remote")
    assert call(context, svc.start_async, svc.start_finish)
    ran = []

    def note(service, task, data):
        ran.append(data)
        if data == 1:
            raise ValueError("cast %d" % data)

    for i in range(3):
        svc.cast(note, i)
    wait_until(context, lambda: len(ran) == 3, "the casts")
    assert ran == [0, 1, 2]
    assert not svc.get_crashed()
    assert call(context, svc.stop_async, svc.stop_finish)
    logged(capfd, "Remote",
           "thread function test_cast_raising_is_logged.<locals>.note", "ValueError: cast 1")


def test_on_thread_started_raising_crashes_the_service(context, capfd):
    svc = Threaded(fail_in="on_thread_started", label="Remote")
    crashed = []
    svc.connect("crashed", lambda service, reason: crashed.append(reason.message))
    # the service started before the hook ran, then crashed in its thread
    call(context, svc.start_async, svc.start_finish)
    wait_until(context, lambda: crashed, "the crash")
    assert crashed == ["Service Remote: on_thread_started failed: ValueError: thread start"]
    assert svc.get_crashed()
    assert call(context, svc.stop_async, svc.stop_finish)
    logged(capfd, "Remote", "on_thread_started", "ValueError: thread start")


def test_on_thread_stop_raising_is_logged(context, capfd):
    svc = Threaded(fail_in="on_thread_stop", label="Remote")
    assert call(context, svc.start_async, svc.start_finish)
    assert call(context, svc.stop_async, svc.stop_finish)
    assert svc.stopped_thread
    assert not svc.props.thread_running
    assert not svc.get_crashed()
    logged(capfd, "Remote", "on_thread_stop", "ValueError: thread stop")


# What is not turned into an error


def test_keyboard_interrupt_is_left_to_pygobject_and_ends_the_task(context, clock, capfd):
    service = Mode.Service(label="Poller", clock=clock)
    start(context, service)
    kept = []

    def poll(svc, task):
        kept.append(task)
        raise KeyboardInterrupt("interrupted")

    service.spawn("poll", poll)
    drain(context)
    # PyGObject printed it, as for any callback, and nothing else did;
    # the task ended with its error all the same, and crashed the service
    err = capfd.readouterr().err
    assert err.count(TRACEBACK) == 1, err
    assert "KeyboardInterrupt: interrupted" in err
    assert "Exception in task poll" not in err
    wait_until(context, lambda: service.get_n_tasks() == 0, "the task's end")
    assert kept.pop().get_completed()
    assert service.get_crashed()
    assert "KeyboardInterrupt: interrupted" in service.get_crash_reason().message
    assert stop(context, service)


def run_script(body):
    env = dict(os.environ, LC_ALL="C")
    script = textwrap.dedent("""
        import ctypes
        import gi

        gi.require_version("GLib", "2.0")
        gi.require_version("Mode", "1.0")
        from gi.repository import GLib, Mode

        ctx = GLib.MainContext.new()
        ctx.push_thread_default()
        service = Mode.Service(label="Script", clock=Mode.Clock.new_manual())
        done = []
        service.start_async(None, lambda s, r: done.append(s.start_finish(r)))
        while not done:
            ctx.iteration(True)
        """) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=TIMEOUT_SECONDS)


def test_system_exit_is_left_to_pygobject():
    proc = run_script("""
        def poll(svc, task):
            raise SystemExit(7)

        service.spawn("poll", poll)
        print("not reached")
        """)
    # PyGObject ends the process, as for any callback
    assert proc.returncode == 7, proc.stderr
    assert "not reached" not in proc.stdout
    assert "Exception in task poll" not in proc.stderr


def test_log_is_structured():
    proc = run_script("""
        records = []

        def text(field):
            return ctypes.string_at(field.value).decode()

        def writer(level, fields, *data):
            records.append((level, {f.key: text(f) for f in fields}))
            return GLib.LogWriterOutput.HANDLED

        GLib.log_set_writer_func(writer)

        def poll(svc, task):
            raise ValueError("boom")

        service.spawn("poll", poll)
        while not service.get_crashed():
            ctx.iteration(True)

        mine = [(level, fields) for level, fields in records
                if fields["MESSAGE"].startswith("[^Script]: Exception in task poll")]
        assert len(mine) == 1, records
        level, fields = mine[0]
        assert level == GLib.LogLevelFlags.LEVEL_MESSAGE, level
        assert fields["GLIB_DOMAIN"] == "Mode", fields
        assert fields["PRIORITY"] == "5", fields
        assert fields["MODE_SERVICE"] == "Script", fields
        lines = fields["MESSAGE"].split("\\n")
        assert lines[0] == "[^Script]: Exception in task poll of service Script:", lines
        assert lines[1] == "Traceback (most recent call last):", lines
        assert lines[-1] == "ValueError: boom", lines
        # the wrapper's own frame is not in the traceback
        assert 'in poll' in lines[2] and 'in run' not in fields["MESSAGE"], lines
        print("checked")
        """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "checked\n"
    assert TRACEBACK not in proc.stderr


def test_task_left_by_keyboard_interrupt_does_not_hold_the_stop():
    # KeyboardInterrupt is left to PyGObject, which prints it; the
    # override completes the task with its error first, so the stop does
    # not wait for it
    proc = run_script("""
        import gc

        def poll(svc, task):
            raise KeyboardInterrupt("interrupted")

        service.spawn("poll", poll)
        stopped = []
        service.stop_async(None, lambda s, r: stopped.append(r))
        # the clock is manual: once the context has nothing left to do,
        # a stop that waits for the task's shutdown-timeout never ends
        while not stopped and ctx.iteration(False):
            pass
        print("stopped" if stopped else "stuck", flush=True)
        del service, stopped
        gc.collect()
        """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "stopped\n"


def test_task_dropped_without_completing_crashes_at_once(context, clock):
    # a task function that returns without completing its task and keeps
    # no reference to it: the engine fails the task when it is let go of
    service = Mode.Service(label="Forgetful", clock=clock)
    assert start(context, service)

    def forget(svc, task):
        pass

    service.spawn("forget", forget)
    gc.collect()
    wait_until(context, service.get_crashed)
    reason = service.get_crash_reason()
    assert reason.matches(Mode.error_quark(), Mode.Error.FAILED)
    assert "forget" in reason.message and "Forgetful" in reason.message
    assert service.get_n_tasks() == 0
    assert stop(context, service)
