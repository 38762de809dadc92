# SPDX-License-Identifier: BSD-3-Clause
"""Helpers the Python tests share: waiting on a main context with a
bound, and running an _async/_finish pair to its end."""

from gi.repository import GLib

# A bound that only a broken test reaches, never a delay.
TIMEOUT_SECONDS = 60


def wait_until(ctx, done, what="it"):
    """Iterates @ctx, blocking, until done() is true; fails the test after
    TIMEOUT_SECONDS."""
    timed_out = []
    source = GLib.timeout_source_new_seconds(TIMEOUT_SECONDS)
    source.set_callback(lambda *args: timed_out.append(True) or False)
    source.attach(ctx)
    try:
        while not done():
            assert not timed_out, f"{what} did not happen in {TIMEOUT_SECONDS} s"
            ctx.iteration(True)
    finally:
        source.destroy()


def call(ctx, start, finish, *args):
    """Runs an _async/_finish pair (args, then no cancellable) and returns
    what finish returns."""
    results = []
    start(*args, None, lambda obj, res: results.append(res))
    wait_until(ctx, lambda: results, getattr(start, "__name__", "the call"))
    return finish(results[0])


def start(ctx, service):
    return call(ctx, service.start_async, service.start_finish)


def stop(ctx, service):
    return call(ctx, service.stop_async, service.stop_finish)


def restart(ctx, service):
    return call(ctx, service.restart_async, service.restart_finish)
