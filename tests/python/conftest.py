# SPDX-License-Identifier: BSD-3-Clause
# The tests run against the build tree: GI_TYPELIB_PATH, LD_LIBRARY_PATH
# and PYTHONPATH (for the gi overrides) are set by meson. What the tests
# share: the fixtures here, the helpers in modetest.py.

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Mode", "1.0")

from gi.repository import GLib, Mode  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def context():
    """A fresh main context, thread-default for the test."""
    ctx = GLib.MainContext.new()
    ctx.push_thread_default()
    try:
        yield ctx
    finally:
        for _ in range(1000):
            if not ctx.iteration(False):
                break
        ctx.pop_thread_default()


@pytest.fixture
def clock():
    """A manual clock: time moves only when the test says."""
    return Mode.Clock.new_manual()
