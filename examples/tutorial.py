#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The tutorial of Mode's README, in Python over GObject-Introspection.
The Webserver serves HTTP from a thread of its own (--web-port PORT,
--web-bind ADDRESS); the App is a proxy whose service is made when it
starts. Stop it with Ctrl-C.

With --graph PATH the App draws its tree of services at startup, as
Mode's tutorial does: PATH ending in .dot gets the graph in the DOT
language, "-" prints that to standard output, any other extension
(image.png, tree.svg) is rendered by graphviz."""

import sys
import time

import gi

gi.require_version("Gio", "2.0")
gi.require_version("Mode", "1.0")
from gi.repository import Gio, GLib, Mode  # noqa: E402

graph_path = None
web_port = 8000
web_bind = "127.0.0.1"


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


class Webserver(Mode.ServiceThread):
    """Serves HTTP from its own thread: on_start runs there, and so does
    the GSocketService it makes."""

    def __init__(self, bind, port, **kwargs):
        super().__init__(**kwargs)
        self.bind = bind
        self.port = port
        self.server = None
        self.requests = 0

    def do_on_start(self, cancellable):
        self.server = Gio.SocketService.new()
        address = Gio.InetSocketAddress.new_from_string(self.bind, self.port)
        ok, effective = self.server.add_address(
            address, Gio.SocketType.STREAM, Gio.SocketProtocol.TCP, None)
        self.server.connect("incoming", self.on_incoming)
        self.server.start()
        print(f"Webserver: serving on http://{self.bind}:{effective.get_port()}/",
              file=sys.stderr, flush=True)

    def on_incoming(self, server, connection, source):
        lines = Gio.DataInputStream.new(connection.get_input_stream())
        request, _ = lines.read_line_utf8(None)
        while True:
            line, _ = lines.read_line_utf8(None)
            if not line or not line.strip():
                break
        self.requests += 1
        words = (request or "").split()
        body = (f"Hello from mode-glib's tutorial\n"
                f"request: {' '.join(words[:2])}\n"
                f"served by: Webserver, request {self.requests}\n").encode()
        head = (f"HTTP/1.0 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        connection.get_output_stream().write_all(head + body, None)
        connection.close(None)
        return True

    def do_on_stop(self, cancellable):
        if self.server is not None:
            self.server.stop()
            self.server.close()
            self.server = None
        print(f"Webserver: closed after {self.requests} requests",
              file=sys.stderr, flush=True)


class UserCache(Mode.Service):
    def do_on_start(self, cancellable):
        self.users = {"alice": time.monotonic(), "bob": time.monotonic() + 1}
        self.add_timer("remove_expired", 10.0, self.remove_expired)

    def remove_expired(self, service, timer):
        now = time.monotonic()
        for name in [n for n, expiry in self.users.items() if expiry < now]:
            del self.users[name]
        print(f"UserCache: {len(self.users)} users left", flush=True)


class AppService(Mode.Service):
    """What the App stands for: made when the App is first used."""

    def do_on_init_dependencies(self):
        return [Websockets(label="Websockets"),
                Webserver(web_bind, web_port, label="Webserver"),
                UserCache(label="UserCache")]

    def do_on_start(self, cancellable):
        print("App is starting", flush=True)
        if graph_path is not None:
            write_graph(self)


class App(Mode.ServiceProxy):
    def do_create_service(self):
        return AppService(label="AppService")


def take_options(argv):
    """Takes the tutorial's options (--graph, --web-port, --web-bind, as
    --opt VALUE or --opt=VALUE) out of argv; the worker parses the rest."""
    global graph_path, web_port, web_bind
    values = {}
    rest = []
    args = iter(argv)
    for arg in args:
        name, eq, value = arg.partition("=")
        if name in ("--graph", "--web-port", "--web-bind"):
            values[name] = value if eq else next(args, None)
        else:
            rest.append(arg)
    graph_path = values.get("--graph", graph_path)
    web_port = int(values.get("--web-port", web_port))
    web_bind = values.get("--web-bind", web_bind)
    return rest


if __name__ == "__main__":
    argv = take_options(sys.argv)
    worker = Mode.Worker()
    worker.add_service(App(label="App"))
    sys.exit(worker.execute_from_commandline(argv))
