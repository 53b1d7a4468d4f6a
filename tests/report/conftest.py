"""A synthetic OUT directory: hosts with plans, failed hosts, hostile strings."""

from __future__ import annotations

from pathlib import Path

import pytest

from mta.io import dump_model, dump_yaml, write_atomic
from mta.model import Evidence, Hardware, HostFacts, OSInfo, Process
from mta.model.plan import AppPlan, Plan
from mta.report.synthetic import write_fleet

HOSTILE = "<script>alert('x')</script>"


def write_hostile_host(out: Path) -> None:
    """Discovered strings that would break HTML, Markdown or a spreadsheet if not escaped."""
    facts = HostFacts(
        host="evil-01",
        os=OSInfo(pretty_name=f"Evil OS {HOSTILE}", kernel="5.0 | pipe"),
        hardware=Hardware(cpu_count=2, memory_bytes=4 * 1024**3),
        processes=[Process(pid=1, name="init"), Process(pid=10, ppid=1, name="app", cpu_percent=10.0, rss_bytes=200 * 1024**2)],
    )
    plan = Plan(host="evil-01", apps=[AppPlan(
        name="web", stack="flask", pids=[10], confidence=0.9, runtime="python", runtime_version="3.8",
        evidence=[Evidence(kind="process", ref="pid 10", detail=f"cmd {HOSTILE} | `x` *y*")],
        command=["=cmd|' /C calc'!A0"], user="=HYPERLINK(\"http://x\")",
    )])
    d = out / "hosts" / "evil-01"
    write_atomic(d / "discovery.yaml", dump_model(facts))
    write_atomic(d / "plan.yaml", dump_model(plan))
    write_atomic(d / "Dockerfile.unused", "x")
    write_atomic(d / "apps" / "web" / "Dockerfile", "FROM python:3.8-slim\n")
    write_atomic(d / "README.md", "# runbook\n")
    bad = out / "hosts" / "broken-01"
    write_atomic(bad / "error.yaml", dump_yaml({"host": "broken-01", "stage": "discover", "kind": "auth",
                                               "message": f"Permission denied {HOSTILE}"}))


@pytest.fixture(scope="session")
def fleet(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    write_fleet(out, 20, plans=True, failed=2)
    write_hostile_host(out)
    return out
