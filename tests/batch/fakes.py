"""Fake stages for offline batch tests: behaviour picked by the target's address."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from mta.batch import Stages
from mta.errors import GenerateError
from mta.io import write_tree
from mta.model import App, AppPlan, HostFacts, Plan
from mta.transport import AuthFailed, ConnectionRefused


class FakeTransport:
    def __init__(self, target) -> None:
        self.target = target
        self.closed = threading.Event()

    def close(self) -> None:
        self.closed.set()


class Recorder:
    """Counts calls and concurrency so tests can assert on them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.calls: dict[str, list[str]] = {}
        self.transports: list[FakeTransport] = []

    def note(self, stage: str, host: str) -> None:
        with self.lock:
            self.calls.setdefault(stage, []).append(host)


def fake_stages(rec: Recorder, delay: float = 0.0) -> Stages:
    def connect(target, timeout, on_start=None):
        rec.note("connect", target.name)
        if target.address.startswith("refused"):
            raise ConnectionRefused(f"{target.address}: connection refused")
        if target.address.startswith("badkey"):
            raise AuthFailed(f"{target.address}: authentication failed")
        t = FakeTransport(target)
        rec.transports.append(t)
        return t

    def discover(transport, *, host, **kw):
        rec.note("discover", host)
        with rec.lock:
            rec.running += 1
            rec.peak = max(rec.peak, rec.running)
        try:
            if transport.target.address.startswith("hang"):
                transport.closed.wait(30)
                raise ConnectionError("connection closed")
            if transport.target.address.startswith("crash"):
                raise ValueError("probe output unparseable")
            time.sleep(delay)
        finally:
            with rec.lock:
                rec.running -= 1
        return HostFacts(host=host, address=transport.target.address, collector="ssh")

    def detect(facts):
        return [App(name="web", stack="nginx")]

    def answers(facts, apps, given):
        return dict(given)

    def plan(facts, apps, *, answers, base, discovery_path):
        rec.note("plan", facts.host)
        replicas = int(answers.get("apps.web.replicas", 1))
        return Plan(host=facts.host, base=base, discovery=discovery_path,
                    apps=[AppPlan(name="web", stack="nginx", replicas=replicas)])

    def extract(transport, plan, host_dir: Path):
        rec.note("extract", plan.host)
        write_tree(host_dir, {"apps/web/context/index.html": "<h1>hi</h1>\n"})

    def generate(facts, plan, out_root: Path, answers, base):
        rec.note("generate", facts.host)
        if facts.address.startswith("genfail") or facts.host.startswith("genfail"):
            raise GenerateError("template exploded")
        write_tree(Path(out_root) / "hosts" / facts.host, {
            "plan.yaml": f"host: {plan.host}\nreplicas: {plan.apps[0].replicas}\n",
            "compose.yaml": "services: {}\n",
            "apps/web/Dockerfile": "FROM nginx:1.25\n",
        })

    return Stages(connect=connect, discover=discover, detect=detect, answers=answers, plan=plan,
                  extract=extract, generate=generate)
