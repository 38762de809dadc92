#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The tutorial of Mode's README, in Python over GObject-Introspection.
Stop it with Ctrl-C."""

import sys
import time

import gi

gi.require_version("Mode", "1.0")
from gi.repository import Mode  # noqa: E402


class Websockets(Mode.Service):
    def do_on_start(self, cancellable):
        print("Websockets: listening", flush=True)

    def do_on_stop(self, cancellable):
        print("Websockets: closing", flush=True)


class Webserver(Mode.Service):
    def do_on_start(self, cancellable):
        print("Webserver: listening", flush=True)


class UserCache(Mode.Service):
    def do_on_start(self, cancellable):
        self.users = {"alice": time.monotonic(), "bob": time.monotonic() + 1}
        self.add_timer("remove_expired", 10.0, self.remove_expired)

    def remove_expired(self, service, timer):
        now = time.monotonic()
        for name in [n for n, expiry in self.users.items() if expiry < now]:
            del self.users[name]
        print(f"UserCache: {len(self.users)} users left", flush=True)


class App(Mode.Service):
    def do_on_init_dependencies(self):
        return [Websockets(label="Websockets"),
                Webserver(label="Webserver"),
                UserCache(label="UserCache")]

    def do_on_start(self, cancellable):
        print("App is starting", flush=True)


if __name__ == "__main__":
    worker = Mode.Worker()
    worker.add_service(App(label="App"))
    sys.exit(worker.execute_from_commandline(sys.argv))
