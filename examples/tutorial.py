#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Mode's tutorial on mode-glib: an App that starts Websockets, a
UserCache and a Webserver thread serving HTTP. Ctrl-C stops it."""
import asyncio
import time

import gi
gi.require_version("Mode", "1.0")
from gi.repository import Mode  # noqa: E402


class Websockets(Mode.Service):
    async def on_start(self):
        print("STARTING WEBSOCKET SERVER", flush=True)

    async def on_stop(self):
        print("STOPPING WEBSOCKET SERVER", flush=True)


class Webserver(Mode.ServiceThread):
    def __init__(self, port=8000, bind="127.0.0.1", **kwargs):
        super().__init__(**kwargs)
        self.port, self.bind, self.requests = port, bind, 0

    async def on_start(self):
        # self.loop is the event loop of this thread
        self.server = await asyncio.start_server(self.handle, self.bind, self.port)
        self.log.info("Serving on http://%s:%d/", *self.server.sockets[0].getsockname())

    async def handle(self, reader, writer):
        request = (await reader.readuntil(b"\r\n\r\n")).decode().split()[:2]
        self.requests += 1
        body = f"Hello from mode-glib's tutorial\nrequest: {' '.join(request)}\n"
        writer.write(f"HTTP/1.0 200 OK\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode())
        await writer.drain()
        writer.close()

    async def on_thread_stop(self):
        self.server.close()
        self.log.info("Closed after %d requests", self.requests)


class UserCache(Mode.Service):
    def __post_init__(self):
        self.users = {"alice": time.monotonic(), "bob": time.monotonic() + 60}

    @Mode.timer(10.0)
    def remove_expired(self):
        now = time.monotonic()
        self.users = {name: t for name, t in self.users.items() if t > now}
        print("REMOVING EXPIRED USERS", flush=True)


class AppService(Mode.Service):
    def __init__(self, worker, **kwargs):
        super().__init__(**kwargs)
        self.worker = worker

    def on_init_dependencies(self):
        return [Websockets(), Webserver(self.worker.option("web-port")), UserCache()]

    async def on_start(self):
        print("App is starting", flush=True)


class App(Mode.ServiceProxy):
    def __init__(self, worker, **kwargs):
        super().__init__(**kwargs)
        self.worker = worker

    def do_create_service(self):
        return AppService(self.worker)


if __name__ == "__main__":
    worker = Mode.Worker(loglevel="info")
    worker.add_option("web-port", 8000, "Port to serve on (0: any free one)", "PORT")
    worker.add_service(App(worker))
    worker.execute_from_commandline()
