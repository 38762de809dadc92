#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The tutorial of Mode's README, in Python over GObject-Introspection.
Stop it with Ctrl-C.

With --graph PATH the App draws its tree of services at startup, as
Mode's tutorial does: PATH ending in .dot gets the graph in the DOT
language, "-" prints that to standard output, any other extension
(image.png, tree.svg) is rendered by graphviz."""

import sys
import time

import gi

gi.require_version("Mode", "1.0")
from gi.repository import GLib, Mode  # noqa: E402

graph_path = None


def write_graph(service):
    graph = service.props.beacon.get_root().as_graph()
    if graph_path == "-":
        print(graph.to_dot(), end="", flush=True)
        return
    print(f"Writing graph to {graph_path}", flush=True)
    _, dot, ext = graph_path.rpartition(".")
    try:
        if dot and ext == "dot":
            with open(graph_path, "w", encoding="utf-8") as fh:
                fh.write(graph.to_dot())
        else:
            graph.render(ext if dot and ext else "png", graph_path)
    except (GLib.Error, OSError) as error:
        print(f"Cannot write {graph_path}: {error}", file=sys.stderr)


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
        if graph_path is not None:
            write_graph(self)


def take_graph_option(argv):
    """Takes --graph PATH (or --graph=PATH) out of argv; the worker parses
    the rest."""
    global graph_path
    rest = []
    args = iter(argv)
    for arg in args:
        if arg == "--graph":
            graph_path = next(args, None)
        elif arg.startswith("--graph="):
            graph_path = arg[len("--graph="):]
        else:
            rest.append(arg)
    return rest


if __name__ == "__main__":
    argv = take_graph_option(sys.argv)
    worker = Mode.Worker()
    worker.add_service(App(label="App"))
    sys.exit(worker.execute_from_commandline(argv))
