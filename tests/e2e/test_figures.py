"""The per-VM figures the e2e tests record (``legacy.Figures``) and the table
``benchmarks/e2e_figures.py`` prints from them, on a host dir written with mta's
own report models (no engine, no VM)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from mta.verify.result import HostResult, ServiceResult, SmokeResult, VerifyReport

from .legacy import FIGURES_ENV, Figures, Migration

ROOT = Path(__file__).resolve().parents[2]


def _host_dir(tmp_path: Path) -> Path:
    hdir = tmp_path / "out" / "hosts" / "legacy-blog"
    (hdir / "apps" / "web" / "context").mkdir(parents=True)
    (hdir / "data").mkdir()
    (hdir / "plan.yaml").write_text(yaml.safe_dump({"apps": [
        {"name": "web", "role": "app", "stack": "php-apache", "framework": "wordpress", "include": True},
        {"name": "db", "role": "backing", "stack": "mariadb", "include": True},
        {"name": "cron", "role": "worker", "stack": "cron", "include": False}]}))
    (hdir / "apps" / "web" / "context" / ".mta-extract.json").write_text(json.dumps({"files": 1200, "bytes": 41_000_000}))
    (hdir / "data" / "manifest.json").write_text(json.dumps({"stores": {"db": {"kind": "mysql", "files": {
        "wordpress.sql": {"bytes": 900_000, "seconds": 1.5}, "users.sql": {"bytes": 2_000, "seconds": 0.25}}}}}))
    web = ServiceResult(name="web", built=True, build="ok", build_seconds=61.0, image_bytes=322_000_000,
                        naive_bytes=520_000_000, ready="ok", ready_seconds=12.5,
                        smoke=SmokeResult(status="ok", http_status=200, title="Harbour Notes",
                                          expect_text=["a", "b", "c"], text_matched=3))
    db = ServiceResult(name="db", role="backing", built=True, build="ok", build_seconds=40.0,
                       image_bytes=326_000_000, ready="ok", ready_seconds=6.0)
    report = VerifyReport(started="2026-01-01T00:00:00+00:00", engine="docker", ok=True, hosts=[
        HostResult(host="legacy-blog", path=str(hdir), engine="docker", services=[db, web])])
    (hdir / "verify.json").write_text(report.model_dump_json())
    return hdir


def test_figures_line_and_table(tmp_path, monkeypatch):
    target = tmp_path / "figures.jsonl"
    monkeypatch.setenv(FIGURES_ENV, str(target))
    fig = Figures("wordpress", "docker")
    fig.migration = Migration(host_dir=_host_dir(tmp_path), steps={"discover": 0, "verify": 0},
                              seconds={"discover": 3.2, "extract": 9.0, "verify": 120.0})
    fig.checks["content"] = fig.passed = True
    fig.write()
    fig.write()  # once per run
    failed = Figures("redmine", "docker")  # stopped before mta wrote anything
    failed.write()
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert [(r["vm"], r["passed"]) for r in rows] == [("wordpress", True), ("redmine", False)]
    row = rows[0]
    assert [a["name"] for a in row["stacks"]] == ["web", "db"]  # what the plan includes
    assert row["extract"] == {"files": 1200, "bytes": 41_000_000}
    assert row["data"] == {"bytes": 902_000, "seconds": 1.75, "stores": ["db"]}
    web = next(s for s in row["services"] if s["name"] == "web")
    assert web["smoke"] == {"status": "ok", "http_status": 200, "title": "Harbour Notes", "text_matched": 3,
                            "text_expected": 3}
    assert (web["image_bytes"], web["naive_bytes"], web["build_seconds"]) == (322_000_000, 520_000_000, 61.0)

    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "e2e_figures.py"), str(target)],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    lines = out.splitlines()
    assert lines[0].startswith("| VM | engine |") and lines[1].startswith("|---|")
    wp = next(line for line in lines if line.startswith("| wordpress | docker | pass |"))
    for cell in ("web: php-apache/wordpress, db: mariadb", "41.0 MB (1200 files) in 9.0 s", "0.9 MB in 1.8 s (db)",
                 "web 322.0 MB (naive 520.0 MB)", "| 101 s |", "| 18.5 s |", 'web ok: 200 "Harbour Notes", text 3/3',
                 "test: content"):
        assert cell in wp, (cell, wp)
    assert "| redmine | docker | FAIL |" in out
