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

Loading
-------
PyGObject finds this module through pkgutil.extend_path: any
gi/overrides directory on sys.path (installed, or the source tree's
bindings/python on PYTHONPATH) is searched.
"""

import functools
import traceback

from ..module import get_introspection_module
from ..overrides import override
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


def _log_exception(service, what, exc):
    """Logs @exc, raised by @what of @service, with its traceback (less
    the frame of the wrapper that caught it), unless it was logged
    already: a hook that calls its parent class's hook gets the error of
    that hook's wrapper. The line is the library's own, through
    Mode.Service.log(): its "[^--Label]: " prefix and MODE_SERVICE field."""
    if getattr(exc, "_mode_logged", False):
        return
    exc._mode_logged = True
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__.tb_next)
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


def _task_func(func, what):
    """A task function (or a thread function): an exception completes
    the task with its error."""
    def run(service, task, *user_data):
        try:
            func(service, task, *user_data)
        except Exception as exc:
            _log_exception(service, what, exc)
            _return_error(task, _error_for(exc))
        except BaseException as exc:
            # re-raised for PyGObject to act on; the task ends all the same
            _return_error(task, _error_for(exc))
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


class Service(Mode.Service):
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, (wrap, hook) in _HOOK_WRAPPERS.items():
            func = cls.__dict__.get(name)
            if func is not None and not getattr(func, "_mode_wrapped", False):
                setattr(cls, name, wrap(func, hook))

    def spawn(self, name, func, *user_data):
        Mode.Service.spawn(self, name, _task_func(func, _task_name(name)), *user_data)

    def add_task(self, name, func, *user_data):
        Mode.Service.add_task(self, name, _task_func(func, _task_name(name)), *user_data)

    def add_timer(self, name, interval, func, *user_data):
        return Mode.Service.add_timer(self, name, interval,
                                      _timer_func(func, "timer %s" % name), *user_data)

    def add_cleanup(self, func, *user_data):
        Mode.Service.add_cleanup(self, _cleanup_func(func), *user_data)


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


ServiceClass.add_task_full = _add_task_full
ServiceClass.add_timer_full = _add_timer_full
__all__.append("ServiceClass")


class ServiceThread(Mode.ServiceThread):
    """Mode.ServiceThread with a call_async() that takes plain data.

    PyGObject cannot tell the two closures of call_async() apart (the
    function's data and the callback's): this keeps the C order of the
    arguments and passes each function its own data as is:

        svc.call_async(func, data, cancellable, callback, cb_data)
        # func(service, task, data) runs in the service's thread
        # callback(service, result, cb_data) runs here

    An exception that func raises completes the call's task with its
    error (see the module's documentation), which call_finish() raises.
    """

    def call_async(self, func, user_data=None, cancellable=None,
                   callback=None, cb_data=None):
        guarded = _task_func(func, "thread function " + _func_name(func))

        def run(service, task, *_ignored):
            guarded(service, task, user_data)

        done = None
        if callback is not None:
            def done(service, result, *_ignored):
                callback(service, result, cb_data)

        Mode.ServiceThread.call_async(self, run, (), cancellable, done, ())

    def cast(self, func, *user_data):
        Mode.ServiceThread.cast(
            self, _task_func(func, "thread function " + _func_name(func)), *user_data)


ServiceThread = override(ServiceThread)
__all__.append("ServiceThread")
