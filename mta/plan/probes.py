"""Readiness/liveness probes and the image HEALTHCHECK that matches them.

Kubernetes probes need no tool in the image; the Dockerfile HEALTHCHECK does,
so it uses the runtime already there (python, node, php, busybox wget, bash
/dev/tcp) instead of adding curl. Discovered values (paths) reach these
commands as separate argv items or language literals, never as shell text.
"""

from __future__ import annotations

import json
from typing import Optional

from ..model import Probe


def http_expectation(facts, port: int) -> tuple[str, Optional[int], str, list[str]]:
    """(path, status, title, text fingerprint) seen when discovery GET the port from the VM."""
    for h in facts.http:
        if h.port == port and h.scheme == "http" and not h.error:
            return h.path or "/", h.status, h.title, list(h.fingerprint)
    return "/", None, "", []


def make_probe(facts, ports, *, exec_command: Optional[list[str]] = None) -> Probe:
    """http when the first port speaks HTTP and answered < 400, else tcp, else none."""
    if exec_command:
        return Probe(kind="exec", command=exec_command)
    if not ports:
        return Probe(kind="none", reason="the app listens on no port (worker or batch process)")
    for p in ports:
        if p.http and p.protocol == "tcp":
            path, status, title, text = http_expectation(facts, p.port)
            if status is None or status < 400:
                return Probe(kind="http", port=p.port, path=path, expect_status=status, expect_title=title,
                             expect_text=text)
            return Probe(kind="tcp", port=p.port,
                         reason=f"GET {path} answered {status} on the VM; an HTTP probe would fail, so TCP")
    tcp = [p for p in ports if p.protocol == "tcp"]
    if not tcp:
        return Probe(kind="none", reason="only UDP ports; no portable probe")
    return Probe(kind="tcp", port=tcp[0].port)


_BASH_HTTP = (
    'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf \'GET %s HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n\' "$2" >&3'
    " && head -n 1 <&3 | grep -q ' [23][0-9][0-9]'"
)
_BASH_TCP = 'exec 3<>"/dev/tcp/127.0.0.1/$1"'


def healthcheck(tool: str, probe: Probe) -> tuple[list[str], str]:
    """(Dockerfile HEALTHCHECK exec form, reason when there is none)."""
    if probe.kind == "none":
        return [], probe.reason or "no probe"
    if probe.kind == "exec":
        return ["CMD", *probe.command], ""
    port = int(probe.port or 0)
    url = f"http://127.0.0.1:{port}{probe.path or '/'}"
    http = probe.kind == "http"
    if tool == "python":
        if http:
            # http.client, not urllib: urlopen raises on a 3xx it does not follow (Barbican's
            # 300 Multiple Choices at /) and follows the others elsewhere; the bash probe and
            # the VM's expectation take the first answer as it is
            code = ("import sys, http.client as h\n"
                    f"c = h.HTTPConnection('127.0.0.1', {port}, timeout=4)\n"
                    f"c.request('GET', {probe.path or '/'!r})\n"
                    "sys.exit(0 if c.getresponse().status < 400 else 1)")
        else:
            code = f"import socket; socket.create_connection(('127.0.0.1', {port}), 4)"
        return ["CMD", "python", "-c", code], ""
    if tool == "node":
        if http:
            code = (f"require('http').get({json.dumps(url)}, r => process.exit(r.statusCode < 400 ? 0 : 1))"
                    ".on('error', () => process.exit(1))")
        else:
            code = (f"require('net').connect({port}, '127.0.0.1', () => process.exit(0))"
                    ".on('error', () => process.exit(1))")
        return ["CMD", "node", "-e", code], ""
    if tool == "php":
        lit = "'" + url.replace("\\", "\\\\").replace("'", "\\'") + "'"
        code = (f"exit(@file_get_contents({lit}) === false ? 1 : 0);" if http
                else f"exit(@fsockopen('127.0.0.1', {port}) ? 0 : 1);")
        return ["CMD", "php", "-r", code], ""
    if tool == "wget" and http:
        return ["CMD", "wget", "-q", "-O", "/dev/null", url], ""
    if tool == "bash":
        if http:
            return ["CMD", "bash", "-c", _BASH_HTTP, "healthcheck", str(port), probe.path or "/"], ""
        return ["CMD", "bash", "-c", _BASH_TCP, "healthcheck", str(port)], ""
    return [], f"no tool in the image for a {probe.kind} check; the orchestrator probes instead"
