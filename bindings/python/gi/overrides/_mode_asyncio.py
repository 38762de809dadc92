# SPDX-License-Identifier: BSD-3-Clause
"""asyncio on GLib's main loop, for the mode-glib overrides (Mode.py).

What is here: installing an asyncio event loop that runs on a
GMainContext (gi.events on PyGObject 3.50 and later, python3-gbulb
before), finding the loop of the running thread, turning an
_async/_finish pair into an awaitable, and running a coroutine as the
body of a GTask that the library handed to Python (an asynchronous
hook, a task, a thread function).

One loop per context. In the main thread the loop is the one the
program runs (asyncio.run(), loop.run_forever(), or the worker, which
marks the default context's loop as running while it runs). A
ModeServiceThread's thread gets a loop on its own context the first
time Python code there needs one (a coroutine hook, self.loop); it is
marked running in that thread for the thread's life, since the thread's
context is iterated by the library, not by asyncio, and closed when
the thread ends.
"""

import asyncio
import threading

from gi.repository import Gio, GLib

NO_LOOP = (
    "awaiting a mode-glib call needs an asyncio event loop that runs on GLib's "
    "main context: call Mode.install_event_loop() before the loop is made "
    "(it uses PyGObject's gi.events, or python3-gbulb on PyGObject before 3.50)")

NOTHING_TO_INSTALL = (
    "no asyncio event loop on GLib is available: install python3-gbulb "
    "(Debian, Ubuntu), or use PyGObject 3.50 or later (gi.events)")


# Which loops run on GLib {{{


_gbulb = None


def _gbulb_classes():
    """gbulb's policy and loop, as mode-glib uses them: the loop takes
    the arguments Python 3.11's create_server() gives _start_serving()
    (gbulb 0.6 predates ssl_shutdown_timeout), and the policy makes the
    main thread's loop on the default context again after asyncio.run()
    closed the previous one (gbulb would make it on a new context)."""
    global _gbulb
    if _gbulb is None:
        from gbulb import glib_events

        class GLibEventLoop(glib_events.GLibEventLoop):
            def _start_serving(self, protocol_factory, sock, sslcontext=None, server=None,
                               backlog=100, ssl_handshake_timeout=None,
                               ssl_shutdown_timeout=None):
                return super()._start_serving(protocol_factory, sock, sslcontext, server,
                                              backlog, ssl_handshake_timeout)

        class GLibEventLoopPolicy(glib_events.GLibEventLoopPolicy):
            def new_event_loop(self):
                if (threading.current_thread() is threading.main_thread()
                        and (self._default_loop is None or self._default_loop.is_closed())):
                    self._default_loop = None
                    return self.get_default_loop()
                loop = GLibEventLoop()
                loop._policy = self
                return loop

            def _new_default_loop(self):
                loop = GLibEventLoop(context=GLib.MainContext.default(),
                                     application=self._application)
                loop._policy = self
                return loop

        _gbulb = (GLibEventLoopPolicy, GLibEventLoop, glib_events.GLibChildWatcher)
    return _gbulb


def _implementations():
    """(policy class, loop class, make a loop on a context) of each asyncio
    implementation on GLib that this Python has, preferred first."""
    found = []
    try:
        from gi import events
    except ImportError:
        pass
    else:
        found.append((events.GLibEventLoopPolicy, events.GLibEventLoop,
                      lambda context: events.GLibEventLoop(context)))
    try:
        policy_class, loop_class, _ = _gbulb_classes()
    except ImportError:
        pass
    else:
        found.append((policy_class, loop_class,
                      lambda context: loop_class(context=context)))
    return found


def _loop_classes():
    return tuple(loop_class for _, loop_class, _ in _implementations())


def is_glib_loop(loop):
    return isinstance(loop, _loop_classes())


def _glib_policy():
    """The installed event loop policy if it makes loops on GLib, else None."""
    policy = asyncio.get_event_loop_policy()
    for policy_class, _, make_loop in _implementations():
        if isinstance(policy, policy_class):
            return make_loop
    return None


def install_event_loop():
    """Makes asyncio's loops run on GLib; see Mode.install_event_loop()."""
    if _glib_policy() is not None:
        return asyncio.get_event_loop_policy()
    implementations = _implementations()
    if not implementations:
        raise ImportError(NOTHING_TO_INSTALL)
    policy_class = implementations[0][0]
    if _gbulb is not None and policy_class is _gbulb[0]:
        # as gbulb.install() does: subprocesses are watched by GLib
        asyncio.SafeChildWatcher = _gbulb[2]
    asyncio.set_event_loop_policy(policy_class())
    return asyncio.get_event_loop_policy()


def _context_of(loop):
    for name in ("_context", "_main_context"):
        context = getattr(loop, name, None)
        if isinstance(context, GLib.MainContext):
            return context
    return None


# }}}

# The loop of this thread {{{


_thread_loops = {}  # a ServiceThread's context -> its loop
_thread_loops_lock = threading.Lock()


def _running_in(loop, callback):
    """@callback, run with @loop marked as this thread's running loop.

    A thread that GLib made keeps no Python state between two calls into
    Python: PyGObject gives each callback a thread state of its own, and
    the running loop is kept there. So every callback a thread's loop
    schedules marks the loop running again while it runs."""
    def run(*args):
        previous = asyncio._get_running_loop()
        asyncio._set_running_loop(loop)
        try:
            return callback(*args)
        finally:
            asyncio._set_running_loop(previous)

    return run


_thread_loop_classes = {}


def _thread_loop_class(base):
    """A subclass of @base whose callbacks mark the loop running (see
    _running_in())."""
    cls = _thread_loop_classes.get(base)
    if cls is None:
        class ThreadLoop(base):
            def call_soon(self, callback, *args, **kwargs):
                return super().call_soon(_running_in(self, callback), *args, **kwargs)

            call_soon_threadsafe = call_soon

            def call_later(self, delay, callback, *args, **kwargs):
                return super().call_later(delay, _running_in(self, callback), *args, **kwargs)

            def call_at(self, when, callback, *args, **kwargs):
                return super().call_later(when - self.time(), _running_in(self, callback),
                                          *args, **kwargs)

        ThreadLoop.__name__ = ThreadLoop.__qualname__ = "Thread" + base.__name__
        cls = _thread_loop_classes[base] = ThreadLoop
    return cls


def _new_thread_loop(context):
    for policy_class, loop_class, _ in _implementations():
        if isinstance(asyncio.get_event_loop_policy(), policy_class):
            cls = _thread_loop_class(loop_class)
            if _gbulb is not None and loop_class is _gbulb[1]:
                return cls(context=context)
            return cls(context)
    return None


def running_loop(required=True):
    """The asyncio loop that runs on this thread's thread-default context.

    It is the running loop when there is one (an error when that loop
    does not run on GLib, or runs another context than the one GTask
    callbacks of this thread go to). Else, in a thread other than the
    main one whose thread-default context is not the global default (a
    ModeServiceThread's), it is the loop of that context, made the first
    time, and marked running. Else there is none: RuntimeError when
    @required."""
    context = GLib.MainContext.ref_thread_default()
    loop = asyncio._get_running_loop()
    if loop is not None:
        if not is_glib_loop(loop):
            raise RuntimeError("the running asyncio loop (%s) does not run on GLib; %s"
                               % (type(loop).__name__, NO_LOOP))
        loop_context = _context_of(loop)
        if loop_context is not None and loop_context != context:
            raise RuntimeError(
                "the running asyncio loop runs another GMainContext than this "
                "thread's default one, where the calls' callbacks go")
        return loop
    if (threading.current_thread() is not threading.main_thread()
            and context != GLib.MainContext.default() and _glib_policy() is not None):
        key = hash(context)
        with _thread_loops_lock:
            entry = _thread_loops.get(key)
            if entry is None or entry[0] != context:
                loop = _new_thread_loop(context)
                entry = _thread_loops[key] = (context, loop)
        asyncio._set_running_loop(entry[1])
        return entry[1]
    if required:
        raise RuntimeError(NO_LOOP)
    return None


def close_thread_loop():
    """Ends the loop running_loop() made for this thread's context, if
    any: its tasks are cancelled, the loop closed and no longer running."""
    context = GLib.MainContext.ref_thread_default()
    with _thread_loops_lock:
        entry = _thread_loops.pop(hash(context), None)
    if entry is None:
        return
    loop = entry[1]
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in tasks:
        task.cancel()
    # the cancelled tasks end in the next iterations (a task that goes
    # on waiting after its cancellation is left to be destroyed)
    asyncio._set_running_loop(loop)
    for _ in range(100):
        if all(task.done() for task in tasks) or not context.iteration(False):
            break
    if asyncio._get_running_loop() is loop:
        asyncio._set_running_loop(None)
    try:
        loop.close()
    except RuntimeError:
        pass


class RunningLoop:
    """Marks the default context's GLib loop as this thread's running
    loop while C code (the worker) runs that context, so that coroutines
    and awaits work from the callbacks it dispatches."""

    def __init__(self):
        self.loop = None

    def __enter__(self):
        if asyncio._get_running_loop() is None and _glib_policy() is not None:
            self.loop = asyncio.get_event_loop_policy().get_event_loop()
            asyncio._set_running_loop(self.loop)
        return self

    def __exit__(self, *exc_info):
        if self.loop is not None:
            asyncio._set_running_loop(None)
            self.loop = None


# }}}

# Awaiting a call {{{


class _NoLoop:
    """What a call without a callback returns when no asyncio loop on GLib
    runs: the call goes on as it did without a callback, and awaiting it
    says what is missing."""

    __slots__ = ("what",)

    def __init__(self, what):
        self.what = what

    def __await__(self):
        raise RuntimeError("%s: %s" % (self.what, NO_LOOP))
        yield  # noqa: unreachable; makes this a generator

    def __repr__(self):
        return "<%s without an asyncio loop on GLib>" % self.what


def begin(what, start, finish, args, cancellable):
    """Calls start(*args, cancellable, callback), the _async half of a
    pair, and returns an asyncio future of what finish(result) returns
    (or raises). Cancelling the future cancels the call."""
    loop = running_loop(required=False)
    if loop is None:
        start(*args, cancellable, None)
        return _NoLoop(what)
    future = loop.create_future()
    if cancellable is None:
        cancellable = Gio.Cancellable()

    def done(_source, result, *_data):
        try:
            value = finish(result)
        except GLib.Error as error:
            if not future.done():
                future.set_exception(error)
            return
        if not future.done():
            future.set_result(value)

    def cancelled(fut):
        if fut.cancelled():
            cancellable.cancel()

    start(*args, cancellable, done)
    future.add_done_callback(cancelled)
    return future


# }}}

# A coroutine as a GTask's body {{{


def cancelled_error():
    return GLib.Error.new_literal(Gio.io_error_quark(), "Operation was cancelled",
                                  Gio.IOErrorEnum.CANCELLED)


def run_coroutine(task, coro, error_for, on_result=None):
    """Runs @coro as an asyncio task of this thread's loop and completes
    the GTask @task when it ends: with on_result(value) if given, else
    with TRUE; with G_IO_ERROR_CANCELLED when it was cancelled; with
    error_for(exception) when it raised. Cancelling the task's
    cancellable (a stop does) cancels the coroutine: it gets
    asyncio.CancelledError at its await."""
    try:
        loop = running_loop()
    except RuntimeError as exc:
        coro.close()
        task.return_error(error_for(exc))
        return None
    atask = loop.create_task(coro)
    cancellable = task.get_cancellable()
    handler = 0
    if cancellable is not None:
        # g_cancellable_connect(): runs at once when already cancelled
        handler = cancellable.connect(lambda *_: loop.call_soon_threadsafe(atask.cancel))

    def finished(fut):
        if handler:
            cancellable.disconnect(handler)
        if fut.cancelled():
            task.return_error(cancelled_error())
            return
        exc = fut.exception()
        if isinstance(exc, GLib.Error) and exc.matches(Gio.io_error_quark(),
                                                       Gio.IOErrorEnum.CANCELLED):
            task.return_error(exc)
        elif exc is not None:
            task.return_error(error_for(exc))
        elif on_result is not None:
            on_result(fut.result())
        else:
            task.return_boolean(True)

    atask.add_done_callback(finished)
    return atask


# }}}
