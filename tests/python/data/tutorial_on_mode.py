# SPDX-License-Identifier: BSD-3-Clause
"""The program of examples/tutorial.py written for Mode (the Python
library), kept to compare their lengths (test_tutorial.py): it is not
run, Mode is not a dependency. The same services, output and option."""
import argparse
import asyncio
import time
from functools import cached_property

from mode import Service, ServiceProxy, ServiceThread, Worker


class Websockets(Service):
    async def on_start(self):
        print("STARTING WEBSOCKET SERVER", flush=True)

    async def on_stop(self):
        print("STOPPING WEBSOCKET SERVER", flush=True)


class Webserver(ServiceThread):
    def __init__(self, port=8000, bind="127.0.0.1", **kwargs):
        self.port, self.bind, self.requests = port, bind, 0
        super().__init__(**kwargs)

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


class UserCache(Service):
    def __post_init__(self):
        self.users = {"alice": time.monotonic(), "bob": time.monotonic() + 60}

    @Service.timer(10.0)
    async def remove_expired(self):
        now = time.monotonic()
        self.users = {name: t for name, t in self.users.items() if t > now}
        print("REMOVING EXPIRED USERS", flush=True)


class AppService(Service):
    def __init__(self, web_port, **kwargs):
        self.web_port = web_port
        super().__init__(**kwargs)

    def on_init_dependencies(self):
        return [Websockets(), Webserver(self.web_port), UserCache()]

    async def on_start(self):
        print("App is starting", flush=True)


class App(ServiceProxy):
    def __init__(self, web_port, **kwargs):
        self.web_port = web_port
        super().__init__(**kwargs)

    @cached_property
    def _service(self):
        return AppService(self.web_port)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--web-port", type=int, default=8000, help="Port to serve on (0: any free one)")
    args, rest = parser.parse_known_args()
    Worker(App(args.web_port), loglevel="info").execute_from_commandline()
