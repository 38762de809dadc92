# SPDX-License-Identifier: BSD-3-Clause
"""Mode.ServiceProxy over GObject-Introspection: a Python proxy whose
service is made on first use."""

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gio", "2.0")
gi.require_version("Mode", "1.0")

from gi.repository import Gio, GLib, Mode  # noqa: E402

from modetest import call as run  # noqa: E402


class Cache(Mode.Service):
    def __init__(self, log, **kwargs):
        super().__init__(**kwargs)
        self.log = log

    def do_on_start(self, cancellable):
        self.log.append("start")

    def do_on_stop(self, cancellable):
        self.log.append("stop")


class LazyCache(Mode.ServiceProxy):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.log = []
        self.made = 0

    def do_create_service(self):
        self.made += 1
        return Cache(self.log, label="Cache")


def test_service_made_on_first_use(context):
    proxy = LazyCache()
    assert proxy.get_label() == "LazyCache"  # its class name, as in Mode
    assert not proxy.has_service()
    assert proxy.made == 0

    notes = []
    proxy.connect("notify", lambda obj, pspec: notes.append(pspec.name))
    started = []
    proxy.connect("started", lambda obj: started.append(obj))

    assert run(context, proxy.start_async, proxy.start_finish)
    assert proxy.made == 1
    assert proxy.has_service()
    assert proxy.log == ["start"]
    assert proxy.get_state() == Mode.ServiceState.RUNNING
    assert proxy.props.state == Mode.ServiceState.RUNNING
    assert proxy.get_service().get_label() == "Cache"
    assert started == [proxy]
    assert "state" in notes

    assert run(context, proxy.stop_async, proxy.stop_finish)
    assert proxy.log == ["start", "stop"]
    assert proxy.get_state() == Mode.ServiceState.SHUTDOWN
    assert proxy.made == 1


def test_proxy_in_a_tree_and_crash(context):
    root = Mode.Service(label="Root")
    proxy = LazyCache()
    assert not proxy.has_service()
    root.add_dependency(proxy)
    # as in Mode, the service takes the proxy's place in the tree
    assert proxy.has_service()
    assert proxy.props.beacon.get_parent() == root.props.beacon
    assert proxy.props.beacon.get_depth() == 1

    assert run(context, root.start_async, root.start_finish)
    assert proxy.log == ["start"]

    crashes = []
    proxy.connect("crashed", lambda obj, reason: crashes.append(reason.message))
    proxy.get_service().crash(GLib.Error.new_literal(
        Gio.io_error_quark(), "boom", Gio.IOErrorEnum.FAILED))
    assert crashes == ["boom"]
    assert proxy.get_crashed()
    assert root.get_crashed()

    assert run(context, root.stop_async, root.stop_finish)
    assert proxy.log == ["start", "stop"]


def test_supervised_proxy_restarts(context):
    sup = Mode.Supervisor.new(Mode.SupervisorStrategy.ONE_FOR_ONE)
    proxy = LazyCache()
    sup.add(proxy)
    assert run(context, sup.start_async, sup.start_finish)

    proxy.crash(GLib.Error.new_literal(Gio.io_error_quark(), "oops", Gio.IOErrorEnum.FAILED))
    for _ in range(100):
        if proxy.get_restart_count() == 1 and proxy.get_state() == Mode.ServiceState.RUNNING:
            break
        context.iteration(False)
    assert proxy.get_restart_count() == 1
    assert proxy.log == ["start", "stop", "start"]
    assert sup.get_n_restarts() == 1
    assert not sup.get_crashed()

    assert run(context, sup.stop_async, sup.stop_finish)
