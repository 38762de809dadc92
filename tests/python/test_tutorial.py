# SPDX-License-Identifier: BSD-3-Clause
"""examples/tutorial.py run as a program: the Webserver, a Python
Mode.ServiceThread, answers HTTP; SIGTERM stops the worker cleanly."""

import os
import re
import signal
import subprocess
import sys
import urllib.request

TUTORIAL = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "tutorial.py")
TIMEOUT_SECONDS = 60


def test_webserver_answers_http():
    env = dict(os.environ, LC_ALL="C")
    proc = subprocess.Popen([sys.executable, TUTORIAL, "--web-port", "0", "--loglevel", "info"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        port = None
        seen = []
        for line in proc.stderr:
            seen.append(line)
            match = re.search(r"Webserver: serving on http://127\.0\.0\.1:(\d+)/", line)
            if match:
                port = int(match.group(1))
                break
        assert port, "".join(seen)

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/from-python",
                                    timeout=TIMEOUT_SECONDS) as response:
            body = response.read().decode()
        assert response.status == 200
        assert "request: GET /from-python" in body
        assert "served by: Webserver, request 1" in body

        proc.send_signal(signal.SIGTERM)
        rest = proc.stderr.read()
        assert proc.wait(timeout=TIMEOUT_SECONDS) == 0
        assert "Webserver: closed after 1 requests" in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
