# SPDX-License-Identifier: BSD-3-Clause
"""examples/tutorial.py run as a program, as Mode's users write it: async
hooks, a decorator timer, a Webserver Mode.ServiceThread that serves
HTTP with asyncio.start_server on its own loop, the worker's option
--web-port; Ctrl-C (SIGINT) stops it with exit status 0. And it is no
longer than the same program on Mode."""

import os
import re
import signal
import subprocess
import sys
import urllib.request

HERE = os.path.dirname(__file__)
TUTORIAL = os.path.join(HERE, "..", "..", "examples", "tutorial.py")
ON_MODE = os.path.join(HERE, "data", "tutorial_on_mode.py")
TIMEOUT_SECONDS = 60


def test_webserver_answers_http_and_sigint_stops():
    env = dict(os.environ, LC_ALL="C")
    proc = subprocess.Popen([sys.executable, TUTORIAL, "--web-port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        port = None
        seen = []
        for line in proc.stderr:
            seen.append(line)
            match = re.search(r"\[\^--Webserver\]: Serving on http://127\.0\.0\.1:(\d+)/", line)
            if match:
                port = int(match.group(1))
                break
        assert port, "".join(seen)

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/from-python",
                                    timeout=TIMEOUT_SECONDS) as response:
            body = response.read().decode()
        assert response.status == 200
        assert body == "Hello from mode-glib's tutorial\nrequest: GET /from-python\n"

        proc.send_signal(signal.SIGINT)
        out, rest = proc.communicate(timeout=TIMEOUT_SECONDS)
        assert proc.returncode == 0, rest
        assert "[^--Webserver]: Closed after 1 requests" in rest
        assert "[^Worker]: Stopping..." in rest
        assert "Task was destroyed" not in rest
        assert out.splitlines()[:2] == ["App is starting", "STARTING WEBSOCKET SERVER"]
        assert out.splitlines()[-1] == "STOPPING WEBSOCKET SERVER"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_help_lists_the_option():
    out = subprocess.run([sys.executable, TUTORIAL, "--help"], capture_output=True,
                         text=True, timeout=TIMEOUT_SECONDS)
    assert out.returncode == 0, out.stderr
    assert re.search(r"--web-port=PORT\s+Port to serve on", out.stdout), out.stdout


def code_lines(path):
    with open(path, encoding="utf-8") as fh:
        return [line for line in fh if line.strip() and not line.lstrip().startswith("#")]


def test_no_longer_than_on_mode():
    ours, theirs = len(code_lines(TUTORIAL)), len(code_lines(ON_MODE))
    assert ours <= theirs * 1.10, (ours, theirs)
