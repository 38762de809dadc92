# SPDX-License-Identifier: BSD-3-Clause
"""Mode.ServiceThread over GObject-Introspection: a Python subclass whose
hooks and thread functions run in the service's own thread."""

import threading

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gio", "2.0")
gi.require_version("Mode", "1.0")

from gi.repository import Gio, GLib, GObject, Mode  # noqa: E402

import pytest  # noqa: E402

from modetest import call as run, wait_until  # noqa: E402


class Worker(Mode.ServiceThread):
    """Records where its hooks ran."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hooks = []
        self.lock = threading.Lock()
        self.fail_with = None

    def record(self, name):
        with self.lock:
            self.hooks.append((name, threading.get_ident()))

    def do_on_start(self, cancellable):
        self.record("start")
        if self.fail_with is not None:
            raise self.fail_with
        return True

    def do_on_stop(self, cancellable):
        self.record("stop")
        return True

    def do_on_thread_started(self):
        self.record("thread-started")

    def do_on_thread_stop(self):
        self.record("thread-stop")

    def names(self):
        with self.lock:
            return [name for name, _ in self.hooks]

    def thread_ids(self):
        with self.lock:
            return {ident for _, ident in self.hooks}


def test_hooks_run_in_the_thread(context):
    svc = Worker(label="PyWorker")
    assert svc.props.parent_context == context
    assert svc.props.thread_context == svc.get_main_context()
    assert svc.props.thread_context != context
    assert svc.props.wait_for_thread
    assert not svc.props.thread_running

    assert run(context, svc.start_async, svc.start_finish)
    assert svc.props.thread_running
    assert svc.get_state() == Mode.ServiceState.RUNNING
    assert svc.names() == ["start", "thread-started"]

    assert run(context, svc.stop_async, svc.stop_finish)
    assert not svc.props.thread_running
    assert svc.get_state() == Mode.ServiceState.SHUTDOWN
    assert svc.names() == ["start", "thread-started", "stop", "thread-stop"]

    ids = svc.thread_ids()
    assert len(ids) == 1
    assert threading.get_ident() not in ids


def test_start_error_reaches_the_parent(context):
    svc = Worker(label="PyServer")
    svc.fail_with = GLib.Error.new_literal(
        Gio.io_error_quark(), "Address already in use",
        Gio.IOErrorEnum.ADDRESS_IN_USE)

    with pytest.raises(GLib.Error) as info:
        run(context, svc.start_async, svc.start_finish)
    assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.ADDRESS_IN_USE)
    assert svc.get_crashed()

    assert run(context, svc.stop_async, svc.stop_finish)
    assert not svc.props.thread_running


def test_call_returns_a_value(context):
    svc = Worker(label="PyCallee")
    seen = []

    def answer(service, task, data):
        seen.append(threading.get_ident())
        assert service is svc
        assert service.get_state() == Mode.ServiceState.RUNNING
        value = GObject.Value(GObject.TYPE_INT, data * 2)
        task.return_value(value)

    # made before the start: runs once the service runs in its thread
    results = []
    svc.call_async(answer, 21, None,
                   lambda obj, res, data: results.append((obj, res, data)), "tag")
    assert run(context, svc.start_async, svc.start_finish)
    wait_until(context, lambda: results, "the call")

    obj, result, data = results[0]
    assert obj is svc
    assert data == "tag"
    ok, value = svc.call_finish(result)
    assert ok
    assert value == 42
    assert seen and seen[0] != threading.get_ident()

    assert run(context, svc.stop_async, svc.stop_finish)


def test_call_error_and_after_stop(context):
    svc = Worker(label="PyGone")

    def fail(service, task, data):
        task.return_error(GLib.Error.new_literal(
            Gio.io_error_quark(), "no such thing", Gio.IOErrorEnum.NOT_FOUND))

    assert run(context, svc.start_async, svc.start_finish)
    results = []
    svc.call_async(fail, None, None, lambda obj, res, data: results.append(res))
    wait_until(context, lambda: results, "the call")
    with pytest.raises(GLib.Error) as info:
        svc.call_finish(results[0])
    assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)

    assert run(context, svc.stop_async, svc.stop_finish)

    results.clear()
    svc.call_async(fail, None, None, lambda obj, res, data: results.append(res))
    wait_until(context, lambda: results, "the refused call")
    with pytest.raises(GLib.Error) as info:
        svc.call_finish(results[0])
    assert info.value.matches(Mode.error_quark(), Mode.Error.STOPPED)
    assert "PyGone" in info.value.message


def test_casts_run_in_order(context):
    svc = Worker(label="PyCaster")
    order = []

    def note(service, task, index):
        order.append(index)

    for i in range(100):
        svc.cast(note, i)
    assert run(context, svc.start_async, svc.start_finish)
    for i in range(100, 200):
        svc.cast(note, i)
    assert run(context, svc.stop_async, svc.stop_finish)

    assert order == list(range(200))


def test_crash_in_thread_reaches_the_tree(context):
    root = Mode.Service(label="PyRoot")
    svc = Worker(label="PyCrasher")
    root.add_dependency(svc)
    crashed = []
    root.connect("crashed", lambda service, reason: crashed.append(threading.get_ident()))

    assert run(context, root.start_async, root.start_finish)

    def crash(service, task, data):
        service.crash(GLib.Error.new_literal(
            Gio.io_error_quark(), "the pipe broke", Gio.IOErrorEnum.BROKEN_PIPE))

    svc.cast(crash, None)
    wait_until(context, lambda: crashed, "the crash")
    assert crashed == [threading.get_ident()]
    assert root.get_crashed()
    assert root.get_crash_reason().message == "the pipe broke"

    assert run(context, root.stop_async, root.stop_finish)
    assert not svc.props.thread_running


def test_restart_runs_a_new_thread(context):
    svc = Worker(label="PyAgain")
    assert run(context, svc.start_async, svc.start_finish)
    assert run(context, svc.restart_async, svc.restart_finish)
    assert svc.get_restart_count() == 1
    assert svc.names() == ["start", "thread-started", "stop", "thread-stop",
                           "start", "thread-started"]
    assert run(context, svc.stop_async, svc.stop_finish)


class Inner(Mode.Service):
    def __init__(self, log, **kwargs):
        super().__init__(**kwargs)
        self.log = log

    def do_on_start(self, cancellable):
        self.log.append(("inner-start", threading.get_ident()))


class WithInner(Worker):
    def do_on_init_dependencies(self):
        # made in the service's thread: it lives in the thread's context
        self.inner = Inner(self.hooks, label="Inner")
        return [self.inner]


def test_dependencies_made_in_the_thread_run_there(context):
    svc = WithInner(label="PyOuter")
    assert run(context, svc.start_async, svc.start_finish)
    assert svc.inner.get_main_context() == svc.props.thread_context
    assert svc.inner.get_state() == Mode.ServiceState.RUNNING
    names = svc.names()
    assert names == ["start", "inner-start", "thread-started"]
    assert len(svc.thread_ids()) == 1
    assert run(context, svc.stop_async, svc.stop_finish)
    assert svc.inner.get_state() == Mode.ServiceState.SHUTDOWN


def test_properties_and_no_wait_for_thread(context):
    svc = Worker(label="PyLauncher", keepalive_timeout=0.5, wait_for_thread=False)
    assert svc.props.keepalive_timeout == 0.5
    assert not svc.props.wait_for_thread
    svc.props.keepalive_timeout = 0.0   # no keepalive
    assert svc.get_keepalive_timeout() == 0.0

    # the start completes once the thread is launched; the service then
    # runs in it
    assert run(context, svc.start_async, svc.start_finish)
    assert svc.props.thread_running
    wait_until(context, lambda: "thread-started" in svc.names(), "the start in the thread")
    assert run(context, svc.stop_async, svc.stop_finish)
    assert not svc.props.thread_running


@pytest.mark.parametrize("spin_time", [0.0, 0.000001, 0.01])
def test_calls_answered_whatever_the_spin_time(context, spin_time):
    svc = Worker(label="PySpinner")
    assert svc.props.spin_time == pytest.approx(0.00005)
    svc.props.spin_time = spin_time
    assert svc.get_spin_time() == spin_time

    def answer(service, task, data):
        task.return_value(GObject.Value(GObject.TYPE_INT, data))

    assert run(context, svc.start_async, svc.start_finish)
    answers = []
    for i in range(200):
        svc.call_async(answer, i, None,
                       lambda obj, res, data: answers.append(obj.call_finish(res)[1]))
    wait_until(context, lambda: len(answers) == 200, "200 answers")
    assert answers == list(range(200))
    assert run(context, svc.stop_async, svc.stop_finish)
