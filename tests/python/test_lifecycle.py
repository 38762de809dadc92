# SPDX-License-Identifier: BSD-3-Clause
"""The engine's rules for any sequence of operations (DESIGN.md §5), from
Python: each where a sequence once broke them."""

import gc
import math

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gio", "2.0")
gi.require_version("Mode", "1.0")

from gi.repository import Gio, GLib, Mode  # noqa: E402

import pytest  # noqa: E402

from modetest import restart, start, stop, wait_until  # noqa: E402

trace = []


class Rec(Mode.Service):
    """Records its hooks; the hooks named in `hold` keep their task for
    the test to complete (once each)."""

    def __init__(self, label, hold=()):
        super().__init__(label=label)
        self.hold = set(hold)
        self.held = {}
        self.cancellables = {}

    def _hook(self, name, cancellable, task):
        self.cancellables[name] = cancellable
        if name in self.hold:
            self.hold.discard(name)
            trace.append("%s.%s(held)" % (self.props.label, name))
            self.held[name] = task
            return
        trace.append("%s.%s" % (self.props.label, name))
        task.return_boolean(True)

    def do_on_first_start_async(self, cancellable, task):
        self._hook("on_first_start", cancellable, task)

    def do_on_start_async(self, cancellable, task):
        self._hook("on_start", cancellable, task)

    def do_on_started_async(self, cancellable, task):
        self._hook("on_started", cancellable, task)

    def do_on_stop_async(self, cancellable, task):
        self._hook("on_stop", cancellable, task)

    def do_on_shutdown_async(self, cancellable, task):
        self._hook("on_shutdown", cancellable, task)

    def do_on_restart_async(self, cancellable, task):
        self._hook("on_restart", cancellable, task)

    def release(self, name, error=None):
        task = self.held.pop(name)
        if error is None:
            task.return_boolean(True)
        else:
            task.return_error(error)


@pytest.fixture(autouse=True)
def clear_trace():
    trace.clear()
    yield
    trace.clear()


def take_trace():
    text = " ".join(trace)
    trace.clear()
    return text


def drain(ctx):
    for _ in range(10000):
        if not ctx.iteration(False):
            break


class Pending:
    """An operation begun now, its result kept for later."""

    def __init__(self, begin, finish, *args, cancellable=None):
        self.results = []
        self.finish = finish
        begin(*args, cancellable, lambda obj, res: self.results.append(res))

    @property
    def done(self):
        return bool(self.results)

    def result(self, ctx):
        wait_until(ctx, lambda: self.results, "the result")
        assert len(self.results) == 1
        return self.finish(self.results[0])


def test_restart_leaves_a_running_dependency_alone(context):
    a, c = Rec("A"), Rec("C")
    a.add_dependency(c)
    assert start(context, c)
    assert take_trace() == "C.on_first_start C.on_start C.on_started"
    assert restart(context, a)
    assert take_trace() == "A.on_restart A.on_first_start A.on_start A.on_started"
    assert c.props.state == Mode.ServiceState.RUNNING
    assert c.props.restart_count == 0
    assert stop(context, a)


def test_restart_while_on_start_is_pending(context):
    a, b = Rec("A", hold=["on_start"]), Rec("B")
    a.add_dependency(b)
    started = Pending(a.start_async, a.start_finish)
    drain(context)
    restarted = Pending(a.restart_async, a.restart_finish)
    drain(context)
    # on_stop waits for on_start, whose cancellable was cancelled
    assert take_trace() == "A.on_first_start A.on_start(held)"
    assert a.cancellables["on_start"].is_cancelled()
    assert not started.done and not restarted.done

    a.release("on_start")
    with pytest.raises(GLib.Error) as error:
        started.result(context)
    assert error.value.matches(Mode.error_quark(), Mode.Error.STOPPED)
    assert restarted.result(context)
    assert take_trace() == ("A.on_stop A.on_shutdown A.on_restart A.on_start "
                            "B.on_first_start B.on_start B.on_started A.on_started")
    assert stop(context, a)
    assert a.props.state == Mode.ServiceState.SHUTDOWN
    assert b.props.state == Mode.ServiceState.SHUTDOWN


def test_stop_waits_for_a_pending_on_start(context):
    a = Rec("A", hold=["on_start"])
    started = Pending(a.start_async, a.start_finish)
    drain(context)
    stopped = Pending(a.stop_async, a.stop_finish)
    drain(context)
    assert take_trace() == "A.on_first_start A.on_start(held)"
    assert a.props.should_stop
    assert not stopped.done
    a.release("on_start")
    with pytest.raises(GLib.Error):
        started.result(context)
    assert stopped.result(context)
    assert take_trace() == "A.on_stop A.on_shutdown"


def test_two_starts_in_flight_get_one_result(context):
    service = Mode.Service(label="A")
    first = Pending(service.start_async, service.start_finish)
    second = Pending(service.start_async, service.start_finish)
    assert first.result(context)
    assert second.result(context)
    with pytest.raises(GLib.Error) as error:
        Pending(service.start_async, service.start_finish).result(context)
    assert error.value.matches(Mode.error_quark(), Mode.Error.ALREADY_STARTED)
    assert stop(context, service)


def test_maybe_start_joins_a_start(context):
    a = Rec("A", hold=["on_start"])
    started = Pending(a.start_async, a.start_finish)
    maybe = Pending(a.maybe_start_async, a.maybe_start_finish)
    drain(context)
    assert not maybe.done
    a.release("on_start")
    assert started.result(context)
    assert maybe.result(context) is False
    assert stop(context, a)


def test_a_failed_runtime_dependency_fails_only_its_caller(context):
    parent, sibling = Rec("Parent"), Rec("Sibling")
    plugin = Rec("Plugin", hold=["on_start"])
    parent.add_dependency(sibling)
    assert start(context, parent)
    cleaned = []
    plugin.add_cleanup(lambda svc: cleaned.append(svc.props.label))
    added = Pending(parent.add_runtime_dependency_async, parent.add_runtime_dependency_finish,
                    plugin)
    drain(context)
    plugin.release("on_start", GLib.Error.new_literal(Gio.io_error_quark(), "no plugin",
                                                      Gio.IOErrorEnum.FAILED))
    with pytest.raises(GLib.Error) as error:
        added.result(context)
    assert error.value.message == "no plugin"
    assert cleaned == ["Plugin"]
    assert plugin.props.state == Mode.ServiceState.SHUTDOWN
    assert not plugin.props.crashed
    assert parent.get_dependencies() == [sibling]
    assert parent.props.state == Mode.ServiceState.RUNNING
    assert sibling.props.state == Mode.ServiceState.RUNNING
    assert stop(context, parent)


def test_a_runtime_dependency_cycle_is_an_error(context):
    a, b = Mode.Service(label="A"), Mode.Service(label="B")
    a.add_dependency(b)
    added = Pending(b.add_runtime_dependency_async, b.add_runtime_dependency_finish, a)
    with pytest.raises(GLib.Error) as error:
        added.result(context)
    assert error.value.matches(Mode.error_quark(), Mode.Error.CYCLE)


def test_crash_reaches_a_stopped_service_thread(context):
    p = Mode.Service(label="P")
    t = Mode.ServiceThread(label="T")
    p.add_dependency(t)
    assert start(context, p)
    assert stop(context, p)
    p.crash(GLib.Error.new_literal(Gio.io_error_quark(), "boom", Gio.IOErrorEnum.FAILED))
    drain(context)
    assert t.props.crashed
    assert restart(context, p)
    assert t.props.state == Mode.ServiceState.RUNNING
    assert not t.props.crashed
    assert stop(context, p)


@pytest.mark.parametrize("operation", ["start", "restart", "stop", "wait_until_stopped"])
def test_a_cancelled_call_returns_at_once(context, operation):
    a = Rec("A")
    if operation in ("stop", "restart"):
        assert start(context, a)
        a.hold.add("on_stop")
    elif operation == "wait_until_stopped":
        assert start(context, a)
    else:
        a.hold.add("on_start")
    cancellable = Gio.Cancellable()
    call = Pending(getattr(a, operation + "_async"), getattr(a, operation + "_finish"),
                   cancellable=cancellable)
    drain(context)
    assert not call.done
    cancellable.cancel()
    drain(context)
    assert call.done
    with pytest.raises(GLib.Error) as error:
        call.result(context)
    assert error.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)

    for name in list(a.held):
        a.release(name)
    drain(context)
    if operation == "wait_until_stopped":
        assert a.props.state == Mode.ServiceState.RUNNING
        assert stop(context, a)
    else:
        # a cancelled start or restart ends the service; a stop goes on
        assert a.props.state == Mode.ServiceState.SHUTDOWN


def test_sleeping_forever(context, clock):
    service = Mode.Service(label="A", clock=clock)
    assert start(context, service)
    sleeps = [Pending(service.sleep_async, service.sleep_finish, seconds)
              for seconds in (math.inf, 1e300)]
    clock.advance(3600 * 24 * 365 * 1000000)
    drain(context)
    assert not any(s.done for s in sleeps)
    assert stop(context, service)
    assert [s.result(context) for s in sleeps] == [False, False]


def test_finish_checks_what_it_finishes(context, capfd):
    service = Mode.Service(label="A")
    stopped = Pending(service.stop_async, lambda res: res)
    result = stopped.result(context)
    # a stop's result is no start's: a programmer error, said so
    assert service.start_finish(result) is False
    assert "g_async_result_is_tagged" in capfd.readouterr().err
    assert service.stop_finish(result)


def test_a_dropped_task_fails_at_once(context, clock):
    service = Mode.Service(label="Forgetful", clock=clock)
    assert start(context, service)
    service.spawn("forget", lambda svc, task: None)
    gc.collect()
    wait_until(context, lambda: service.props.crashed)
    assert service.get_n_tasks() == 0
    reason = service.props.crash_reason
    assert reason.matches(Mode.error_quark(), Mode.Error.FAILED)
    assert "forget" in reason.message and "Forgetful" in reason.message
    assert stop(context, service)
