"""The image's HEALTHCHECK command, run for real against a loopback web server: an
answer below 400 is healthy as it comes (Barbican's 300 Multiple Choices at /, a
redirect not followed), 4xx/5xx and a closed port are not."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading

import pytest

from mta.model import Probe
from mta.plan.probes import healthcheck


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the stdlib's name)
        code = int(self.path.strip("/") or 200)
        self.send_response(code)
        if code == 302:
            self.send_header("Location", "http://127.0.0.1:9/elsewhere")  # nothing listens there
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv.server_address[1]
    srv.shutdown()


def _healthy(port: int, path: str) -> bool:
    cmd, _ = healthcheck("python", Probe(kind="http", port=port, path=path))
    assert cmd[:3] == ["CMD", "python", "-c"]
    return subprocess.run([sys.executable, "-c", cmd[3]], capture_output=True, timeout=30).returncode == 0


@pytest.mark.parametrize("path,ok", [("/200", True), ("/300", True), ("/302", True), ("/404", False),
                                     ("/500", False)])
def test_python_http_healthcheck_takes_the_first_answer(server, path, ok):
    assert _healthy(server, path) is ok


def test_python_http_healthcheck_fails_on_a_closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert _healthy(port, "/") is False
