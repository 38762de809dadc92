# SPDX-License-Identifier: BSD-3-Clause
"""The background work of Mode.Service, from Python: tasks, timers,
sleep, events and waits, cleanups, diagnostics and describe()."""

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gio", "2.0")
gi.require_version("Mode", "1.0")

from gi.repository import GLib, Gio, GObject, Mode  # noqa: E402

import pytest  # noqa: E402

USEC = 1_000_000


# Main context helpers


def drain(context):
    while context.iteration(False):
        pass


def run_until(context, predicate):
    while not predicate():
        context.iteration(True)


def advance(context, clock, microseconds):
    clock.advance(microseconds)
    drain(context)


def call(context, method_async, method_finish, *args):
    """Calls an asynchronous method and waits for its result."""
    results = []
    method_async(*args, lambda source, result: results.append(result))
    run_until(context, lambda: results)
    return method_finish(results[0])


def start(context, service):
    assert call(context, service.start_async, service.start_finish, None)


def stop(context, service):
    assert call(context, service.stop_async, service.stop_finish, None)


def restart(context, service):
    assert call(context, service.restart_async, service.restart_finish, None)


class Recorder(Mode.Service):
    """Records its hooks in self.trace."""

    __gtype_name__ = "PyBgRecorder"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.trace = []

    def do_on_start(self, cancellable):
        self.trace.append("on_start")
        return True

    def do_on_shutdown(self, cancellable):
        self.trace.append("on_shutdown")
        return True


# Tasks


def test_spawn(context, clock):
    service = Recorder(clock=clock, label="svc")
    start(context, service)
    kept = []

    def later(svc, task):
        assert svc is service
        assert isinstance(task, Gio.Task)
        assert not task.get_cancellable().is_cancelled()
        kept.append(task)

    service.spawn("later", later)
    service.spawn("later", later)
    assert len(kept) == 2
    drain(context)
    assert service.get_n_tasks() == 2

    # completed later, from Python
    kept.pop(0).return_boolean(True)
    run_until(context, lambda: service.get_n_tasks() == 1)
    kept.pop(0).return_boolean(True)
    run_until(context, lambda: service.get_n_tasks() == 0)
    assert not service.get_crashed()

    stop(context, service)


def test_task_error_crashes(context, clock):
    service = Recorder(clock=clock, label="svc")
    start(context, service)

    def cancelled(svc, task):
        task.return_error(GLib.Error.new_literal(
            Gio.io_error_quark(), "cancelled", Gio.IOErrorEnum.CANCELLED))

    service.spawn("cancelled", cancelled)
    run_until(context, lambda: service.get_n_tasks() == 0)
    drain(context)
    assert not service.get_crashed()

    def failing(svc, task):
        task.return_error(GLib.Error.new_literal(
            Gio.io_error_quark(), "no access", Gio.IOErrorEnum.PERMISSION_DENIED))

    service.spawn("failing", failing)
    run_until(context, service.get_crashed)
    reason = service.props.crash_reason
    assert reason.matches(Gio.io_error_quark(), Gio.IOErrorEnum.PERMISSION_DENIED)
    assert reason.message == "no access"
    assert service.get_state() == Mode.ServiceState.CRASHED

    stop(context, service)


def test_stop_cancels_tasks(context, clock):
    service = Recorder(clock=clock, label="svc")
    start(context, service)

    def waiting(svc, task):
        def on_cancel(cancellable):
            service.trace.append("task cancelled")
            task.return_error_if_cancelled()

        # Gio.Cancellable.connect is g_cancellable_connect: use GObject's
        GObject.Object.connect(task.get_cancellable(), "cancelled", on_cancel)

    service.spawn("waiting", waiting)
    drain(context)
    assert service.get_n_tasks() == 1
    stop(context, service)
    assert service.trace == ["on_start", "task cancelled", "on_shutdown"]
    assert service.get_n_tasks() == 0
    assert not service.get_crashed()


def test_stop_wakes_sleeps_before_it_cancels_tasks(context, clock):
    service = Recorder(clock=clock, label="svc")
    start(context, service)
    seen = []

    def sleeper(svc, task):
        def woke(svc, result):
            assert not svc.sleep_finish(result)
            seen.append((svc.get_should_stop(), task.get_cancellable().is_cancelled()))
            task.return_boolean(True)

        svc.sleep_async(10.0, None, woke)

    service.spawn("sleeper", sleeper)
    drain(context)
    stop(context, service)
    # the sleep returned first, with should-stop set and the task not
    # cancelled yet; the stop then cancelled what was left and ended
    assert seen == [(True, False)]
    assert service.get_n_tasks() == 0


def test_add_task(context, clock):
    service = Recorder(clock=clock, label="svc")

    def work(svc, task):
        svc.trace.append("task")
        task.return_boolean(True)

    service.add_task("work", work)

    # after on_start, on every start
    start(context, service)
    assert service.trace == ["on_start", "task"]
    restart(context, service)
    assert service.trace == ["on_start", "task", "on_shutdown", "on_start", "task"]
    run_until(context, lambda: service.get_n_tasks() == 0)
    stop(context, service)


# Class tasks registered from Python, after the classes were made: the
# GTypeStruct argument of Mode.ServiceClass.add_task_full() takes the
# Python class.


class TaskBase(Recorder):
    __gtype_name__ = "PyBgTaskBase"


class TaskDerived(TaskBase):
    __gtype_name__ = "PyBgTaskDerived"


def record_task(tag):
    def func(service, task):
        service.trace.append(tag)
        task.return_boolean(True)
    return func


Mode.ServiceClass.add_task_full(TaskDerived, "derived", record_task("derived"))
Mode.ServiceClass.add_task_full(TaskBase, "base", record_task("base"))


def test_class_tasks(context, clock):
    base = TaskBase(clock=clock, label="base")
    derived = TaskDerived(clock=clock, label="derived")

    start(context, base)
    assert base.trace == ["on_start", "base"]

    # the base class's task first, though it was registered last
    start(context, derived)
    assert derived.trace == ["on_start", "base", "derived"]

    derived.trace.clear()
    restart(context, derived)
    assert derived.trace == ["on_shutdown", "on_start", "base", "derived"]

    for service in (base, derived):
        run_until(context, lambda: service.get_n_tasks() == 0)
        stop(context, service)


# Timers


def test_timer_on_manual_clock(context, clock):
    service = Mode.Service(clock=clock, label="svc")
    dues = []

    def tick(svc, timer):
        assert svc is service
        assert clock.get_time() >= timer.get_last_due()
        dues.append(timer.get_last_due())

    timer = service.add_timer("tick", 1.0, tick)
    assert isinstance(timer, Mode.Timer)
    assert timer.get_name() == "tick"
    assert timer.props.interval == 1.0

    advance(context, clock, 5 * USEC)
    assert dues == []
    epoch = clock.get_time()
    start(context, service)

    advance(context, clock, USEC - 1)
    assert dues == []
    for n in range(1, 6):
        advance(context, clock, 1 if n == 1 else USEC)
        assert dues[-1] == epoch + n * USEC
    assert timer.props.iteration == 5
    assert timer.get_iteration() == 5
    assert timer.get_last_drift() == 0
    assert timer.props.drifting == 0
    assert [t.get_name() for t in service.get_timers()] == ["tick"]

    # stopped with the service
    stop(context, service)
    advance(context, clock, 10 * USEC)
    assert len(dues) == 5


class TimerBase(Mode.Service):
    __gtype_name__ = "PyBgTimerBase"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.ticks = []


class TimerDerived(TimerBase):
    __gtype_name__ = "PyBgTimerDerived"


def record_tick(service, timer):
    service.ticks.append((timer.get_name(), timer.get_last_due()))


Mode.ServiceClass.add_timer_full(TimerBase, "base-timer", 1.0, record_tick)
Mode.ServiceClass.add_timer_full(TimerDerived, "derived-timer", 2.0, record_tick)


def test_class_timers(context, clock):
    base = TimerBase(clock=clock, label="base")
    derived = TimerDerived(clock=clock, label="derived")
    epoch = clock.get_time()
    start(context, base)
    start(context, derived)
    assert [t.get_name() for t in base.get_timers()] == ["base-timer"]
    assert [t.get_name() for t in derived.get_timers()] == ["base-timer", "derived-timer"]

    advance(context, clock, USEC)
    advance(context, clock, USEC)
    assert base.ticks == [("base-timer", epoch + USEC), ("base-timer", epoch + 2 * USEC)]
    assert sorted(derived.ticks) == [("base-timer", epoch + USEC),
                                     ("base-timer", epoch + 2 * USEC),
                                     ("derived-timer", epoch + 2 * USEC)]

    stop(context, base)
    stop(context, derived)


# Sleep


def test_sleep(context, clock):
    service = Mode.Service(clock=clock, label="svc")
    start(context, service)
    results = []

    def done(svc, result):
        try:
            results.append(svc.sleep_finish(result))
        except GLib.Error as error:
            results.append(error)

    # True once the time passed on the service's clock
    service.sleep_async(1.0, None, done)
    advance(context, clock, USEC - 1)
    assert results == []
    clock.advance(1)
    run_until(context, lambda: results)
    assert results.pop() is True

    # cancelled
    cancellable = Gio.Cancellable()
    service.sleep_async(10.0, cancellable, done)
    drain(context)
    cancellable.cancel()
    run_until(context, lambda: results)
    error = results.pop()
    assert isinstance(error, GLib.Error)
    assert error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)

    # False when the service stops first
    service.sleep_async(10.0, None, done)
    drain(context)
    assert results == []
    stop(context, service)
    run_until(context, lambda: results)
    assert results.pop() is False


# Events and waits


def test_event(context):
    event = Mode.Event.new()
    assert not event.is_set()
    results = []

    def done(ev, result):
        results.append(ev.wait_finish(result))

    event.wait_async(None, done)
    drain(context)
    assert results == []
    event.set()
    assert event.is_set()
    run_until(context, lambda: results)
    assert results == [True]
    event.clear()
    assert not event.is_set()


def test_wait(context, clock):
    service = Mode.Service(clock=clock, label="svc")
    event = Mode.Event.new()
    start(context, service)
    results = []

    def done(svc, result):
        try:
            results.append(svc.wait_finish(result))
        except GLib.Error as error:
            results.append(error)

    # True when the event is set
    service.wait_async(event, -1, None, done)
    drain(context)
    assert results == []
    event.set()
    run_until(context, lambda: results)
    assert results.pop() is True
    event.clear()

    # Mode.Error.TIMEOUT when the timeout passes first
    service.wait_async(event, 2.0, None, done)
    advance(context, clock, 2 * USEC - 1)
    assert results == []
    clock.advance(1)
    run_until(context, lambda: results)
    error = results.pop()
    assert isinstance(error, GLib.Error)
    assert error.matches(Mode.error_quark(), Mode.Error.TIMEOUT)

    # False when the service stops first
    service.wait_async(event, -1, None, done)
    drain(context)
    stop(context, service)
    run_until(context, lambda: results)
    assert results.pop() is False


# Cleanups


class CleanupService(Recorder):
    """Adds its cleanups in on_start, as it should."""

    __gtype_name__ = "PyBgCleanupService"

    def do_on_start(self, cancellable):
        Recorder.do_on_start(self, cancellable)
        for name in ("c1", "c2", "c3"):
            self.add_cleanup(lambda svc, name=name: svc.trace.append(name))
        return True


def test_cleanups(context, clock):
    service = CleanupService(clock=clock, label="svc")
    start(context, service)
    service.add_cleanup(lambda svc: svc.trace.append("extra"))

    # last added first, before on_shutdown
    stop(context, service)
    assert service.trace == ["on_start", "extra", "c3", "c2", "c1", "on_shutdown"]

    # forgotten once run; on_start adds its own again
    service.trace.clear()
    restart(context, service)
    stop(context, service)
    assert service.trace == ["on_start", "c3", "c2", "c1", "on_shutdown"]


# Diagnostics


def test_diag_flags(context, clock):
    service = Mode.Service(clock=clock, label="svc")
    assert service.diag_get_flags() == []
    assert service.diag_get_last_transition("zeta") == 0

    clock.advance(USEC)
    service.diag_set_flag("zeta")
    clock.advance(USEC)
    service.diag_set_flag("alpha")
    service.diag_set_flag("mid")
    assert service.diag_get_flags() == ["alpha", "mid", "zeta"]
    assert service.diag_has_flag("zeta")
    assert not service.diag_has_flag("beta")
    assert service.diag_get_last_transition("zeta") == USEC
    assert service.diag_get_last_transition("alpha") == 2 * USEC

    clock.advance(USEC)
    service.diag_unset_flag("mid")
    assert service.diag_get_flags() == ["alpha", "zeta"]
    assert not service.diag_has_flag("mid")
    assert service.diag_get_last_transition("mid") == 3 * USEC


def test_describe(context, clock):
    root = Mode.Service(clock=clock, label="Root")
    child = Mode.Service(clock=clock, label="Child")
    root.add_dependency(child)
    root.add_timer("tick", 1.0, lambda svc, timer: None)
    kept = []

    start(context, root)
    root.spawn("worker", lambda svc, task: kept.append(task))
    root.diag_set_flag("busy")
    advance(context, clock, USEC)
    advance(context, clock, USEC)

    lines = root.describe().rstrip("\n").split("\n")
    assert lines[0] == "Root [running]"
    assert lines[1].startswith("  flag busy (set ")
    assert lines[1].endswith(" s ago)")
    assert float(lines[1][len("  flag busy (set "):-len(" s ago)")]) == pytest.approx(2.0)
    assert lines[2].startswith("  task worker (running for ")
    assert lines[3].startswith("  timer tick every ")
    assert lines[3].endswith(": iteration=2 drifting=0 (early=0 late=0) overlaps=0")
    assert lines[4] == "  Child [running]"
    assert len(lines) == 5

    kept.pop().return_boolean(True)
    run_until(context, lambda: root.get_n_tasks() == 0)
    stop(context, root)
