"""mta batch over worker processes: same outputs, every host once, a dead worker contained."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from mta.batch import MARKER, Event
from mta.batch.workers import auto_workers, event_line, parse_event, parse_worker, run_batch_workers, worker_slice
from mta.batch.host import HostResult
from mta.cli import main
from mta.errors import InputError
from mta.inventory import load_inventory

INVENTORY = Path(__file__).resolve().parents[2] / "samples" / "inventory.yaml"


def _tree(out: Path) -> dict[str, str]:
    """Every output file, with OUT's own path taken out of the text."""
    files = {}
    for p in sorted((out / "hosts").rglob("*")):
        if p.is_file():
            files[str(p.relative_to(out))] = p.read_text(errors="replace").replace(str(out), "OUT")
    return files


def test_workers_write_what_one_process_writes(tmp_path, capsys):
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(["batch", str(INVENTORY), "-o", str(one), "--workers", "1"]) == 0
    assert main(["batch", str(INVENTORY), "-o", str(two), "--workers", "2"]) == 0
    err = capsys.readouterr().err
    hosts = [t.name for t in load_inventory(INVENTORY).targets]
    assert _tree(one) == _tree(two)
    for h in hosts:
        assert (two / "hosts" / h / MARKER).is_file()
        assert f" ok {h} (" in err  # progress came back from the workers
    summary = yaml.safe_load((two / "batch.yaml").read_text())
    assert summary["ok"] == len(hosts) and [r["host"] for r in summary["results"]] == hosts
    assert not (two / ".mta-work").exists()
    # resume through workers: everything is complete, nothing is redone
    assert main(["batch", str(INVENTORY), "-o", str(two), "--workers", "2", "--resume"]) == 0
    summary = yaml.safe_load((two / "batch.yaml").read_text())
    assert summary["skipped"] == len(hosts)


def test_a_dead_worker_fails_only_its_unfinished_hosts(tmp_path):
    names = ["a", "b", "c", "d"]
    done = HostResult("a", "ok", seconds=0.1, apps=1)
    # worker 0 (a, c) reports a, then dies; worker 1 (b, d) finishes both
    script = (
        "import sys, json\n"
        "k = int(sys.argv[1])\n"
        "if k == 0:\n"
        f"    print({event_line(Event('done', 'a', result=done))!r}, flush=True)\n"
        "    print(json.dumps({'kind': 'start', 'host': 'c'}), flush=True)\n"
        "    print('not an event', flush=True)\n"
        "    sys.stderr.write('Traceback ...\\nMemoryError\\n'); sys.exit(7)\n"
        "for h in ('b', 'd'):\n"
        "    print(json.dumps({'kind': 'done', 'host': h, 'result': {'host': h, 'status': 'ok'}}), flush=True)\n"
    )
    events = []
    batch = run_batch_workers(names, tmp_path, lambda k, w: [sys.executable, "-c", script, str(k)], workers=2,
                              on_event=events.append)
    by_host = {r.host: r for r in batch.results}
    assert [r.host for r in batch.results] == names
    assert by_host["a"].status == by_host["b"].status == by_host["d"].status == "ok"
    c = by_host["c"]
    assert (c.status, c.kind, c.stage) == ("failed", "worker", "batch")
    assert "exit 7" in c.message and "MemoryError" in c.message
    assert [e.host for e in events if e.kind == "done"].count("c") == 1
    assert yaml.safe_load((tmp_path / "batch.yaml").read_text())["failed"] == 1


def test_slices_cover_every_host_once():
    names = [f"h{i}" for i in range(103)]
    for w in (1, 2, 3, 8):
        parts = [worker_slice(names, k, w) for k in range(w)]
        assert sorted(sum(parts, [])) == sorted(names)


def test_worker_count_and_option():
    assert auto_workers(10, cpus=2) == 1
    assert auto_workers(200, cpus=2) == 2
    assert auto_workers(10_000, cpus=64) == 8
    assert parse_worker("1/2") == (1, 2)
    for bad in ("2/2", "x", "1/0", "-1/2"):
        with pytest.raises(InputError):
            parse_worker(bad)


def test_event_lines_round_trip():
    r = HostResult("web-1", "failed", stage="connect", kind="auth", message="denied: 'x'\n", seconds=1.5)
    for e in (Event("done", "web-1", result=r), Event("step", "web-1", "discover")):
        assert parse_event(event_line(e)) == e
    assert parse_event("not json") is None and parse_event(json.dumps({"kind": "x"})) is None
