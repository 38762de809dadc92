# SPDX-License-Identifier: BSD-3-Clause
"""Mode.Supervisor over GObject-Introspection: strategies, restart limits
and replacements, from Python."""

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Mode", "1.0")

from gi.repository import GLib, Mode  # noqa: E402

import pytest  # noqa: E402

from modetest import call  # noqa: E402

USEC = 1_000_000

# How many main loop iterations a test spins at most for what the
# supervisor does in the next iteration: a bound, not a delay.
MAX_SPINS = 10


def spin(ctx):
    for _ in range(MAX_SPINS):
        ctx.iteration(False)


def start(ctx, service):
    assert call(ctx, service.start_async, service.start_finish)


def stop(ctx, service):
    assert call(ctx, service.stop_async, service.stop_finish)


def crash(service, message):
    service.crash(GLib.Error.new_literal(Mode.error_quark(), message, Mode.Error.FAILED))


events = []


@pytest.fixture(autouse=True)
def clear_events():
    events.clear()


class Recorder(Mode.Service):
    __gtype_name__ = "PySupRecorder"

    def do_on_start(self, cancellable):
        events.append(self.props.label + ":start")

    def do_on_shutdown(self, cancellable):
        events.append(self.props.label + ":shutdown")


def take_events():
    ret = " ".join(events)
    events.clear()
    return ret


def states(*services):
    return " ".join(
        "%s=%s" % (s.props.label, s.props.state.value_nick) for s in services
    )


class Tree:
    """Mode's tree: App -> Sup -> [X -> Y, Z]."""

    def __init__(self, clock, strategy, supervisor_class=Mode.Supervisor, **kwargs):
        self.app = Recorder(label="App", clock=clock)
        self.sup = supervisor_class(strategy=strategy, label="Sup", clock=clock, **kwargs)
        self.x = Recorder(label="X", clock=clock)
        self.y = Recorder(label="Y", clock=clock)
        self.z = Recorder(label="Z", clock=clock)
        self.x.add_dependency(self.y)
        self.sup.add(self.x)
        self.sup.add(self.z)
        self.app.add_dependency(self.sup)

    def start(self, ctx):
        start(ctx, self.app)
        assert self.states() == "App=running Sup=running X=running Y=running Z=running"
        take_events()

    def states(self):
        return states(self.app, self.sup, self.x, self.y, self.z)


def test_one_for_one(context, clock):
    tree = Tree(clock, Mode.SupervisorStrategy.ONE_FOR_ONE)
    assert tree.sup.get_strategy() == Mode.SupervisorStrategy.ONE_FOR_ONE
    assert tree.x.props.supervisor == tree.sup
    tree.start(context)

    crash(tree.x, "x failed")
    assert tree.states() == "App=running Sup=running X=crashed Y=crashed Z=running"

    # handled in the next iteration
    context.iteration(False)
    assert tree.states() == "App=running Sup=running X=running Y=running Z=running"
    assert take_events() == "Y:shutdown X:shutdown X:start Y:start"
    assert tree.x.props.restart_count == 1
    assert tree.z.props.restart_count == 0
    assert tree.sup.get_n_restarts() == 1

    spin(context)
    assert take_events() == ""
    stop(context, tree.app)


def test_one_for_all(context, clock):
    tree = Tree(clock, Mode.SupervisorStrategy.ONE_FOR_ALL)
    tree.start(context)

    crash(tree.z, "z failed")
    context.iteration(False)
    assert tree.states() == "App=running Sup=running X=running Y=running Z=running"
    assert take_events() == "Z:shutdown Y:shutdown X:shutdown X:start Y:start Z:start"
    for service in (tree.x, tree.y, tree.z):
        assert service.props.restart_count == 1
    # three services restarted: one restart
    assert tree.sup.get_n_restarts() == 1

    stop(context, tree.app)


def test_rest_for_one(context, clock):
    sup = Mode.Supervisor(strategy=Mode.SupervisorStrategy.REST_FOR_ONE, label="Sup", clock=clock)
    a, b, c = (Recorder(label=label, clock=clock) for label in "ABC")
    for service in (a, b, c):
        sup.add(service)
    start(context, sup)
    take_events()

    crash(b, "b failed")
    context.iteration(False)
    assert states(sup, a, b, c) == "Sup=running A=running B=running C=running"
    assert take_events() == "C:shutdown B:shutdown B:start C:start"
    assert [s.props.restart_count for s in (a, b, c)] == [0, 1, 1]

    stop(context, sup)


def test_max_restarts_exceeded(context, clock):
    tree = Tree(clock, Mode.SupervisorStrategy.ONE_FOR_ONE, max_restarts=2, over=10.0)
    assert tree.sup.get_max_restarts() == 2
    assert tree.sup.props.over == 10.0
    tree.start(context)

    for n in (1, 2):
        crash(tree.x, "x failed")
        context.iteration(False)
        assert tree.states() == "App=running Sup=running X=running Y=running Z=running"
        assert tree.sup.get_n_restarts() == n

    crash(tree.x, "x failed")
    context.iteration(False)
    assert tree.states() == "App=crashed Sup=crashed X=crashed Y=crashed Z=crashed"
    reason = tree.sup.props.crash_reason
    assert reason.matches(Mode.error_quark(), Mode.Error.MAX_RESTARTS_EXCEEDED)
    assert "X" in reason.message and "2" in reason.message
    assert tree.app.props.crash_reason.matches(
        Mode.error_quark(), Mode.Error.MAX_RESTARTS_EXCEEDED
    )
    assert tree.sup.get_n_restarts() == 2

    stop(context, tree.app)


def test_max_restarts_window(context, clock):
    tree = Tree(clock, Mode.SupervisorStrategy.ONE_FOR_ONE, max_restarts=2, over=10.0)
    tree.start(context)

    for _ in range(2):
        crash(tree.z, "z failed")
        context.iteration(False)
    # a whole period later, the limit is whole again
    clock.advance(10 * USEC)
    for _ in range(2):
        crash(tree.z, "z failed")
        context.iteration(False)
    assert tree.states() == "App=running Sup=running X=running Y=running Z=running"
    assert tree.sup.get_n_restarts() == 4

    stop(context, tree.app)


def test_restart_types(context, clock):
    sup = Mode.Supervisor(strategy=Mode.SupervisorStrategy.ONE_FOR_ONE, label="Sup", clock=clock)
    permanent = Recorder(label="P", clock=clock)
    transient = Recorder(label="T", clock=clock)
    temporary = Recorder(label="Tmp", clock=clock)
    sup.add_full(permanent, Mode.RestartType.PERMANENT)
    sup.add(transient)
    sup.add_full(temporary, Mode.RestartType.TEMPORARY)
    assert sup.get_restart_type(transient) == Mode.RestartType.TRANSIENT
    start(context, sup)

    stop(context, permanent)
    stop(context, transient)
    crash(temporary, "gone")
    spin(context)
    assert states(permanent, transient, temporary) == "P=running T=shutdown Tmp=crashed"
    assert permanent.props.restart_count == 1
    assert transient.props.restart_count == 0
    assert temporary.props.restart_count == 0
    assert sup.get_n_restarts() == 1

    stop(context, sup)


class Replacing(Mode.Supervisor):
    """Replaces a service that crashed with a new one."""

    __gtype_name__ = "PySupReplacing"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = []
        self.replace = True

    def do_create_replacement(self, old, index):
        self.calls.append((old, index))
        if not self.replace:
            return None
        return Recorder(label=old.props.label + "'", clock=self.props.clock)


def test_create_replacement(context, clock):
    tree = Tree(clock, Mode.SupervisorStrategy.ONE_FOR_ONE, supervisor_class=Replacing)
    tree.start(context)

    crash(tree.z, "z failed")
    context.iteration(False)
    assert tree.sup.calls == [(tree.z, 1)]
    services = tree.sup.get_services()
    assert len(services) == 2
    assert services[0] == tree.x
    new = services[1]
    assert new.props.label == "Z'"
    assert new.props.state == Mode.ServiceState.RUNNING
    assert new.props.supervisor == tree.sup
    # the old one was stopped and discarded
    assert tree.z.props.supervisor is None
    assert tree.z.props.restart_count == 0
    assert "Z:shutdown" in take_events()

    # None: the old one is restarted
    tree.sup.replace = False
    crash(tree.x, "x failed")
    context.iteration(False)
    assert tree.sup.calls[-1] == (tree.x, 0)
    assert tree.x.props.state == Mode.ServiceState.RUNNING
    assert tree.x.props.restart_count == 1

    stop(context, tree.app)


def test_unsupervised_crash_poisons(context, clock):
    tree = Tree(clock, Mode.SupervisorStrategy.ONE_FOR_ONE)
    sibling = Recorder(label="Sibling", clock=clock)
    tree.app.add_dependency(sibling)
    tree.start(context)

    crash(tree.z, "z failed")
    assert not sibling.props.crashed and not tree.app.props.crashed
    context.iteration(False)

    crash(sibling, "sibling failed")
    assert tree.states() == "App=crashed Sup=crashed X=crashed Y=crashed Z=crashed"
    spin(context)
    assert tree.sup.get_n_restarts() == 1

    stop(context, tree.app)


def test_bucket(clock):
    bucket = Mode.Bucket.new_full(2, 1.0, 0, clock)
    assert bucket.get_capacity() == 2
    assert bucket.pour(1) and bucket.pour(1)
    assert not bucket.pour(1)
    assert bucket.expected_time(1) == pytest.approx(0.5)
    clock.advance(USEC // 2)
    assert bucket.get_tokens() == pytest.approx(1.0)
    assert bucket.pour(1)
