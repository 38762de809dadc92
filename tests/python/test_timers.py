# SPDX-License-Identifier: BSD-3-Clause
"""Timers from Python: asynchronous timers, exec_first, cron schedules
(Mode.Cron and cron timers on the manual clock, across the changes of
daylight saving time in Europe/Berlin), and class tasks and timers that
a subclass replaces by name."""

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gio", "2.0")
gi.require_version("Mode", "1.0")

from gi.repository import GLib, Gio, Mode  # noqa: E402

import pytest  # noqa: E402

from modetest import start, stop, restart, wait_until  # noqa: E402

USEC = 1_000_000


def drain(context):
    while context.iteration(False):
        pass


def advance(context, clock, microseconds):
    clock.advance(microseconds)
    drain(context)


def advance_to(context, clock, wall):
    """Moves the manual clock to @wall, microseconds since 1970 (a manual
    clock's time is the wall clock time of cron timers)."""
    assert wall >= clock.get_time()
    advance(context, clock, wall - clock.get_time())


def berlin():
    tz = GLib.TimeZone.new_identifier("Europe/Berlin")
    if tz is None:
        pytest.skip("no time zone data for Europe/Berlin (tzdata)")
    summer = GLib.DateTime.new(tz, 2024, 7, 1, 12, 0, 0)
    if summer.get_utc_offset() != 2 * 3600 * USEC:
        pytest.skip("no time zone data for Europe/Berlin (tzdata)")
    return tz


def wall_of(tz, *fields):
    return GLib.DateTime.new(tz, *fields, 0).to_unix() * USEC


def local_time(tz, wall):
    return GLib.DateTime.new_from_unix_utc(wall // USEC).to_timezone(tz).format("%m-%d %H:%M%:z")


def is_mode_error(error, code):
    return error.domain == GLib.quark_to_string(Mode.error_quark()) and error.code == int(code)


# Asynchronous timers


def test_async_timer(context, clock):
    service = Mode.Service(clock=clock, label="svc")
    ticks = []
    held = []

    def poll(svc, timer, cancellable, task, data):
        assert svc is service
        assert data == "data"
        assert isinstance(cancellable, Gio.Cancellable)
        ticks.append(timer.get_last_due())
        if len(ticks) == 2:
            held.append(task)   # completed later
        else:
            task.return_boolean(True)

    timer = service.add_async_timer("poll", 1.0, Mode.TimerFlags.NONE, poll, "data")
    assert timer.get_is_async()
    assert timer.props.is_async
    epoch = clock.get_time()
    start(context, service)

    advance(context, clock, USEC)
    assert ticks == [epoch + USEC]
    advance(context, clock, USEC)
    assert ticks == [epoch + USEC, epoch + 2 * USEC]

    # the next tick waits for the task that runs
    for _ in range(5):
        advance(context, clock, USEC // 2)
    assert len(ticks) == 2
    assert service.get_n_tasks() == 1

    held.pop().return_boolean(True)
    drain(context)
    assert timer.get_overlaps() == 1

    # the ticks it covered are skipped: the next one is at 5 s
    advance(context, clock, USEC // 2)
    assert ticks[-1] == epoch + 5 * USEC
    assert timer.get_iteration() == 3

    stop(context, service)


def test_async_timer_exception_crashes(context, clock):
    service = Mode.Service(clock=clock, label="Poller")
    calls = []

    def poll(svc, timer, cancellable, task):
        calls.append(1)
        raise ValueError("boom")

    service.add_async_timer("poll", 1.0, Mode.TimerFlags.NONE, poll)
    start(context, service)
    advance(context, clock, USEC)
    wait_until(context, service.get_crashed, "the crash")
    reason = service.get_crash_reason()
    assert is_mode_error(reason, Mode.Error.FAILED)
    assert "ValueError: boom" in reason.message
    assert service.get_n_tasks() == 0

    # no tick after the crash
    advance(context, clock, 10 * USEC)
    assert calls == [1]
    stop(context, service)


def test_async_timer_error_crashes(context, clock):
    service = Mode.Service(clock=clock, label="svc")

    def poll(svc, timer, cancellable, task):
        task.return_error(GLib.Error.new_literal(Gio.io_error_quark(), "unreachable",
                                                 Gio.IOErrorEnum.HOST_UNREACHABLE))

    service.add_async_timer("poll", 1.0, Mode.TimerFlags.NONE, poll)
    start(context, service)
    advance(context, clock, USEC)
    assert service.get_crashed()
    assert service.get_crash_reason().message == "unreachable"
    stop(context, service)


def test_async_timer_stop_cancels(context, clock):
    service = Mode.Service(clock=clock, label="svc")
    held = []

    def poll(svc, timer, cancellable, task):
        cancellable.connect(lambda *args: task.return_error(
            GLib.Error.new_literal(Gio.io_error_quark(), "cancelled", Gio.IOErrorEnum.CANCELLED)))
        held.append(task)

    service.add_async_timer("poll", 1.0, Mode.TimerFlags.NONE, poll)
    start(context, service)
    advance(context, clock, USEC)
    assert len(held) == 1

    assert stop(context, service)
    assert not service.get_crashed()
    assert held[0].get_completed()


# exec_first


def test_exec_first(context, clock):
    service = Mode.Service(clock=clock, label="svc")
    sync_ticks = []
    async_ticks = []
    plain_ticks = []

    def sync_tick(svc, timer):
        sync_ticks.append(timer.get_last_due())

    def async_tick(svc, timer, cancellable, task):
        async_ticks.append(timer.get_last_due())
        task.return_boolean(True)

    first = service.add_timer_with_flags("first", 1.0, Mode.TimerFlags.EXEC_FIRST, sync_tick)
    assert first.get_exec_first()
    service.add_async_timer("async-first", 1.0, Mode.TimerFlags.EXEC_FIRST, async_tick)
    plain = service.add_timer("plain", 2.0, lambda svc, timer: plain_ticks.append(1))
    assert not plain.props.exec_first
    plain.props.exec_first = True
    assert plain.get_exec_first()

    advance(context, clock, 3 * USEC)
    epoch = clock.get_time()
    start(context, service)
    drain(context)
    assert sync_ticks == [epoch]
    assert async_ticks == [epoch]
    assert plain_ticks == [1]

    advance(context, clock, USEC)
    assert sync_ticks == [epoch, epoch + USEC]
    assert async_ticks == [epoch, epoch + USEC]
    assert plain_ticks == [1]

    # every start runs it again
    plain.set_exec_first(False)
    restart(context, service)
    drain(context)
    assert len(sync_ticks) == 3
    assert plain_ticks == [1]

    stop(context, service)


class ExecFirstService(Mode.Service):
    __gtype_name__ = "PyTimersExecFirst"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.trace = []


def _trace_tick(svc, timer):
    svc.trace.append(timer.get_name())


def _trace_async_tick(svc, timer, cancellable, task):
    svc.trace.append(timer.get_name())
    task.return_boolean(True)


Mode.ServiceClass.add_timer_with_flags_full(ExecFirstService, "sync", 10.0,
                                            Mode.TimerFlags.EXEC_FIRST, _trace_tick)
Mode.ServiceClass.add_async_timer_full(ExecFirstService, "async", 10.0,
                                       Mode.TimerFlags.EXEC_FIRST, _trace_async_tick)


def test_class_exec_first(context, clock):
    service = ExecFirstService(clock=clock, label="svc")
    start(context, service)
    drain(context)
    assert service.trace == ["sync", "async"]
    assert [t.get_is_async() for t in service.get_timers()] == [False, True]
    stop(context, service)


# Cron


def test_cron_parse_errors():
    for expression, field in [("60 * * * *", "minute"), ("* 24 * * *", "hour"),
                              ("* * 32 * *", "day of month"), ("* * * foo *", "month"),
                              ("* * * * 8", "day of week"), ("*/0 * * * *", "minute")]:
        with pytest.raises(GLib.Error) as info:
            Mode.Cron.new(expression)
        assert is_mode_error(info.value, Mode.Error.INVALID_ARGUMENT)
        assert field in info.value.message
        assert expression.split()[["minute", "hour", "day of month", "month",
                                   "day of week"].index(field)] in info.value.message


def test_cron_next_after():
    cron = Mode.Cron.new("30 2 * * mon-fri")
    assert cron.get_expression() == "30 2 * * mon-fri"
    utc = GLib.TimeZone.new_utc()
    # 2024-01-05 is a Friday
    after = GLib.DateTime.new(utc, 2024, 1, 5, 3, 0, 0)
    assert cron.next_after(after).format("%F %R") == "2024-01-08 02:30"

    tz = berlin()
    # 02:30 does not exist on 2024-03-31 in Berlin; it happens twice on 2024-10-27
    daily = Mode.Cron.new("30 2 * * *")
    nxt = daily.next_after(GLib.DateTime.new(tz, 2024, 3, 30, 12, 0, 0))
    assert nxt.format("%F %R %:z") == "2024-04-01 02:30 +02:00"
    nxt = daily.next_after(GLib.DateTime.new(tz, 2024, 10, 26, 12, 0, 0))
    assert nxt.format("%F %R %:z") == "2024-10-27 02:30 +02:00"
    nxt = daily.next_after(nxt)
    assert nxt.format("%F %R %:z") == "2024-10-28 02:30 +01:00"


def cron_recorder(tz, runs):
    def run(svc, timer, cancellable, task):
        runs.append(local_time(tz, svc.get_clock().get_time()))
        task.return_boolean(True)
    return run


def test_cron_timer_dst_spring(context, clock):
    tz = berlin()
    service = Mode.Service(clock=clock, label="svc")
    runs = []
    advance_to(context, clock, wall_of(tz, 2024, 3, 30, 12, 0))
    timer = service.add_cron_timer("night", "30 2 * * *", tz, Mode.TimerFlags.NONE,
                                   cron_recorder(tz, runs))
    assert timer.get_cron().get_expression() == "30 2 * * *"
    assert timer.get_interval() == 0.0
    start(context, service)

    # no 02:30 in the night of the change
    for hour in range(1, 24):
        advance_to(context, clock, wall_of(tz, 2024, 3, 31, hour, 0))
    assert runs == []

    advance_to(context, clock, wall_of(tz, 2024, 4, 1, 2, 30))
    assert runs == ["04-01 02:30+02:00"]
    stop(context, service)


def test_cron_timer_dst_autumn(context, clock):
    tz = berlin()
    service = Mode.Service(clock=clock, label="svc")
    runs = []
    advance_to(context, clock, wall_of(tz, 2024, 10, 26, 12, 0))
    service.add_cron_timer("night", "30 2 * * *", tz, Mode.TimerFlags.NONE,
                           cron_recorder(tz, runs))
    start(context, service)

    # through the night a quarter of an hour at a time: 02:30 comes twice,
    # and runs once
    end = wall_of(tz, 2024, 10, 27, 6, 0)
    while clock.get_time() < end:
        advance(context, clock, 15 * 60 * USEC)
    assert runs == ["10-27 02:30+02:00"]

    advance_to(context, clock, wall_of(tz, 2024, 10, 28, 2, 30))
    assert runs == ["10-27 02:30+02:00", "10-28 02:30+01:00"]
    stop(context, service)


def test_cron_timer_invalid(context, clock):
    service = Mode.Service(clock=clock, label="Backup")
    with pytest.raises(GLib.Error) as info:
        service.add_cron_timer("nightly", "30 2 * * funday", None, Mode.TimerFlags.NONE,
                               lambda *args: None)
    assert is_mode_error(info.value, Mode.Error.INVALID_ARGUMENT)
    assert "Backup" in info.value.message
    assert "day of week" in info.value.message
    assert "funday" in info.value.message
    assert service.get_timers() == []


def test_cron_timer_exec_first_and_exception(context, clock):
    utc = GLib.TimeZone.new_utc()
    service = Mode.Service(clock=clock, label="svc")
    runs = []

    def job(svc, timer, cancellable, task):
        runs.append(local_time(utc, svc.get_clock().get_time()))
        if len(runs) == 2:
            raise RuntimeError("disk full")
        task.return_boolean(True)

    advance_to(context, clock, wall_of(utc, 2024, 5, 1, 10, 7))
    service.add_cron_timer("job", "0 * * * *", utc, Mode.TimerFlags.EXEC_FIRST, job)
    start(context, service)
    drain(context)
    assert runs == ["05-01 10:07+00:00"]

    advance_to(context, clock, wall_of(utc, 2024, 5, 1, 11, 0))
    wait_until(context, service.get_crashed, "the crash")
    assert runs == ["05-01 10:07+00:00", "05-01 11:00+00:00"]
    assert "RuntimeError: disk full" in service.get_crash_reason().message
    stop(context, service)


class CronClassService(Mode.Service):
    __gtype_name__ = "PyTimersCron"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.trace = []


Mode.ServiceClass.add_cron_timer_full(CronClassService, "hourly", "@hourly",
                                      GLib.TimeZone.new_utc(), Mode.TimerFlags.NONE,
                                      _trace_async_tick)


def test_class_cron_timer(context, clock):
    utc = GLib.TimeZone.new_utc()
    with pytest.raises(GLib.Error):
        Mode.ServiceClass.add_cron_timer_full(CronClassService, "bad", "* * *", None,
                                              Mode.TimerFlags.NONE, _trace_async_tick)
    service = CronClassService(clock=clock, label="svc")
    advance_to(context, clock, wall_of(utc, 2024, 5, 1, 10, 7))
    start(context, service)
    assert [t.get_name() for t in service.get_timers()] == ["hourly"]
    advance_to(context, clock, wall_of(utc, 2024, 5, 1, 11, 0))
    assert service.trace == ["hourly"]
    stop(context, service)


# Class tasks and timers replace by name


class ReplaceBase(Mode.Service):
    __gtype_name__ = "PyTimersReplaceBase"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.trace = []


class ReplaceDerived(ReplaceBase):
    __gtype_name__ = "PyTimersReplaceDerived"


def _trace_task(tag):
    def run(svc, task):
        svc.trace.append(tag)
        task.return_boolean(True)
    return run


def _trace_named_tick(tag):
    def run(svc, timer):
        svc.trace.append(tag)
    return run


Mode.ServiceClass.add_task_full(ReplaceBase, "poll", _trace_task("base-poll"))
Mode.ServiceClass.add_task_full(ReplaceBase, "flush", _trace_task("base-flush"))
Mode.ServiceClass.add_timer_full(ReplaceBase, "tick", 1.0, _trace_named_tick("base-tick"))
Mode.ServiceClass.add_task_full(ReplaceDerived, "poll", _trace_task("derived-poll"))
Mode.ServiceClass.add_timer_full(ReplaceDerived, "tick", 1.0, _trace_named_tick("derived-tick"))


def test_class_tasks_replace_by_name(context, clock):
    base = ReplaceBase(clock=clock, label="base")
    derived = ReplaceDerived(clock=clock, label="derived")

    start(context, base)
    start(context, derived)
    assert base.trace == ["base-poll", "base-flush"]
    # the subclass's "poll" runs in place of its base class's
    assert derived.trace == ["derived-poll", "base-flush"]
    assert [t.get_name() for t in derived.get_timers()] == ["tick"]

    advance(context, clock, USEC)
    assert base.trace[-1] == "base-tick"
    assert derived.trace[-1] == "derived-tick"
    assert derived.trace.count("base-tick") == 0

    stop(context, base)
    stop(context, derived)


# The decorators: @Mode.timer(exec_first=True), and a subclass's
# @Mode.task of the same name in place of its base class's


class Decorated(Mode.Service):
    def __post_init__(self):
        self.trace = []

    @Mode.task
    def poll(self):
        self.trace.append("base-poll")

    @Mode.timer(5.0, exec_first=True)
    def tick(self):
        self.trace.append("tick")


class DecoratedDerived(Decorated):
    @Mode.task
    def poll(self):
        self.trace.append("derived-poll")


def test_decorators_exec_first_and_replace(context, clock):
    base = Decorated(clock=clock, label="base")
    derived = DecoratedDerived(clock=clock, label="derived")
    start(context, base)
    start(context, derived)
    drain(context)
    assert base.trace == ["base-poll", "tick"]
    assert derived.trace == ["derived-poll", "tick"]
    assert [t.get_exec_first() for t in derived.get_timers()] == [True]

    advance(context, clock, 5 * USEC)
    assert derived.trace == ["derived-poll", "tick", "tick"]
    stop(context, base)
    stop(context, derived)
