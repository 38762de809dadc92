# SPDX-License-Identifier: BSD-3-Clause
"""Waiting on many events from Python: Mode.Service.wait_any_async (the
first of several, and which) and wait_all_async (every one), ended by
the service's stop, a timeout on its clock, or a cancellable."""

import threading

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gio", "2.0")
gi.require_version("Mode", "1.0")

from gi.repository import GLib, Gio, Mode  # noqa: E402

import pytest  # noqa: E402

from modetest import start, stop, wait_until  # noqa: E402

USEC = 1_000_000


def drain(ctx):
    while ctx.iteration(False):
        pass


class Wait:
    """One wait_any_async or wait_all_async call, and its result."""

    def __init__(self, service, kind, events, timeout=-1, cancellable=None):
        self.service = service
        self.kind = kind
        self.results = []
        method = getattr(service, "wait_%s_async" % kind)
        method(events, timeout, cancellable, lambda obj, res: self.results.append(res))

    def pending(self, ctx):
        drain(ctx)
        return not self.results

    def finish(self, ctx):
        wait_until(ctx, lambda: self.results, "the wait")
        return getattr(self.service, "wait_%s_finish" % self.kind)(self.results[0])


@pytest.fixture
def service(context, clock):
    svc = Mode.Service(clock=clock, label="Waiter")
    start(context, svc)
    yield svc
    stop(context, svc)


@pytest.fixture
def events():
    return [Mode.Event.new() for _ in range(3)]


def test_any_first(context, service, events):
    wait = Wait(service, "any", events)
    assert wait.pending(context)
    events[2].set()
    # which one: the index in the list
    assert wait.finish(context) == (True, 2)


def test_any_already_set(context, service, events):
    events[2].set()
    events[1].set()
    assert Wait(service, "any", events).finish(context) == (True, 1)


def test_any_timeout(context, clock, service, events):
    wait = Wait(service, "any", events, 2.0)
    clock.advance(2 * USEC - 1)
    assert wait.pending(context)
    clock.advance(1)
    with pytest.raises(GLib.Error) as raised:
        wait.finish(context)
    assert raised.value.matches(Mode.error_quark(), Mode.Error.TIMEOUT)
    assert "Waiter" in raised.value.message


def test_any_cancelled(context, service, events):
    cancellable = Gio.Cancellable()
    wait = Wait(service, "any", events, 10.0, cancellable)
    assert wait.pending(context)
    cancellable.cancel()
    with pytest.raises(GLib.Error) as raised:
        wait.finish(context)
    assert raised.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


def test_any_stopped(context, service, events):
    wait = Wait(service, "any", events)
    assert wait.pending(context)
    stop(context, service)
    ok, _index = wait.finish(context)
    assert not ok


def test_any_crashed(context, service, events):
    wait = Wait(service, "any", events, 5.0)
    assert wait.pending(context)
    service.crash(GLib.Error.new_literal(Mode.error_quark(), "boom", Mode.Error.FAILED))
    ok, _index = wait.finish(context)
    assert not ok


def test_any_from_thread(context, service, events):
    wait = Wait(service, "any", events)
    assert wait.pending(context)
    setter = threading.Thread(target=events[0].set)
    setter.start()
    assert wait.finish(context) == (True, 0)
    setter.join()


def test_all_every(context, service, events):
    wait = Wait(service, "all", events)
    events[0].set()
    events[2].set()
    assert wait.pending(context)
    # counted once set, cleared or not
    events[0].clear()
    assert wait.pending(context)
    events[1].set()
    assert wait.finish(context) is True


def test_all_already_set(context, service, events):
    events[0].set()
    events[1].set()
    wait = Wait(service, "all", events)
    assert wait.pending(context)
    events[2].set()
    assert wait.finish(context) is True
    # every one set already, or none to wait for: at once
    assert Wait(service, "all", events, 0.0).finish(context) is True
    assert Wait(service, "all", []).finish(context) is True


def test_all_timeout(context, clock, service, events):
    wait = Wait(service, "all", events, 1.5)
    events[0].set()
    clock.advance(int(1.5 * USEC) - 1)
    assert wait.pending(context)
    clock.advance(1)
    with pytest.raises(GLib.Error) as raised:
        wait.finish(context)
    assert raised.value.matches(Mode.error_quark(), Mode.Error.TIMEOUT)


def test_all_cancelled(context, service, events):
    cancellable = Gio.Cancellable()
    wait = Wait(service, "all", events, -1, cancellable)
    events[1].set()
    assert wait.pending(context)
    cancellable.cancel()
    with pytest.raises(GLib.Error) as raised:
        wait.finish(context)
    assert raised.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


def test_all_stopped(context, service, events):
    wait = Wait(service, "all", events, 30.0)
    events[1].set()
    assert wait.pending(context)
    stop(context, service)
    assert wait.finish(context) is False
    # told to stop already: at once
    assert Wait(service, "all", events).finish(context) is False
