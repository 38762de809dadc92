# SPDX-License-Identifier: BSD-3-Clause
"""Mode.Queue from Python: the GValue calls carry any Python object."""

import threading

import pytest

from gi.repository import Gio, GLib, GObject, Mode

from modetest import call, start, stop, restart, wait_until

# The big runs: a million items, as the C tests push.
N_ITEMS = 1_000_000


class Recorder:
    """Keeps the results of the _async calls given it as callback."""

    def __init__(self):
        self.results = []

    def __call__(self, source, result):
        self.results.append(result)

    def take(self, ctx):
        wait_until(ctx, lambda: self.results, "a queue wait")
        return self.results.pop(0)


def drain(ctx):
    while ctx.iteration(False):
        pass


def test_fifo_any_object(context):
    queue = Mode.Queue()
    assert queue.props.capacity == 0
    assert queue.props.length == 0
    assert not queue.props.paused
    assert queue.props.service is None

    class Item:
        pass

    items = [1, "two", 3.5, None, [4], {"five": 5}, Item(), (6, 7),
             GObject.Value(GObject.TYPE_INT64, 2**40)]
    for item in items:
        assert queue.try_push_value(item)
    assert queue.props.length == len(items)

    popped = []
    while True:
        ok, value = queue.try_pop_value()
        if not ok:
            assert value is None
            break
        popped.append(value)
    # the very objects, in order (the GValue keeps the int64 as a number)
    assert popped[:-1] == items[:-1]
    assert popped[6] is items[6]
    assert popped[-1] == 2**40


def test_pop_waits_for_push(context):
    queue = Mode.Queue()
    rec = Recorder()
    queue.pop_value_async(None, rec)
    drain(context)
    assert not rec.results
    marker = object()
    assert queue.try_push_value(marker)
    assert queue.pop_value_finish(rec.take(context)) is marker


def test_capacity(context):
    queue = Mode.Queue(capacity=2)
    assert queue.try_push_value("a")
    assert queue.try_push_value("b")
    assert not queue.try_push_value("c")

    rec = Recorder()
    queue.push_value_async("c", None, rec)
    drain(context)
    assert not rec.results
    assert queue.try_pop_value() == (True, "a")
    assert queue.push_value_finish(rec.take(context))
    assert [queue.try_pop_value()[1] for _ in range(2)] == ["b", "c"]


def test_back_pressure_million(context):
    """One producer, one consumer, capacity 64: the producer waits for
    room whenever the queue is full; nothing lost, nothing reordered."""
    queue = Mode.Queue(capacity=64)
    state = {"pushed": 0, "popped": 0, "push_waits": 0, "error": None}

    def produce():
        n = state["pushed"]
        try_push = queue.try_push_value
        while n < N_ITEMS:
            if not try_push(n):
                state["pushed"] = n
                state["push_waits"] += 1
                queue.push_value_async(n, None, pushed)
                return
            n += 1
        state["pushed"] = n

    def pushed(q, result):
        q.push_value_finish(result)
        state["pushed"] += 1
        produce()

    def got(q, result):
        try:
            value = q.pop_value_finish(result)
            n = state["popped"]
            if value != n:
                raise AssertionError(f"{value} came when {n} was due")
            n += 1
            try_pop = q.try_pop_value
            while n < N_ITEMS:
                ok, value = try_pop()
                if not ok:
                    break
                if value != n:
                    raise AssertionError(f"{value} came when {n} was due")
                n += 1
            state["popped"] = n
            if n < N_ITEMS:
                q.pop_value_async(None, got)
        except Exception as e:  # noqa: BLE001: reported below
            state["error"] = e

    queue.pop_value_async(None, got)
    produce()
    wait_until(context, lambda: state["popped"] == N_ITEMS or state["error"],
               "every item")
    assert state["error"] is None
    assert state["pushed"] == N_ITEMS
    assert state["push_waits"] > 0
    assert queue.props.length == 0


def test_threads_push(context):
    """Python threads push, each in its own main context, under
    back-pressure; a consumer on the test's context gets every item of
    each producer in order."""
    producers = 4
    per_producer = N_ITEMS // 4
    queue = Mode.Queue(capacity=64)
    errors = []

    def produce(pid):
        ctx = GLib.MainContext.new()
        ctx.push_thread_default()
        try:
            for seq in range(per_producer):
                item = (pid, seq)
                if not queue.try_push_value(item):
                    results = []
                    queue.push_value_async(item, None,
                                           lambda q, r: results.append(r))
                    wait_until(ctx, lambda: results, "room")
                    queue.push_value_finish(results[0])
        except Exception as e:  # noqa: BLE001: reported by the test
            errors.append(e)
        finally:
            ctx.pop_thread_default()

    threads = [threading.Thread(target=produce, args=(i,)) for i in range(producers)]
    for t in threads:
        t.start()

    next_seq = [0] * producers
    total = producers * per_producer
    received = 0
    rec = Recorder()
    while received < total:
        ok, item = queue.try_pop_value()
        if not ok:
            queue.pop_value_async(None, rec)
            item = queue.pop_value_finish(rec.take(context))
        pid, seq = item
        assert seq == next_seq[pid]
        next_seq[pid] += 1
        received += 1

    for t in threads:
        t.join()
    assert not errors
    assert next_seq == [per_producer] * producers


def test_throw(context):
    queue = Mode.Queue()
    rec = Recorder()
    queue.pop_value_async(None, rec)
    drain(context)
    queue.throw(GLib.Error.new_literal(GLib.quark_from_string("app-error"), "boom", 7))
    with pytest.raises(GLib.Error) as info:
        queue.pop_value_finish(rec.take(context))
    assert info.value.domain == "app-error"
    assert info.value.code == 7
    assert info.value.message == "boom"

    # no consumer: the next pop raises, before the items queued
    queue.try_push_value("item")
    queue.throw(GLib.Error.new_literal(Mode.Error.quark(), "later", Mode.Error.FAILED))
    with pytest.raises(GLib.Error) as info:
        queue.try_pop_value()
    assert info.value.matches(Mode.Error.quark(), Mode.Error.FAILED)
    assert queue.try_pop_value() == (True, "item")


def test_pause_resume(context):
    queue = Mode.Queue(capacity=1)
    notified = []
    queue.connect("notify::paused", lambda q, pspec: notified.append(q.props.paused))

    queue.try_push_value("first")
    queue.pause()
    assert queue.props.paused
    assert queue.try_pop_value() == (False, None)
    assert not queue.try_push_value("second")

    pops, pushes = Recorder(), Recorder()
    queue.pop_value_async(None, pops)
    queue.push_value_async("second", None, pushes)
    drain(context)
    assert not pops.results and not pushes.results

    queue.props.paused = False
    assert queue.pop_value_finish(pops.take(context)) == "first"
    assert queue.push_value_finish(pushes.take(context))
    assert queue.try_pop_value() == (True, "second")
    assert notified == [True, False]


def test_clear(context):
    queue = Mode.Queue(capacity=2)
    queue.try_push_value("a")
    queue.try_push_value("b")
    rec = Recorder()
    queue.push_value_async("c", None, rec)
    drain(context)
    queue.clear()
    # the waiting producer's item went in
    assert queue.push_value_finish(rec.take(context))
    assert queue.props.length == 1
    assert queue.try_pop_value() == (True, "c")


def test_cancel(context):
    queue = Mode.Queue()
    cancellable = Gio.Cancellable()
    rec = Recorder()
    queue.pop_value_async(cancellable, rec)
    drain(context)
    cancellable.cancel()
    with pytest.raises(GLib.Error) as info:
        queue.pop_value_finish(rec.take(context))
    assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


def test_stop_ends_waits(context):
    service = Mode.Service(label="Owner")
    queue = Mode.Queue(service=service, capacity=1)
    assert queue.props.service is service
    start(context, service)

    queue.try_push_value("full")
    pushes, pops = Recorder(), Recorder()
    queue.push_value_async("waits", None, pushes)
    queue.pause()
    queue.pop_value_async(None, pops)
    drain(context)
    assert not pushes.results and not pops.results

    stop(context, service)
    for finish, rec in ((queue.push_value_finish, pushes), (queue.pop_value_finish, pops)):
        with pytest.raises(GLib.Error) as info:
            finish(rec.take(context))
        assert info.value.matches(Mode.Error.quark(), Mode.Error.STOPPED)
        assert "Owner" in info.value.message
    queue.resume()

    # stopped: a wait fails at once, the queued item is still there
    queue.pop_value_async(None, pops)
    assert queue.pop_value_finish(pops.take(context)) == "full"
    queue.pop_value_async(None, pops)
    with pytest.raises(GLib.Error):
        queue.pop_value_finish(pops.take(context))

    # restarted: it waits again
    restart(context, service)
    queue.pop_value_async(None, pops)
    drain(context)
    assert not pops.results
    queue.try_push_value("again")
    assert queue.pop_value_finish(pops.take(context)) == "again"
    stop(context, service)


def test_consumer_task_ends_with_stop(context):
    """A task of the service consumes the queue: the stop ends it."""
    service = Mode.Service()
    queue = Mode.Queue(service=service)
    consumed = []
    ended = []

    def consumer(svc, task):
        def got(q, result):
            try:
                consumed.append(q.pop_value_finish(result))
            except GLib.Error as e:
                ended.append(e)
                task.return_boolean(True)
                return
            q.pop_value_async(None, got)

        queue.pop_value_async(None, got)

    start(context, service)
    service.spawn("consumer", consumer)
    for i in range(100):
        assert queue.try_push_value(i)
    drain(context)
    assert consumed == list(range(100))
    stop(context, service)
    assert len(ended) == 1
    assert ended[0].matches(Mode.Error.quark(), Mode.Error.STOPPED)
    assert service.props.state == Mode.ServiceState.SHUTDOWN
