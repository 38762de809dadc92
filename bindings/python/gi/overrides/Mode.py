# SPDX-License-Identifier: BSD-3-Clause
"""PyGObject overrides for mode-glib.

A hook of Mode.Service (do_on_first_start, do_on_start, do_on_started,
do_on_stop, do_on_shutdown, do_on_restart) returns a boolean in C: TRUE
on success. With this override, a Python hook that returns None (falls
off its end) succeeds too, so hooks read naturally:

    class Cache(Mode.Service):
        def do_on_start(self, cancellable):
            self.entries = {}

A hook fails by raising GLib.Error: start_finish() (or stop_finish())
raises that same error, domain and code kept, and a failing start hook
crashes the service. Returning False, or raising any other exception
(which PyGObject reports and turns into FALSE), fails with
Mode.Error.FAILED, whose message names the service and the hook.

The hooks of every subclass of Mode.Service are wrapped when the class
is made (__init_subclass__), before PyGObject registers them as vfuncs.
The asynchronous forms (do_on_start_async(self, cancellable, task)) are
left alone: they complete the task themselves.

PyGObject finds this module through pkgutil.extend_path: any
gi/overrides directory on sys.path (installed, or the source tree's
bindings/python on PYTHONPATH) is searched.
"""

import functools

from ..module import get_introspection_module
from ..overrides import override

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


def _succeed_on_none(func):
    @functools.wraps(func)
    def hook(self, cancellable):
        result = func(self, cancellable)
        return True if result is None else result

    hook._mode_wrapped = True
    return hook


class Service(Mode.Service):
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in _HOOKS:
            func = cls.__dict__.get(name)
            if func is not None and not getattr(func, "_mode_wrapped", False):
                setattr(cls, name, _succeed_on_none(func))


Service = override(Service)
__all__.append("Service")


class ServiceThread(Mode.ServiceThread):
    """Mode.ServiceThread with a call_async() that takes plain data.

    PyGObject cannot tell the two closures of call_async() apart (the
    function's data and the callback's): this keeps the C order of the
    arguments and passes each function its own data as is:

        svc.call_async(func, data, cancellable, callback, cb_data)
        # func(service, task, data) runs in the service's thread
        # callback(service, result, cb_data) runs here
    """

    def call_async(self, func, user_data=None, cancellable=None,
                   callback=None, cb_data=None):
        def run(service, task, *_ignored):
            func(service, task, user_data)

        done = None
        if callback is not None:
            def done(service, result, *_ignored):
                callback(service, result, cb_data)

        Mode.ServiceThread.call_async(self, run, (), cancellable, done, ())


ServiceThread = override(ServiceThread)
__all__.append("ServiceThread")
