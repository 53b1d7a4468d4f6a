"""The batch runner over fake stages: isolation of failures, resume, shards,
deadlines, atomic output, exit codes."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest
import yaml

import mta.batch.runner as runner_mod
from mta.batch import MARKER, parse_shard, run_batch, shard_of
from mta.cli import main
from mta.errors import InputError
from mta.inventory import load_inventory

from .fakes import Recorder, fake_stages

INVENTORY = """
all:
  answers: {k8s.namespace: fleet}
hosts:
  - {name: good1, address: ok-1}
  - {name: good2, address: ok-2, answers: {apps.web.replicas: 3}}
  - {name: good3, address: ok-3}
  - {name: refused, address: refused-1}
  - {name: badkey, address: badkey-1}
  - {name: crash, address: crash-1}
  - {name: hang, address: hang-1, deadline: 0.5}
  - {name: genfail, address: genfail-1}
"""


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def stray(root: Path) -> list[str]:
    return [f for f in files_under(root) if f.endswith(".tmp") or ".mta-work" in f]


@pytest.fixture
def inv(tmp_path):
    p = tmp_path / "inv.yaml"
    p.write_text(INVENTORY)
    return load_inventory(p)


def test_failures_are_isolated_and_recorded(tmp_path, inv):
    rec = Recorder()
    out = tmp_path / "out"
    events = []
    batch = run_batch(inv.targets, out, parallel=4, stages=fake_stages(rec), on_event=events.append)
    status = {r.host: (r.status, r.stage, r.kind) for r in batch.results}
    assert status == {
        "good1": ("ok", "", ""),
        "good2": ("ok", "", ""),
        "good3": ("ok", "", ""),
        "refused": ("failed", "connect", "refused"),
        "badkey": ("failed", "connect", "auth"),
        "crash": ("failed", "discover", "probe"),
        "hang": ("failed", "discover", "deadline"),
        "genfail": ("failed", "generate", "generate"),
    }
    assert [r.host for r in batch.results] == [t.name for t in inv.targets]  # inventory order
    for good in ("good1", "good2", "good3"):
        d = out / "hosts" / good
        assert (d / MARKER).is_file() and not (d / "error.yaml").exists()
        assert {"discovery.yaml", "plan.yaml", "compose.yaml", "apps/web/Dockerfile",
                "apps/web/context/index.html"} <= set(files_under(d))
    assert "replicas: 3" in (out / "hosts" / "good2" / "plan.yaml").read_text()
    for bad in ("refused", "badkey", "crash", "hang", "genfail"):
        d = out / "hosts" / bad
        assert not (d / MARKER).exists()
        err = yaml.safe_load((d / "error.yaml").read_text())
        assert set(err) == {"host", "stage", "kind", "message", "hint"} and err["host"] == bad
        assert err["hint"]  # every kind says what to do next
        assert err["kind"] == status[bad][2] and err["message"]
    # partial progress stays for debugging: the failed generate still has its discovery
    assert (out / "hosts" / "genfail" / "discovery.yaml").is_file()
    assert stray(out) == []
    assert not (out / ".mta-work").exists()
    summary = yaml.safe_load((out / "batch.yaml").read_text())
    assert (summary["ok"], summary["failed"]) == (3, 5)
    steps = [(e.host, e.step) for e in events if e.kind == "step" and e.host == "good1"]
    assert [s for _, s in steps] == ["connect", "discover", "plan", "extract", "generate"]
    assert all(t.closed.is_set() for t in rec.transports)  # one connection per host, closed


def test_parallelism_is_bounded(tmp_path, inv):
    rec = Recorder()
    targets = [dataclasses.replace(inv.targets[0], name=f"h{i:02d}", address=f"ok-{i}") for i in range(24)]
    batch = run_batch(targets, tmp_path / "out", parallel=5, stages=fake_stages(rec, delay=0.05))
    assert len(batch.succeeded) == 24
    assert 2 <= rec.peak <= 5


def test_resume_redoes_only_what_is_missing(tmp_path, inv):
    out = tmp_path / "out"
    run_batch(inv.targets, out, parallel=4, stages=fake_stages(Recorder()))
    # simulate an interrupted run: a host without its marker, leftovers in staging
    (out / "hosts" / "good3" / MARKER).unlink()
    leftover = out / ".mta-work" / "good1.deadbeef0000" / "hosts" / "good1"
    leftover.mkdir(parents=True)
    (leftover / ".plan.yaml.x1.tmp").write_text("half")
    # and a file deleted by hand under a complete host
    (out / "hosts" / "good2" / "compose.yaml").unlink()

    rec = Recorder()
    batch = run_batch(inv.targets, out, parallel=4, resume=True, stages=fake_stages(rec))
    redone = sorted(rec.calls["connect"])
    assert redone == sorted(["good2", "good3", "refused", "badkey", "crash", "hang", "genfail"])
    assert [r.host for r in batch.skipped] == ["good1"]
    assert stray(out) == []
    assert (out / "hosts" / "good3" / MARKER).is_file()

    # a changed answer changes the inputs digest: only that host is redone
    changed = [dataclasses.replace(t, answers={**t.answers, "apps.web.replicas": 5}) if t.name == "good1" else t
               for t in inv.targets if t.name.startswith("good")]
    rec = Recorder()
    run_batch(changed, out, resume=True, stages=fake_stages(rec))
    assert rec.calls["connect"] == ["good1"]
    assert "replicas: 5" in (out / "hosts" / "good1" / "plan.yaml").read_text()


def test_failed_rerun_replaces_stale_output(tmp_path, inv):
    out = tmp_path / "out"
    good1 = inv.targets[0]
    run_batch([good1], out, stages=fake_stages(Recorder()))
    assert (out / "hosts" / "good1" / "compose.yaml").exists()
    # the same host now refuses: its directory says so, with no stale marker
    run_batch([dataclasses.replace(good1, address="refused-x")], out, stages=fake_stages(Recorder()))
    d = out / "hosts" / "good1"
    assert files_under(d) == ["error.yaml"]


def test_shards_cover_inventory_exactly_once(tmp_path, inv):
    names = [f"host-{i}.example.com" for i in range(200)]
    for n in (1, 2, 3, 7):
        seen = []
        for k in range(n):
            seen += [x for x in names if parse_shard(f"{k}/{n}").holds(x)]
        assert sorted(seen) == sorted(names)
    sizes = [sum(1 for x in names if shard_of(x, 4) == k) for k in range(4)]
    assert min(sizes) > 30  # roughly even
    # run shards into separate OUTs: every host exactly once
    outs = []
    for k in range(3):
        out = tmp_path / f"out{k}"
        run_batch(inv.targets, out, shard=parse_shard(f"{k}/3"), stages=fake_stages(Recorder()))
        outs.append(out)
        assert (out / f"batch-{k}-of-3.yaml").is_file()
    hosts = [p.name for o in outs for p in (o / "hosts").iterdir()] if all((o / "hosts").exists() for o in outs) \
        else [p.name for o in outs if (o / "hosts").exists() for p in (o / "hosts").iterdir()]
    assert sorted(hosts) == sorted(t.name for t in inv.targets)


@pytest.mark.parametrize("text", ["", "1", "3/3", "-1/2", "a/b", "1/0"])
def test_bad_shard(text):
    with pytest.raises(InputError):
        parse_shard(text)


def test_offline_entries_skip_connect_and_extract(tmp_path):
    from mta.io import dump_model
    from mta.model import HostFacts

    snap = tmp_path / "snap" / "discovery.yaml"
    snap.parent.mkdir()
    snap.write_text(dump_model(HostFacts(host="whatever", address="10.9.9.9")))
    p = tmp_path / "inv.yaml"
    p.write_text("hosts:\n  - {name: offline1, discovery: snap/discovery.yaml}\n")
    rec = Recorder()
    batch = run_batch(load_inventory(p).targets, tmp_path / "out", stages=fake_stages(rec))
    assert batch.results[0].status == "ok" and batch.results[0].offline
    assert "connect" not in rec.calls and "extract" not in rec.calls
    facts = yaml.safe_load((tmp_path / "out" / "hosts" / "offline1" / "discovery.yaml").read_text())
    assert facts["host"] == "offline1"


# ------------------------------------------------------------------ the command


@pytest.fixture
def fake_cli(monkeypatch):
    rec = Recorder()
    monkeypatch.setattr(runner_mod, "Stages", lambda: fake_stages(rec))
    return rec


def _inv(tmp_path, hosts):
    p = tmp_path / "inv.yaml"
    p.write_text("hosts:\n" + "".join(f"  - {{name: {n}, address: {a}}}\n" for n, a in hosts))
    return str(p)


def test_cli_exit_codes_and_plain_progress(tmp_path, capsys, fake_cli):
    out = str(tmp_path / "o1")
    assert main(["batch", _inv(tmp_path, [("a", "ok-1"), ("b", "ok-2")]), "-o", out]) == 0
    cap = capsys.readouterr()
    assert "ok a" in cap.err and "2 hosts, 2 ok" in cap.out

    out = str(tmp_path / "o0")
    assert main(["batch", _inv(tmp_path, [("a", "ok-1")]), "-o", out]) == 0
    cap = capsys.readouterr()
    assert "batch: 1 host, 1 ok" in cap.out and "1 hosts" not in cap.out + cap.err
    assert re.search(r"ok a \(\d+ apps?, ", cap.err) and "(1 apps" not in cap.err

    out = str(tmp_path / "o2")
    code = main(["batch", _inv(tmp_path, [("a", "ok-1"), ("b", "refused-2")]), "-o", out, "--parallel", "2"])
    cap = capsys.readouterr()
    assert code == 3
    assert "FAILED b at connect: refused" in cap.err
    assert "1 of 2 hosts failed" in cap.err and "failed hosts" in cap.out

    out = str(tmp_path / "o3")
    code = main(["batch", _inv(tmp_path, [("a", "refused-1"), ("b", "badkey-2")]), "-o", out])
    cap = capsys.readouterr()
    assert code == 1 and "mta: error: no host succeeded (2 failed)" in cap.err

    # resume after a partial failure: the good host is skipped, exit still 3
    out = str(tmp_path / "o2")
    code = main(["batch", _inv(tmp_path, [("a", "ok-1"), ("b", "refused-2")]), "-o", out, "--resume"])
    cap = capsys.readouterr()
    assert code == 3 and "skipped a" in cap.err


def test_cli_shard_and_bad_inventory(tmp_path, capsys, fake_cli):
    hosts = [(f"h{i}", f"ok-{i}") for i in range(10)]
    inv = _inv(tmp_path, hosts)
    done = []
    for k in range(2):
        out = tmp_path / f"s{k}"
        assert main(["batch", inv, "-o", str(out), "--shard", f"{k}/2"]) == 0
        done += os.listdir(out / "hosts") if (out / "hosts").exists() else []
    assert sorted(done) == sorted(n for n, _ in hosts)
    capsys.readouterr()
    bad = tmp_path / "bad.yaml"
    bad.write_text("hosts:\n  - name: a\n    prot: 22\n")
    assert main(["batch", str(bad), "-o", str(tmp_path / "x")]) == 1
    assert f"{bad}:3: host a: field 'prot': unknown field" in capsys.readouterr().err


def test_interrupt_stops_running_hosts_and_starts_no_more(tmp_path, inv):
    import signal
    import threading
    import time

    hang = [dataclasses.replace(inv.targets[0], name=f"hang{i}", address=f"hang-{i}", deadline=60) for i in range(2)]
    rest = [dataclasses.replace(inv.targets[0], name=f"later{i}", address=f"ok-{i}") for i in range(4)]
    out = tmp_path / "out"
    timer = threading.Timer(0.5, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_batch(hang + rest, out, parallel=2, stages=fake_stages(Recorder()))
    assert time.monotonic() - t0 < 30  # hang guard: the hosts' deadline is 60 s
    for h in hang:
        err = yaml.safe_load((out / "hosts" / h.name / "error.yaml").read_text())
        assert err["kind"] == "interrupted"
    assert not any((out / "hosts" / r.name).exists() for r in rest)
    assert stray(out) == []


def test_interrupt_aborts_real_handshakes_at_once(tmp_path):
    """Hosts stuck in an SSH handshake (a listener that never speaks) end on
    Ctrl-C now, not at their connect timeout: the real connect stage."""
    import signal
    import threading
    import time

    from mta.inventory.model import Target
    from tests.support.sshd import silent_listener

    with silent_listener() as port:
        targets = [Target(name=f"silent{i}", source="test", address="127.0.0.1", port=port, user="root",
                          known_hosts=str(tmp_path / "known_hosts"), deadline=120) for i in range(4)]
        out = tmp_path / "out"
        timer = threading.Timer(1.0, os.kill, args=(os.getpid(), signal.SIGINT))
        timer.start()
        t0 = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            run_batch(targets, out, parallel=4)
        assert time.monotonic() - t0 < 15  # hang guard: the handshake timeout is 20 s
        for t in targets:
            err = yaml.safe_load((out / "hosts" / t.name / "error.yaml").read_text())
            assert (err["stage"], err["kind"]) == ("connect", "interrupted")
        assert stray(out) == []


def test_command_timeout_at_the_deadline_is_the_deadline():
    """A probe given the host's remaining time whose own timeout fires before
    the watchdog (a busy machine) is recorded as the deadline, not as a slow command."""
    import time as _time

    from mta.batch.host import HostRun, _classify
    from mta.transport.base import CommandTimeout

    run = HostRun("h", 0.01)
    _time.sleep(0.02)
    assert _classify(CommandTimeout("did not finish"), "discover", run)[0] == "deadline"
    early = HostRun("h", 600)
    assert _classify(CommandTimeout("did not finish"), "discover", early)[0] == "command-timeout"


def test_every_error_kind_at_the_deadline_is_the_deadline():
    """HostRun.ran_out decides for every kind of error: once the host's time is
    up (the watchdog expired it, or its deadline passed), whatever error ended
    it is recorded as the deadline; before that, as itself."""
    import time as _time

    from mta.batch.host import HostRun, _classify
    from mta.errors import GenerateError, InputError
    from mta.transport.base import ConnectionLost

    errors = [ConnectionLost("connection lost"), InputError("bad"),
              GenerateError("cannot render"), RuntimeError("a bug")]
    late = HostRun("h", 0.01)
    _time.sleep(0.02)
    assert late.ran_out()
    assert [_classify(e, "discover", late)[0] for e in errors] == ["deadline"] * 4
    expired = HostRun("h", 600)
    assert not expired.ran_out()
    assert [_classify(e, "discover", expired)[0] for e in errors] == ["connection-lost", "input", "generate", "probe"]
    expired.expire()
    assert expired.ran_out()
    assert {_classify(e, "discover", expired)[0] for e in errors} == {"deadline"}
    assert not HostRun("h", None).ran_out()


def test_a_redone_host_brings_its_last_contexts_and_keeps_them_when_interrupted(tmp_path, inv):
    """The extract stage finds the last run's context in place (so only what changed
    is fetched); an interrupted run leaves the output with its contexts as they were."""
    from mta.batch.host import run_host

    target = dataclasses.replace(inv.targets[0], name="web1", address="ok-1", extract=True)
    out = tmp_path / "out"
    stages = fake_stages(Recorder())
    assert run_host(target, out, stages=stages).status == "ok"
    ctx = out / "hosts" / "web1" / "apps" / "web" / "context"
    (ctx / "big.bin").write_bytes(b"fetched last time")
    seen = []

    def extract(transport, plan, host_dir):
        seen.append(sorted(p.name for p in (host_dir / "apps" / "web" / "context").iterdir()))

    assert run_host(target, out, stages=dataclasses.replace(stages, extract=extract)).status == "ok"
    assert seen == [["big.bin", "index.html"]]
    assert (ctx / "big.bin").read_bytes() == b"fetched last time"

    def interrupted(transport, plan, host_dir):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_host(target, out, stages=dataclasses.replace(stages, extract=interrupted))
    assert (ctx / "big.bin").read_bytes() == b"fetched last time"
    assert not (out / ".mta-work").exists() or not list((out / ".mta-work").iterdir())
