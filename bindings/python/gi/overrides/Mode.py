# SPDX-License-Identifier: BSD-3-Clause
"""PyGObject overrides for mode-glib.

Hooks
-----
A hook of Mode.Service (do_on_first_start, do_on_start, do_on_started,
do_on_stop, do_on_shutdown, do_on_restart) returns a boolean in C: TRUE
on success. With this override, a Python hook that returns None (falls
off its end) succeeds too, so hooks read naturally:

    class Cache(Mode.Service):
        def do_on_start(self, cancellable):
            self.entries = {}

A hook fails by raising GLib.Error: start_finish() (or stop_finish())
raises that same error, domain and code kept, and a failing start hook
crashes the service. Returning False fails with Mode.Error.FAILED, whose
message names the service and the hook.

The hooks of every subclass of Mode.Service are wrapped when the class
is made (__init_subclass__), before PyGObject registers them as vfuncs:
the synchronous forms above, their asynchronous forms
(do_on_start_async(self, cancellable, task) and the others, which
complete the task themselves), do_on_init_dependencies, and the
do_on_thread_started / do_on_thread_stop hooks of Mode.ServiceThread.

Exceptions
----------
Every Python function handed to the library keeps the meaning of an
exception it raises. These are: the hooks above; the task functions of
Service.spawn(), Service.add_task() and ServiceClass.add_task_full();
the timer functions of Service.add_timer() and
ServiceClass.add_timer_full(); the cleanups of Service.add_cleanup();
and the thread functions of ServiceThread.call_async() and
ServiceThread.cast().

The exception becomes an error. A GLib.Error is kept as it is (domain,
code, message). Any other Exception becomes a GLib.Error in the Mode
domain, Mode.Error.FAILED, whose message is the exception's type and
message as Python prints them: "ValueError: boom". A hook's error also
names the service and the hook, as the engine's own hook errors do:
"Service Web: on_start failed: ValueError: boom". The error then goes
where the function's outcome goes:

- a synchronous hook fails with it: a start hook fails start_finish()
  and crashes the service; a stop hook's error is logged by the engine,
  the stop still runs all its steps and stop_finish() raises the error;
- an asynchronous hook, a task function and a thread function complete
  their task with it, unless the function completed the task before it
  raised: a task is never completed twice. A task function's error
  crashes the service (as any task's error but G_IO_ERROR_CANCELLED
  does), and the stop that follows does not wait for the task; a thread
  function's error is what call_finish() raises (a cast's goes nowhere
  but the log);
- a timer function has no task: its error crashes the service, as Mode
  does when a timer raises; so does an error of do_on_init_dependencies
  (the start then fails with it) or of do_on_thread_started;
- a cleanup's (or do_on_thread_stop's) error is logged; the stop goes
  on and the other cleanups still run.

Whether a task was completed is known for sure only once its callback
ran (Gio.Task.get_completed()): g_task_return_*() may leave the callback
for a later main loop iteration, and Gio.Task.had_error() is true as
well for a task whose cancellable was cancelled, completed or not. So
the error is returned from an idle source on the task's context, at a
priority just below the task's own: by then a completion that the
function queued before it raised has run, and the error goes only to a
task that was never completed.

The exception's traceback is logged once, not printed by PyGObject:
through GLib's structured logging (g_log_variant()) in the "Mode" log
domain, with the service's label in the MODE_SERVICE field, at the
MESSAGE level. That is the level the engine logs a failed task, a crash
and a failing stop hook at: a Python exception is a runtime failure the
library handles (it fails or crashes the service, which a supervisor
may restart), not a programming error of the library, and WARNING would
abort programs that run with G_DEBUG=fatal-warnings. The line reads,
after the service's usual prefix:

    [^--Web]: Exception in task poll of service Web:
    Traceback (most recent call last):
      ...
    ValueError: boom

KeyboardInterrupt, SystemExit and any other BaseException that is not
an Exception are not turned into errors: they are re-raised, and
PyGObject does with them what it does for any callback (SystemExit ends
the process with its status; KeyboardInterrupt is printed). The task of
a task, thread or asynchronous hook function that raised one is
completed with its error first, so that nothing waits for it.

asyncio
-------
With an asyncio loop on GLib (install_event_loop(): gi.events, or
python3-gbulb; _mode_asyncio.py), Python is written as for Mode:
hooks under Mode's names or GI's may be coroutine functions
(async def on_start(self)); spawn(), add_task() and add_future() take
coroutines, cancelled at their await when the service stops; @task and
@timer register class-level tasks and timers; every _async call made
without a callback returns an asyncio future, also under Mode's short
name (await service.start(), await self.sleep(1.0)); self.log is a
logger with the service's prefix; Worker(*services, **properties),
add_option() and option(); ServiceThread.call() returns the function's
value. A coroutine's exception means what a function's does (above).

Loading
-------
PyGObject finds this module through pkgutil.extend_path: any
gi/overrides directory on sys.path (installed, or the source tree's
bindings/python on PYTHONPATH) is searched.
"""

import asyncio
import functools
import inspect
import logging
import sys
import traceback

from ..module import get_introspection_module
from ..overrides import override
from . import _mode_asyncio
from gi.repository import GLib

Mode = get_introspection_module("Mode")

__all__ = []

_HOOKS = (
    "do_on_first_start",
    "do_on_start",
    "do_on_started",
    "do_on_stop",
    "do_on_shutdown",
    "do_on_restart",
)

_ASYNC_HOOKS = tuple(name + "_async" for name in _HOOKS)


# Reporting an exception {{{


def _exception_text(exc):
    """The exception's type and message, as the last line of a Python
    traceback shows them: "ValueError: boom"."""
    etype = type(exc)
    name = etype.__qualname__
    if etype.__module__ not in ("builtins", "__main__"):
        name = etype.__module__ + "." + name
    try:
        message = str(exc)
    except Exception:
        message = "<exception str() failed>"
    return name + ": " + message if message else name


def _error_for(exc, prefix=""):
    """The GLib.Error that @exc stands for: itself for a GLib.Error,
    Mode.Error.FAILED with the exception's type and message otherwise."""
    if isinstance(exc, GLib.Error):
        return exc
    return GLib.Error.new_literal(Mode.error_quark(), prefix + _exception_text(exc),
                                  Mode.Error.FAILED)


def _log_exception(service, what, exc, skip=1):
    """Logs @exc, raised by @what of @service, with its traceback (less
    the frame of the wrapper that caught it), unless it was logged
    already: a hook that calls its parent class's hook gets the error of
    that hook's wrapper. The line is the library's own, through
    Mode.Service.log(): its "[^--Label]: " prefix and MODE_SERVICE field."""
    if getattr(exc, "_mode_logged", False):
        return
    exc._mode_logged = True
    tb = exc.__traceback__
    for _ in range(skip):
        tb = tb.tb_next if tb is not None else None
    lines = traceback.format_exception(type(exc), exc, tb)
    try:
        label = service.get_label()
    except Exception:
        label = repr(service)
    message = "Exception in %s of service %s:\n%s" % (what, label, "".join(lines).rstrip("\n"))
    if isinstance(service, Mode.Service):
        service.log(GLib.LogLevelFlags.LEVEL_MESSAGE, message)
    else:
        GLib.log_variant("Mode", GLib.LogLevelFlags.LEVEL_MESSAGE, GLib.Variant("a{sv}", {
            "MESSAGE": GLib.Variant("s", message),
        }))


def _return_error(task, error):
    """Completes @task with @error unless it was completed already.

    A task the function completed may not say so yet: g_task_return_*()
    runs the callback in an idle source of the task's context when it is
    called in the iteration that made the task, when the task's
    cancellable was cancelled, or from another thread (a thread function
    completes a task of its caller's context). So the check, and the
    error, wait for an idle source of that context at a lower priority
    than the task's; the task is only read there, in its own context."""
    def check(*_args):
        if not task.get_completed():
            task.return_error(error)
        return GLib.SOURCE_REMOVE

    source = GLib.idle_source_new()
    source.set_priority(task.get_priority() + 1)
    source.set_callback(check)
    source.set_name("[mode] error of a Python function")
    source.attach(task.get_context())


# }}}

# Wrappers, one per kind of function {{{


def _mark(wrapper):
    wrapper._mode_wrapped = True
    return wrapper


def _wrap_sync_hook(func, hook):
    @functools.wraps(func)
    def wrapper(self, cancellable):
        try:
            result = func(self, cancellable)
        except Exception as exc:
            _log_exception(self, hook, exc)
            prefix = "Service %s: %s failed: " % (self.get_label(), hook)
            error = _error_for(exc, prefix)
            error._mode_logged = True
            raise error from None
        return True if result is None else result

    return _mark(wrapper)


def _wrap_async_hook(func, hook):
    @functools.wraps(func)
    def wrapper(self, cancellable, task):
        try:
            func(self, cancellable, task)
        except Exception as exc:
            _log_exception(self, hook, exc)
            prefix = "Service %s: %s failed: " % (self.get_label(), hook)
            _return_error(task, _error_for(exc, prefix))
        except BaseException as exc:
            prefix = "Service %s: %s failed: " % (self.get_label(), hook)
            _return_error(task, _error_for(exc, prefix))
            raise

    return _mark(wrapper)


def _wrap_crashing_hook(func, hook, failed_result=None):
    """A hook that has no error to return (on_init_dependencies,
    on_thread_started): an exception crashes the service."""
    @functools.wraps(func)
    def wrapper(self, *args):
        try:
            return func(self, *args)
        except Exception as exc:
            _log_exception(self, hook, exc)
            prefix = "Service %s: %s failed: " % (self.get_label(), hook)
            self.crash(_error_for(exc, prefix))
            return failed_result() if failed_result is not None else None

    return _mark(wrapper)


def _wrap_logged_hook(func, hook):
    """A hook of the stop that has no error to return (on_thread_stop):
    an exception is logged."""
    @functools.wraps(func)
    def wrapper(self, *args):
        try:
            return func(self, *args)
        except Exception as exc:
            _log_exception(self, hook, exc)

    return _mark(wrapper)


def _task_func(func, what, task_at=1):
    """A function given a GTask to complete, the argument at @task_at (a
    task's or a thread call's function: 1; an asynchronous or cron
    timer's: 3, after the timer and the cancellable): an exception
    completes that task with its error (which, for a timer's tick,
    crashes the service)."""
    def run(*args):
        try:
            func(*args)
        except Exception as exc:
            _log_exception(args[0], what, exc)
            _return_error(args[task_at], _error_for(exc))
        except BaseException as exc:
            # re-raised for PyGObject to act on; the task ends all the same
            _return_error(args[task_at], _error_for(exc))
            raise

    return run


def _timer_func(func, what):
    """A timer function: an exception crashes the service."""
    def run(service, timer, *user_data):
        try:
            func(service, timer, *user_data)
        except Exception as exc:
            _log_exception(service, what, exc)
            service.crash(_error_for(exc))

    return run


def _async_timer_func(func, what):
    """An asynchronous (or cron) timer function: see _task_func()."""
    return _task_func(func, what, task_at=3)


def _cleanup_func(func):
    """A cleanup: an exception is logged; the stop goes on."""
    what = "cleanup " + _func_name(func)

    def run(service, *user_data):
        try:
            func(service, *user_data)
        except Exception as exc:
            _log_exception(service, what, exc)

    return run


def _func_name(func):
    return getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)


def _task_name(name):
    return "task " + (name if name is not None else "task")


_HOOK_WRAPPERS = {name: (_wrap_sync_hook, name[3:]) for name in _HOOKS}
_HOOK_WRAPPERS.update({name: (_wrap_async_hook, name[3:]) for name in _ASYNC_HOOKS})
_HOOK_WRAPPERS["do_on_init_dependencies"] = (
    lambda func, hook: _wrap_crashing_hook(func, hook, list), "on_init_dependencies")
_HOOK_WRAPPERS["do_on_thread_started"] = (_wrap_crashing_hook, "on_thread_started")
_HOOK_WRAPPERS["do_on_thread_stop"] = (_wrap_logged_hook, "on_thread_stop")

# }}}


# asyncio: coroutine hooks and tasks, awaitable calls {{{


def install_event_loop():
    """Makes asyncio's event loops run on GLib's main context, so that
    mode-glib's calls can be awaited and hooks and tasks can be
    coroutines: PyGObject's gi.events where it exists (PyGObject 3.50
    and later), python3-gbulb before. Call it before the loop is made
    (before asyncio.run()); calling it again does nothing. Returns the
    event loop policy; raises ImportError, saying what to install, when
    neither is there."""
    return _mode_asyncio.install_event_loop()


__all__.append("install_event_loop")


def _coroutine_error_for(service, what, prefix=""):
    """error_for() of _mode_asyncio.run_coroutine(): logs the exception
    once and makes it the task's error."""
    def error_for(exc):
        if isinstance(exc, RuntimeError) and str(exc).endswith(_mode_asyncio.NO_LOOP):
            return GLib.Error.new_literal(Mode.error_quark(), prefix + str(exc),
                                          Mode.Error.FAILED)
        _log_exception(service, what, exc, skip=0)
        return _error_for(exc, prefix)

    return error_for


def _hook_prefix(service, hook):
    return "Service %s: %s failed: " % (service.get_label(), hook)


def _complete_task(service, task, call, what, prefix="", on_value=None,
                   coroutine_value=True):
    """Runs call() as the body of the GTask @task: an exception fails the
    task with its error (logged once, @prefix before its text); an
    awaitable runs as a coroutine on the thread's loop; a value completes
    the task with TRUE, or goes to on_value() when given (and so does a
    coroutine's when @coroutine_value)."""
    try:
        result = call()
    except Exception as exc:
        # the traceback from the function: this frame and call()'s left out
        _log_exception(service, what, exc, skip=2)
        _return_error(task, _error_for(exc, prefix))
        return
    if inspect.isawaitable(result):
        _mode_asyncio.run_coroutine(task, _as_coroutine(result),
                                    _coroutine_error_for(service, what, prefix),
                                    on_value if coroutine_value else None)
    elif on_value is not None:
        on_value(result)
    else:
        task.return_boolean(True)


def _wrap_coroutine_hook(func, hook, with_cancellable):
    """An asynchronous hook written as a coroutine function: func(self,
    cancellable) (GI's name, do_on_start) or func(self) (Mode's name,
    on_start). A plain function in Mode's form is run the same way."""
    @functools.wraps(func)
    def wrapper(self, cancellable, task):
        prefix = _hook_prefix(self, hook)

        def returned(result):
            if result is False:
                task.return_error(GLib.Error.new_literal(
                    Mode.error_quark(), prefix + "returned False", Mode.Error.FAILED))
            else:
                task.return_boolean(True)

        _complete_task(self, task,
                       lambda: func(self, cancellable) if with_cancellable else func(self),
                       hook, prefix, returned, coroutine_value=False)

    return _mark(wrapper)


def _wrap_sync_as_async(func, hook):
    """A synchronous hook of a class whose base class has an asynchronous
    form of it: the engine calls the asynchronous form when there is
    one, so the most derived hook is given that form too."""
    sync = _wrap_sync_hook(func, hook)

    def wrapper(self, cancellable, task):
        try:
            sync(self, cancellable)
        except GLib.Error as error:
            task.return_error(error)
            return
        task.return_boolean(True)

    return _mark(functools.wraps(func)(wrapper))


async def _await(awaitable):
    return await awaitable


def _as_coroutine(awaitable):
    return awaitable if inspect.iscoroutine(awaitable) else _await(awaitable)


def _run_thread_coroutine(self, coro, hook):
    """A coroutine hook of the thread (on_thread_started, on_thread_stop):
    the C hook returns nothing, so the coroutine runs on the thread's
    loop; on_thread_stop's is run to its end before the thread ends."""
    loop = _mode_asyncio.running_loop()
    task = loop.create_task(coro)
    if hook == "on_thread_stop":
        context = GLib.MainContext.ref_thread_default()
        while not task.done():
            context.iteration(True)
    return task


def _hook_kind(cls, name):
    """How the classes above @cls define hook @name: "async" when one of
    them has a Python asynchronous form (the engine then calls that)."""
    for base in cls.__mro__[1:]:
        func = base.__dict__.get("do_" + name + "_async")
        if func is not None and getattr(func, "_mode_wrapped", False):
            return "async"
    return None


def _install_hooks(cls):
    """Wraps the hooks @cls defines, before PyGObject registers them."""
    for name, (wrap, hook) in _HOOK_WRAPPERS.items():
        func = cls.__dict__.get(name)
        if func is None or getattr(func, "_mode_wrapped", False):
            continue
        if name.startswith("do_on_thread_") and inspect.iscoroutinefunction(func):
            coroutine_hook = func
            func = functools.wraps(coroutine_hook)(
                lambda self, _f=coroutine_hook, _h=hook: _run_thread_coroutine(self, _f(self), _h))
        elif name[3:] in _HOOKS_BY_NAME and inspect.iscoroutinefunction(func):
            # async def do_on_start(self, cancellable): GI's name, a coroutine
            delattr(cls, name)
            setattr(cls, name + "_async", _wrap_coroutine_hook(func, hook, True))
            continue
        setattr(cls, name, wrap(func, hook))
        if name[3:] in _HOOKS_BY_NAME and _hook_kind(cls, hook) == "async" \
                and name + "_async" not in cls.__dict__:
            setattr(cls, name + "_async", _wrap_sync_as_async(func, hook))
    # Mode's names: on_start(self), def or async def
    for hook in _HOOKS_BY_NAME:
        func = cls.__dict__.get(hook)
        if func is not None and callable(func) and "do_" + hook + "_async" not in cls.__dict__:
            setattr(cls, "do_" + hook + "_async", _wrap_coroutine_hook(func, hook, False))
    func = cls.__dict__.get("on_init_dependencies")
    if func is not None and "do_on_init_dependencies" not in cls.__dict__:
        setattr(cls, "do_on_init_dependencies",
                _HOOK_WRAPPERS["do_on_init_dependencies"][0](
                    lambda self, _f=func: list(_f(self) or ()), "on_init_dependencies"))
    for hook in ("on_thread_started", "on_thread_stop"):
        func = cls.__dict__.get(hook)
        if func is not None and "do_" + hook not in cls.__dict__:
            wrap = _HOOK_WRAPPERS["do_" + hook][0]
            if inspect.iscoroutinefunction(func):
                setattr(cls, "do_" + hook, wrap(
                    lambda self, _f=func, _h=hook: _run_thread_coroutine(self, _f(self), _h), hook))
            else:
                setattr(cls, "do_" + hook, wrap(lambda self, _f=func: _f(self), hook))


_HOOKS_BY_NAME = tuple(name[3:] for name in _HOOKS)


def _coroutine_task(func, user_data, what):
    """The coroutine of a task: @func itself when it is a coroutine (or
    another awaitable), func(*user_data) for a coroutine function."""
    if inspect.isawaitable(func):
        return _as_coroutine(func)
    if inspect.iscoroutinefunction(func):
        return func(*user_data)
    return None


def _spawn_coroutine(service, coro, what):
    def run(svc, task, *_ignored):
        _mode_asyncio.run_coroutine(task, coro, _coroutine_error_for(svc, what))
    return run


def _short_call(klass, name, nargs):
    """Mode's short name of an _async/_finish pair: service.start(),
    await service.sleep(1.0). Returns an asyncio future of what _finish
    returns (see _mode_asyncio.begin())."""
    start = getattr(klass, name + "_async")
    finish = getattr(klass, name + "_finish")

    def short(self, *args, cancellable=None):
        if len(args) > nargs:
            args, cancellable = args[:nargs], args[nargs]
        if len(args) != nargs:
            raise TypeError("%s() takes %d argument%s (%d given)"
                            % (name, nargs, "" if nargs == 1 else "s", len(args)))
        return _mode_asyncio.begin("%s.%s()" % (type(self).__name__, name),
                                   functools.partial(start, self),
                                   functools.partial(finish, self), args, cancellable)

    def gi_async(self, *args, **kwargs):
        callback = kwargs.get("callback", args[nargs + 1] if len(args) > nargs + 1 else None)
        if callback is not None:
            return start(self, *args, **kwargs)
        cancellable = kwargs.get("cancellable", args[nargs] if len(args) > nargs else None)
        return short(self, *args[:nargs], cancellable=cancellable)

    short.__name__ = name
    short.__doc__ = ("Calls %s_async() and returns an awaitable of what %s_finish() "
                     "returns." % (name, name))
    gi_async.__name__ = name + "_async"
    gi_async.__doc__ = (start.__doc__ or "") + (
        "\n\nWithout a callback it returns an awaitable, as %s() does." % name)
    return short, gi_async


def _add_short_calls(cls, klass, calls):
    for name, nargs in calls:
        short, gi_async = _short_call(klass, name, nargs)
        setattr(cls, name, short)
        setattr(cls, name + "_async", gi_async)


# }}}

# Decorators and the class registry {{{


def task(func=None, *, name=None):
    """Makes a method of a Mode.Service subclass a task of every instance,
    started with the service and stopped with it (Mode's @Service.task):

        class Heartbeat(Mode.Service):
            @Mode.task
            async def beat(self):
                while not self.props.should_stop:
                    await self.sleep(1.0)

    A coroutine function is cancelled at its await when the service stops.
    A subclass's task of the same name replaces the base class's."""
    def mark(f):
        f._mode_task = name or f.__name__
        return f

    return mark if func is None else mark(func)


def timer(interval, exec_first=False, *, name=None):
    """Makes a method of a Mode.Service subclass a timer of every
    instance, called every @interval seconds while the service runs
    (Mode's @Service.timer); with @exec_first also once at its start."""
    def mark(f):
        f._mode_timer = (name or f.__name__, float(interval), bool(exec_first))
        return f

    return mark


def crontab(cron, timezone=None, exec_first=False, *, name=None):
    """Makes a method of a Mode.Service subclass a cron timer of every
    instance (Mode's @Service.crontab): called at the times of the
    five-field expression @cron ("*/5 * * * *") in @timezone (a
    GLib.TimeZone or an identifier such as "Europe/Berlin"; local time
    when None). An invalid expression raises GLib.Error when the class
    is made."""
    def mark(f):
        f._mode_cron = (name or f.__name__, cron, timezone, bool(exec_first))
        return f

    return mark


__all__ += ["task", "timer", "crontab"]


def _class_task_func(method, what):
    def run(service, task_, *_ignored):
        _complete_task(service, task_, lambda: method(service), what)

    return run


def _class_timer_func(method, what):
    """An asynchronous timer's function: a coroutine's tick lasts until it
    ends (the next tick waits for it, as in Mode); an exception crashes
    the service through the tick's task."""
    def run(service, timer_, cancellable, task_, *_ignored):
        _class_task_func(method, what)(service, task_)

    return run


def _register_class_work(cls):
    """Registers the @Mode.task and @Mode.timer methods @cls defines as
    class-level tasks and timers of its GType."""
    for attr, value in cls.__dict__.items():
        func = getattr(value, "__func__", value)
        name = getattr(func, "_mode_task", None)
        if name is not None:
            Mode.ServiceClass.add_task_full(cls, name,
                                            _class_task_func(func, "task " + name))
        spec = getattr(func, "_mode_timer", None)
        if spec is not None:
            tname, interval, exec_first = spec
            flags = Mode.TimerFlags.EXEC_FIRST if exec_first else Mode.TimerFlags.NONE
            Mode.ServiceClass.add_async_timer_full(cls, tname, interval, flags,
                                                   _class_timer_func(func, "timer " + tname))
        spec = getattr(func, "_mode_cron", None)
        if spec is not None:
            tname, cron, tz, exec_first = spec
            if isinstance(tz, str):
                tz = GLib.TimeZone.new_identifier(tz)
                if tz is None:
                    raise ValueError("@Mode.crontab(): unknown time zone %r" % spec[2])
            flags = Mode.TimerFlags.EXEC_FIRST if exec_first else Mode.TimerFlags.NONE
            Mode.ServiceClass.add_cron_timer_full(cls, tname, cron, tz, flags,
                                                  _class_timer_func(func, "timer " + tname))


class _ServiceMeta(type(Mode.Service)):
    """Registers a Python subclass's decorated tasks and timers once its
    GType is registered."""

    def __init__(cls, name, bases, dict_):
        super().__init__(name, bases, dict_)
        if not cls.__module__.startswith("gi."):
            _register_class_work(cls)


# }}}

# self.log {{{

_PY_LEVELS = {
    logging.DEBUG: GLib.LogLevelFlags.LEVEL_DEBUG,
    logging.INFO: GLib.LogLevelFlags.LEVEL_INFO,
    logging.WARNING: GLib.LogLevelFlags.LEVEL_WARNING,
    logging.ERROR: GLib.LogLevelFlags.LEVEL_CRITICAL,
    logging.CRITICAL: GLib.LogLevelFlags.LEVEL_CRITICAL,
}


class ServiceLog:
    """self.log of a service: Mode's logger. Lines go through the
    library's logging (mode_service_log_message()), with the service's
    "[^--Label]: " prefix and MODE_SERVICE field:

        self.log.info("Serving on port %s", port)

    Python's levels map to GLib's: debug, info, warning as they are;
    error and critical to G_LOG_LEVEL_CRITICAL (the worker's "error"
    level; GLib's ERROR level aborts). exception() is error() with the
    traceback of the exception being handled. Called, it is the C
    method: self.log(GLib.LogLevelFlags.LEVEL_MESSAGE, "text")."""

    __slots__ = ("_service",)

    def __init__(self, service):
        self._service = service

    def __call__(self, level, message, *args):
        if not isinstance(level, GLib.LogLevelFlags) and level in _PY_LEVELS:
            level = _PY_LEVELS[level]
        Mode.Service.log(self._service, level, message % args if args else message)

    def _emit(self, level, msg, args, exc_info=False):
        text = str(msg) % args if args else str(msg)
        if exc_info:
            info = sys.exc_info() if exc_info is True else exc_info
            if isinstance(info, BaseException):
                info = (type(info), info, info.__traceback__)
            if info and info[0] is not None:
                text += "\n" + "".join(traceback.format_exception(*info)).rstrip("\n")
        Mode.Service.log(self._service, level, text)

    def debug(self, msg, *args, exc_info=False):
        self._emit(GLib.LogLevelFlags.LEVEL_DEBUG, msg, args, exc_info)

    def info(self, msg, *args, exc_info=False):
        self._emit(GLib.LogLevelFlags.LEVEL_INFO, msg, args, exc_info)

    def warning(self, msg, *args, exc_info=False):
        self._emit(GLib.LogLevelFlags.LEVEL_WARNING, msg, args, exc_info)

    warn = warning

    def error(self, msg, *args, exc_info=False):
        self._emit(GLib.LogLevelFlags.LEVEL_CRITICAL, msg, args, exc_info)

    critical = error

    def exception(self, msg, *args, exc_info=True):
        self._emit(GLib.LogLevelFlags.LEVEL_CRITICAL, msg, args, exc_info)

    def log(self, level, msg, *args, exc_info=False):
        self._emit(_PY_LEVELS.get(level, level), msg, args, exc_info)


# }}}


class _Computed:
    """An attribute computed when read, that an instance may still set
    for itself (a subclass's own self.log = ... keeps working)."""

    def __init__(self, get, doc):
        self._get = get
        self.__doc__ = doc

    def __get__(self, obj, objtype=None):
        return self if obj is None else self._get(obj)


class Service(Mode.Service, metaclass=_ServiceMeta):
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _install_hooks(cls)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if (not kwargs.get("label") and not type(self).__module__.startswith("gi.")
                and self.get_label() == self.__gtype__.name):
            self.set_label(type(self).__name__)
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    log = _Computed(ServiceLog, "self.log: the service's logger, a ServiceLog.")
    loop = _Computed(lambda self: _mode_asyncio.running_loop(),
                     "self.loop: the asyncio loop of the thread this is read in (a "
                     "ServiceThread's own loop in its hooks); see install_event_loop().")

    def spawn(self, name, func, *user_data):
        """Runs func as a task of the service (see mode_service_spawn()).
        func is a function func(service, task, *user_data) that completes
        the task, a coroutine function called as func(*user_data), or a
        coroutine; a coroutine is cancelled at its await when the service
        stops."""
        what = _task_name(name)
        coro = _coroutine_task(func, user_data, what)
        if coro is not None:
            Mode.Service.spawn(self, name, _spawn_coroutine(self, coro, what))
        else:
            Mode.Service.spawn(self, name, _task_func(func, what), *user_data)

    def add_future(self, coro, name=None):
        """Runs the coroutine @coro as a task of the service (Mode's
        add_future()), cancelled when the service stops."""
        self.spawn(name or getattr(coro, "__qualname__", "future"), coro)

    def add_task(self, name, func, *user_data):
        what = _task_name(name)
        if inspect.iscoroutinefunction(func):
            def run(service, task_, *data):
                _mode_asyncio.run_coroutine(task_, func(*data), _coroutine_error_for(service, what))
            Mode.Service.add_task(self, name, run, *user_data)
        else:
            Mode.Service.add_task(self, name, _task_func(func, what), *user_data)

    def add_timer(self, name, interval, func, *user_data):
        return Mode.Service.add_timer(self, name, interval,
                                      _timer_func(func, "timer %s" % name), *user_data)

    def add_cleanup(self, func, *user_data):
        Mode.Service.add_cleanup(self, _cleanup_func(func), *user_data)

    # Timers with flags, asynchronous and cron timers (and their
    # ServiceClass forms below): an exception in a timer function crashes
    # the service, as add_timer()'s does; in the function of an
    # asynchronous (or cron) timer it completes the tick's task with its
    # error, which crashes the service as a task's error does.

    def add_timer_with_flags(self, name, interval, flags, func, *user_data):
        return Mode.Service.add_timer_with_flags(self, name, interval, flags,
                                                 _timer_func(func, "timer %s" % name), *user_data)

    def add_async_timer(self, name, interval, flags, func, *user_data):
        return Mode.Service.add_async_timer(self, name, interval, flags,
                                            _async_timer_func(func, "timer %s" % name), *user_data)

    def add_cron_timer(self, name, cron, tz, flags, func, *user_data):
        return Mode.Service.add_cron_timer(self, name, cron, tz, flags,
                                           _async_timer_func(func, "timer %s" % name), *user_data)


_add_short_calls(Service, Mode.Service, (
    ("start", 0), ("maybe_start", 0), ("stop", 0), ("restart", 0),
    ("wait_until_stopped", 0), ("add_runtime_dependency", 1),
    ("remove_dependency", 1), ("sleep", 1), ("wait", 2),
    ("wait_any", 2), ("wait_all", 2),
))

Service = override(Service)
__all__.append("Service")


class ServiceClass(Mode.ServiceClass):
    """Class-level tasks and timers; the first argument is the Python
    class: Mode.ServiceClass.add_task_full(MyService, "poll", poll).

    A class structure has no GType for override() to register: this
    class replaces Mode.ServiceClass through __all__ alone. PyGObject
    sets the structure's methods on every subclass when it is made, so
    the wrapped ones are set after that."""


def _add_task_full(klass, name, func, *user_data):
    Mode.ServiceClass.add_task_full(klass, name, _task_func(func, _task_name(name)),
                                    *user_data)


def _add_timer_full(klass, name, interval, func, *user_data):
    Mode.ServiceClass.add_timer_full(klass, name, interval,
                                     _timer_func(func, "timer %s" % name), *user_data)


def _add_timer_with_flags_full(klass, name, interval, flags, func, *user_data):
    Mode.ServiceClass.add_timer_with_flags_full(klass, name, interval, flags,
                                                _timer_func(func, "timer %s" % name), *user_data)


def _add_async_timer_full(klass, name, interval, flags, func, *user_data):
    Mode.ServiceClass.add_async_timer_full(klass, name, interval, flags,
                                           _async_timer_func(func, "timer %s" % name), *user_data)


def _add_cron_timer_full(klass, name, cron, tz, flags, func, *user_data):
    return Mode.ServiceClass.add_cron_timer_full(klass, name, cron, tz, flags,
                                                 _async_timer_func(func, "timer %s" % name),
                                                 *user_data)


ServiceClass.add_task_full = _add_task_full
ServiceClass.add_timer_full = _add_timer_full
ServiceClass.add_timer_with_flags_full = _add_timer_with_flags_full
ServiceClass.add_async_timer_full = _add_async_timer_full
ServiceClass.add_cron_timer_full = _add_cron_timer_full
__all__.append("ServiceClass")


class ServiceThread(Mode.ServiceThread):
    """Mode.ServiceThread with a call_async() that takes plain data, and
    call(), which returns the function's own value.

    PyGObject cannot tell the two closures of call_async() apart (the
    function's data and the callback's): this keeps the C order of the
    arguments and passes each function its own data as is:

        svc.call_async(func, data, cancellable, callback, cb_data)
        # func(service, task, data) runs in the service's thread
        # callback(service, result, cb_data) runs here

    An exception that func raises completes the call's task with its
    error (see the module's documentation), which call_finish() raises.

    Coroutines of the thread (async hooks, tasks) run on an asyncio loop
    of the thread's own context, self.loop there; it is closed when the
    thread ends.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        stop = cls.__dict__.get("do_on_thread_stop")
        if stop is None or not getattr(stop, "_mode_closes_loop", False):
            if stop is None:
                # the nearest Python class above that has one
                stop = next((base.__dict__["do_on_thread_stop"] for base in cls.__mro__[1:]
                             if "do_on_thread_stop" in base.__dict__
                             and not base.__module__.startswith("gi.")), None)

            def do_on_thread_stop(self, _stop=stop):
                try:
                    if _stop is not None:
                        _stop(self)
                finally:
                    _mode_asyncio.close_thread_loop()
            do_on_thread_stop._mode_wrapped = True
            do_on_thread_stop._mode_closes_loop = True
            cls.do_on_thread_stop = do_on_thread_stop

    def call_async(self, func, user_data=None, cancellable=None,
                   callback=None, cb_data=None):
        guarded = _task_func(func, "thread function " + _func_name(func))

        def run(service, task_, *_ignored):
            guarded(service, task_, user_data)

        done = None
        if callback is not None:
            def done(service, result, *_ignored):
                callback(service, result, cb_data)

        Mode.ServiceThread.call_async(self, run, (), cancellable, done, ())

    def call(self, func, *args, cancellable=None):
        """Runs func(*args) in the service's thread and returns an
        awaitable of its value, any Python object (Mode's
        ServiceThread.call_soon() with its result). A coroutine function
        runs on the thread's loop; an exception is what the await raises
        (as a GLib.Error, see the module's documentation)."""
        what = "thread function " + _func_name(func)
        value = []

        def run(service, task_, *_ignored):
            def done(result):
                value.append(result)
                task_.return_boolean(True)

            _complete_task(service, task_, lambda: func(*args), what, on_value=done)

        def finish(result):
            Mode.ServiceThread.call_finish(self, result)
            return value[0] if value else None

        return _mode_asyncio.begin(
            "%s.call()" % type(self).__name__,
            lambda cancellable_, callback: Mode.ServiceThread.call_async(
                self, run, (), cancellable_, callback, ()),
            finish, (), cancellable)

    def cast(self, func, *user_data):
        Mode.ServiceThread.cast(
            self, _task_func(func, "thread function " + _func_name(func)), *user_data)


ServiceThread = override(ServiceThread)
__all__.append("ServiceThread")


class Event(Mode.Event):
    """Mode.Event with wait(), an awaitable of wait_async()."""


_add_short_calls(Event, Mode.Event, (("wait", 0),))
Event = override(Event)
__all__.append("Event")


_OPTION_ARGS = {
    bool: GLib.OptionArg.NONE,
    int: GLib.OptionArg.INT64,
    float: GLib.OptionArg.DOUBLE,
    str: GLib.OptionArg.STRING,
}


def _wrap_worker_hook(func, hook):
    """on_execute and on_setup_logging return a boolean in C: None
    succeeds, an exception fails with its error (a GLib.Error as it is)."""
    @functools.wraps(func)
    def wrapper(self):
        try:
            result = func(self)
        except Exception as exc:
            if not isinstance(exc, GLib.Error):
                _log_exception(self, hook, exc)
            raise _error_for(exc, "" if isinstance(exc, GLib.Error)
                             else _hook_prefix(self, hook)) from None
        return True if result is None else result

    return _mark(wrapper)


class Queue(Mode.Queue):
    """Mode.Queue with awaitable calls: await queue.put(item) (waits while
    the queue is full or paused) and await queue.get(), Mode's and
    asyncio's names, next to push_value() and pop_value()."""

    def put(self, item, cancellable=None):
        return self.push_value(item, cancellable=cancellable)

    def get(self, cancellable=None):
        return self.pop_value(cancellable=cancellable)


_add_short_calls(Queue, Mode.Queue, (("push_value", 1), ("pop_value", 0)))
Queue = override(Queue)
__all__.append("Queue")


class Worker(Mode.Worker):
    """Mode.Worker as Mode has it: Mode.Worker(*services, loglevel="info",
    debug=True, ...) (any property), and execute_from_commandline(); a
    program's own options with add_option() and option()."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for hook in ("on_execute", "on_setup_logging"):
            func = cls.__dict__.get("do_" + hook) or cls.__dict__.get(hook)
            if func is not None and not getattr(func, "_mode_wrapped", False):
                setattr(cls, "do_" + hook, _wrap_worker_hook(func, hook))
        func = cls.__dict__.get("on_worker_shutdown")
        if func is not None and "do_on_worker_shutdown" not in cls.__dict__:
            cls.do_on_worker_shutdown = func

    def __init__(self, *services, **kwargs):
        if type(self) is Worker and not kwargs.get("label"):
            kwargs["label"] = "Worker"
        super().__init__(**kwargs)
        self._mode_defaults = {}
        for service in services:
            self.add_service(service)

    def add_option(self, name, default, description, arg_description=None, short_name=None):
        """Adds the option --@name to the worker's command line (listed by
        --help, parsed with the worker's own): its type is that of
        @default (bool: a flag; int, float, str: a value), option(@name)
        reads it."""
        arg = _OPTION_ARGS.get(type(default))
        if arg is None:
            raise TypeError("add_option(): default must be a bool, int, float or str, not %s"
                            % type(default).__name__)
        self._mode_defaults[name] = default
        self.add_main_option(name, ord(short_name) if short_name else 0,
                             GLib.OptionFlags.NONE, arg, description, arg_description)

    def option(self, name):
        """The value of the option --@name that add_option() added: the
        command line's once it was parsed, else its default."""
        value = self.get_options().lookup_value(name, None)
        return value.unpack() if value is not None else self._mode_defaults[name]

    def execute_from_commandline(self, argv=None):
        """Runs the worker with the command line @argv. Without @argv it
        reads sys.argv and exits the program with the worker's status, as
        Mode's does; with it, returns the status. While it runs, the
        default context's asyncio loop (see install_event_loop()) is the
        running loop: hooks and tasks may be coroutines."""
        exits = argv is None
        if exits:
            argv = sys.argv
        try:
            _mode_asyncio.install_event_loop()
        except ImportError:
            pass
        with _mode_asyncio.RunningLoop():
            status = Mode.Worker.execute_from_commandline(self, argv)
        if exits:
            sys.exit(status)
        return status

    def run(self):
        with _mode_asyncio.RunningLoop():
            return Mode.Worker.run(self)


Worker = override(Worker)
__all__.append("Worker")
