# SPDX-License-Identifier: BSD-3-Clause
"""Mode.BlockingDetector from Python: a main context blocked far longer
than the timeout is noticed, an idle one is not."""

import time

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Mode", "1.0")

from gi.repository import GLib, Mode  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def context():
    context = GLib.MainContext.new()
    context.push_thread_default()
    try:
        yield context
    finally:
        while context.iteration(False):
            pass
        context.pop_thread_default()


def call(context, method_async, method_finish):
    results = []
    method_async(None, lambda source, result: results.append(result))
    while not results:
        context.iteration(True)
    return method_finish(results[0])


def run_for(context, seconds):
    done = []
    source = GLib.timeout_source_new(int(seconds * 1000))
    source.set_callback(lambda *args: done.append(True) or GLib.SOURCE_REMOVE)
    source.attach(context)
    while not done:
        context.iteration(True)


def test_detects_a_blocked_context(context):
    detector = Mode.BlockingDetector.new(0.2)
    notified = []
    detector.connect("notify::detections", lambda *args: notified.append(detector.props.detections))
    assert call(context, detector.start_async, detector.start_finish)

    blocked = []

    def block(*args):
        time.sleep(1.5)
        blocked.append(True)
        return GLib.SOURCE_REMOVE

    source = GLib.idle_source_new()
    source.set_callback(block)
    source.attach(context)
    while not notified:
        context.iteration(True)

    assert blocked
    assert detector.get_detections() == 1
    assert notified == [1]
    assert call(context, detector.stop_async, detector.stop_finish)


def test_idle_context_is_not_blocked(context):
    detector = Mode.BlockingDetector(timeout=0.5)
    assert detector.props.timeout == 0.5
    assert call(context, detector.start_async, detector.start_finish)
    run_for(context, 1.5)
    assert call(context, detector.stop_async, detector.stop_finish)
    assert detector.props.detections == 0
