# SPDX-License-Identifier: BSD-3-Clause
"""Mode.Service over GObject-Introspection: the lifecycle, from Python."""

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Mode", "1.0")

from gi.repository import GLib, GObject, Mode  # noqa: E402

import pytest  # noqa: E402

from modetest import call, start, stop  # noqa: E402,F401



events = []


class Recorder(Mode.Service):
    def do_on_first_start(self, cancellable):
        events.append(self.props.label + ".on_first_start")

    def do_on_start(self, cancellable):
        events.append(self.props.label + ".on_start")
        return True

    def do_on_started(self, cancellable):
        events.append(self.props.label + ".on_started")

    def do_on_stop(self, cancellable):
        events.append(self.props.label + ".on_stop")

    def do_on_shutdown(self, cancellable):
        events.append(self.props.label + ".on_shutdown")

    def do_on_restart(self, cancellable):
        events.append(self.props.label + ".on_restart")


@pytest.fixture(autouse=True)
def clear_events():
    events.clear()


def test_import_and_defaults(context):
    service = Mode.Service()
    assert service.props.state == Mode.ServiceState.INIT
    assert service.props.label == "ModeService"
    assert service.props.shortlabel == "ModeService"
    assert service.props.shutdown_timeout == 60.0
    assert service.props.restart_count == 0
    assert service.props.main_context == context


def test_subclass_hooks_and_order(context):
    a = Recorder(label="A")
    b = Recorder(label="B")
    c = Recorder(label="C")
    assert a.add_dependency(b) is b
    a.add_dependency(c)
    assert [s.props.label for s in a.get_dependencies()] == ["B", "C"]

    states = []
    a.connect("notify::state", lambda s, p: states.append(s.props.state.value_nick))
    started = []
    a.connect("started", lambda s: started.append(True))

    assert start(context, a) is True
    assert events == [
        "A.on_first_start", "A.on_start",
        "B.on_first_start", "B.on_start", "B.on_started",
        "C.on_first_start", "C.on_start", "C.on_started",
        "A.on_started",
    ]
    assert started == [True]
    assert b.props.state == Mode.ServiceState.RUNNING

    events.clear()
    assert stop(context, a) is True
    assert events == [
        "A.on_stop", "C.on_stop", "C.on_shutdown",
        "B.on_stop", "B.on_shutdown", "A.on_shutdown",
    ]
    assert states == ["starting", "running", "stopping", "shutdown"]


def test_error_in_hook_surfaces(context):
    class Failing(Mode.Service):
        def do_on_start(self, cancellable):
            raise GLib.Error.new_literal(GLib.quark_from_string("my-domain"), "no port", 7)

    service = Failing(label="Failing")
    with pytest.raises(GLib.Error) as info:
        start(context, service)
    assert info.value.message == "no port"
    assert info.value.code == 7
    assert service.props.crashed
    assert service.props.state == Mode.ServiceState.CRASHED
    assert service.props.crash_reason.message == "no port"
    stop(context, service)


def test_other_exception_is_mode_failed(context):
    class Broken(Mode.Service):
        def do_on_start(self, cancellable):
            raise RuntimeError("oops")

    service = Broken(label="Broken")
    with pytest.raises(GLib.Error) as info:
        start(context, service)
    assert info.value.matches(Mode.error_quark(), Mode.Error.FAILED)
    assert "on_start" in info.value.message
    assert "Broken" in info.value.message


def test_already_started(context):
    service = Mode.Service(label="S")
    start(context, service)
    with pytest.raises(GLib.Error) as info:
        start(context, service)
    assert info.value.matches(Mode.error_quark(), Mode.Error.ALREADY_STARTED)
    assert call(context, service.maybe_start_async, service.maybe_start_finish) is False
    stop(context, service)


def test_init_dependencies(context):
    class App(Recorder):
        def do_on_init_dependencies(self):
            return [Recorder(label="Web"), Recorder(label="Cache")]

    app = App(label="App")
    start(context, app)
    assert [s.props.label for s in app.get_dependencies()] == ["Web", "Cache"]
    assert all(s.props.state == Mode.ServiceState.RUNNING for s in app.get_dependencies())
    call(context, app.restart_async, app.restart_finish)
    assert len(app.get_dependencies()) == 2
    assert app.props.restart_count == 1
    assert events.count("App.on_first_start") == 1
    assert "App.on_restart" in events
    stop(context, app)


def test_crash_poison_pill(context):
    root = Mode.Service(label="Root")
    middle = Mode.Service(label="Middle")
    leaf = Mode.Service(label="Leaf")
    root.add_dependency(middle)
    middle.add_dependency(leaf)
    start(context, root)

    reasons = []
    root.connect("crashed", lambda s, reason: reasons.append(reason.message))
    leaf.crash(GLib.Error.new_literal(Mode.error_quark(), "boom", Mode.Error.FAILED))
    assert reasons == ["boom"]
    for service in (root, middle, leaf):
        assert service.props.crashed
        assert service.props.should_stop
        assert service.props.crash_reason.message == "boom"
    assert call(context, root.wait_until_stopped_async, root.wait_until_stopped_finish)
    stop(context, root)


def test_remove_and_runtime_dependency(context):
    parent = Mode.Service(label="Parent")
    start(context, parent)
    child = Mode.Service(label="Child")
    added = call(context, lambda c, cb: parent.add_runtime_dependency_async(child, c, cb),
                 parent.add_runtime_dependency_finish)
    assert added is child
    assert child.props.state == Mode.ServiceState.RUNNING
    assert child.props.beacon.get_parent() is parent.props.beacon
    assert child.props.beacon.get_path() == "Parent/Child"

    assert call(context, lambda c, cb: parent.remove_dependency_async(child, c, cb),
                parent.remove_dependency_finish)
    assert child.props.state == Mode.ServiceState.SHUTDOWN
    assert parent.get_dependencies() == []

    with pytest.raises(GLib.Error) as info:
        call(context, lambda c, cb: parent.remove_dependency_async(child, c, cb),
             parent.remove_dependency_finish)
    assert info.value.matches(Mode.error_quark(), Mode.Error.NOT_A_DEPENDENCY)
    stop(context, parent)


def test_async_hook_with_task(context):
    class Slow(Mode.Service):
        def do_on_start_async(self, cancellable, task):
            self.task = task

    service = Slow()
    done = []
    service.start_async(None, lambda s, r: done.append(s.start_finish(r)))
    while context.iteration(False):
        pass
    assert not done
    assert service.props.state == Mode.ServiceState.STARTING
    service.task.return_boolean(True)
    while not done:
        context.iteration(True)
    assert done == [True]
    stop(context, service)


def test_override_is_loaded():
    # gi finds bindings/python/gi/overrides/Mode.py through PYTHONPATH
    assert Mode.Service.__module__ == "gi.overrides.Mode"
    assert issubclass(Mode.Service, GObject.Object)


def test_hook_returning_false_fails(context):
    class Refusing(Mode.Service):
        def do_on_started(self, cancellable):
            return False

    service = Refusing(label="Refusing")
    with pytest.raises(GLib.Error) as info:
        start(context, service)
    assert info.value.matches(Mode.error_quark(), Mode.Error.FAILED)
    assert "on_started" in info.value.message
    assert "Refusing" in info.value.message
    assert service.props.crashed
    stop(context, service)


def test_hook_returning_none_succeeds_in_every_hook(context):
    seen = []

    class Quiet(Mode.Service):
        def do_on_first_start(self, cancellable):
            seen.append("first_start")

        def do_on_start(self, cancellable):
            seen.append("start")

        def do_on_started(self, cancellable):
            seen.append("started")

        def do_on_stop(self, cancellable):
            seen.append("stop")

        def do_on_shutdown(self, cancellable):
            seen.append("shutdown")

        def do_on_restart(self, cancellable):
            seen.append("restart")

    class Quieter(Quiet):
        # an inherited hook stays wrapped once; an overriding one is wrapped too
        def do_on_start(self, cancellable):
            seen.append("start2")

    service = Quieter()
    assert call(context, service.restart_async, service.restart_finish) is True
    assert stop(context, service) is True
    # a restart of a service never started is its very first start
    assert seen == ["restart", "first_start", "start2", "started", "stop", "shutdown"]
    assert service.props.state == Mode.ServiceState.SHUTDOWN


def test_properties(context):
    service = Mode.Service()
    assert service.props.mundane_level == GLib.LogLevelFlags.LEVEL_INFO
    assert service.props.crash_reason is None
    assert service.props.supervisor is None
    assert service.props.beacon.get_data() is service
    assert service.props.wait_for_shutdown is False

    notified = []
    service.connect("notify::label", lambda s, p: notified.append(p.name))
    service.props.label = "Web"
    assert service.props.shortlabel == "Web"
    service.props.shortlabel = "W"
    service.props.label = "WebServer"
    assert service.props.shortlabel == "W"
    assert notified == ["label", "label"]

    service.props.wait_for_shutdown = True
    service.props.shutdown_timeout = 0.05
    assert service.get_shutdown_timeout() == pytest.approx(0.05)

    # the shutdown-timeout ends the wait for set_shutdown()
    start(context, service)
    assert stop(context, service) is True
    assert service.props.state == Mode.ServiceState.SHUTDOWN
    assert service.props.should_stop


def test_wait_for_shutdown_with_set_shutdown(context):
    class Waiting(Mode.Service):
        def do_on_stop(self, cancellable):
            # set_shutdown(), a little later, ends the wait that follows
            # the stop of the dependencies
            def later(*args):
                self.set_shutdown()
                return GLib.SOURCE_REMOVE

            source = GLib.timeout_source_new(10)
            source.set_callback(later)
            source.attach(GLib.MainContext.get_thread_default())

    service = Waiting(wait_for_shutdown=True, shutdown_timeout=30.0)
    start(context, service)
    begin = GLib.get_monotonic_time()
    assert stop(context, service) is True
    assert GLib.get_monotonic_time() - begin < 15 * 1000000


def test_restart_resets_dependencies(context):
    a = Recorder(label="A")
    b = Recorder(label="B")
    a.add_dependency(b)
    start(context, a)
    b.crash(GLib.Error.new_literal(Mode.error_quark(), "boom", Mode.Error.FAILED))
    assert a.props.state == Mode.ServiceState.CRASHED
    events.clear()
    assert call(context, a.restart_async, a.restart_finish) is True
    assert events == [
        "A.on_stop", "B.on_stop", "B.on_shutdown", "A.on_shutdown",
        "A.on_restart", "A.on_start", "B.on_start", "B.on_started", "A.on_started",
    ]
    for service in (a, b):
        assert service.props.state == Mode.ServiceState.RUNNING
        assert service.props.restart_count == 1
        assert not service.props.crashed
        assert service.props.crash_reason is None
    stop(context, a)


def test_supervised_crash(context):
    class Watcher(Mode.Service):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.crashed_children = []

        def do_supervised_crash(self, service):
            self.crashed_children.append(service)

    watcher = Watcher(label="Watcher")
    child = Mode.Service(label="Child")
    sibling = Mode.Service(label="Sibling")
    watcher.add_dependency(child)
    watcher.add_dependency(sibling)
    child.props.supervisor = watcher
    start(context, watcher)

    child.crash(GLib.Error.new_literal(Mode.error_quark(), "boom", Mode.Error.FAILED))
    assert watcher.crashed_children == [child]
    assert child.props.crashed
    assert not sibling.props.crashed
    assert not watcher.props.crashed
    stop(context, watcher)


def test_cycle_is_refused(context):
    a = Mode.Service(label="Alpha")
    b = Mode.Service(label="Beta")
    a.add_dependency(b)
    # a critical is logged; the binding gets None back
    old = GLib.log_set_always_fatal(GLib.LogLevelFlags.LEVEL_ERROR)
    try:
        assert b.add_dependency(a) is None
    finally:
        GLib.log_set_always_fatal(old)
    assert b.get_dependencies() == []


def test_service_log_has_the_library_prefix(context, capfd):
    root = Mode.Service(label="App")
    cache = Mode.Service(label="my.Cache", shortlabel="Cache")
    root.add_dependency(cache)
    cache.log(GLib.LogLevelFlags.LEVEL_MESSAGE, "42 entries loaded")
    root.log(GLib.LogLevelFlags.LEVEL_WARNING, "100% full")
    err = capfd.readouterr().err
    assert "[^-Cache]: 42 entries loaded" in err
    assert "[^App]: 100% full" in err
