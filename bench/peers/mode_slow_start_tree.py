#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""slow_start_tree D B MS on Mode (the Python library), the peer of
`mode-bench slow_start_tree D B MS`: a balanced tree of depth D and
branching B whose every service's on_start takes MS milliseconds
(an asyncio sleep), started from its root; prints one JSON line with
the fields mode-bench prints that Mode has (Mode starts a service's
dependencies one after the other: it has no parallel start).

Needs Mode (pip install mode-streaming); mode-glib's tests do not run it."""

import asyncio
import json
import sys
import time

from mode import Service


class Slow(Service):
    def __init__(self, depth, branching, hook_s, **kwargs):
        self.depth, self.branching, self.hook_s = depth, branching, hook_s
        super().__init__(**kwargs)

    def on_init_dependencies(self):
        if self.depth <= 1:
            return []
        return [Slow(self.depth - 1, self.branching, self.hook_s)
                for _ in range(self.branching)]

    async def on_start(self):
        await asyncio.sleep(self.hook_s)


def count(depth, branching):
    return sum(branching ** level for level in range(depth))


async def main(depth, branching, hook_ms):
    root = Slow(depth, branching, hook_ms / 1000.0)
    begin = time.monotonic()
    await root.start()
    start_ms = (time.monotonic() - begin) * 1000.0
    await root.stop()
    print(json.dumps({
        "impl": "mode", "bench": "slow_start_tree", "depth": depth,
        "branching": branching, "services": count(depth, branching),
        "hook_ms": hook_ms, "in_order_start_ms": round(start_ms, 3),
        "critical_path_ms": depth * hook_ms,
    }))


if __name__ == "__main__":
    d, b, ms = (int(a) for a in sys.argv[1:4])
    asyncio.run(main(d, b, ms))
