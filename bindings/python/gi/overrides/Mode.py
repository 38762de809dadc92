# SPDX-License-Identifier: BSD-3-Clause
"""PyGObject overrides for mode-glib.

A hook of Mode.Service returns a boolean in C: TRUE on success. In
Python, a hook that returns None (falls off its end) succeeds too, and
one that raises GLib.Error fails with that error:

    class Cache(Mode.Service):
        def do_on_start(self, cancellable):
            self.entries = {}
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
