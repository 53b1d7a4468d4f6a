"""samples/inventory.yaml: a whole fleet planned and reported offline."""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from rich.console import Console

from mta.batch import MARKER, Event, HostResult
from mta.cli import main
from mta.commands.batch import _Display
from mta.inventory import load_inventory

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
INVENTORY = SAMPLES / "inventory.yaml"


def test_sample_inventory_names_existing_discovery_files():
    inv = load_inventory(INVENTORY)
    assert inv.format == "mta" and len(inv.targets) >= 5
    for t in inv.targets:
        assert t.offline and Path(t.discovery).is_file(), t
        assert Path(t.discovery).parent.name == t.name


def test_batch_over_samples_offline_then_report(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["batch", str(INVENTORY), "-o", str(out), "--parallel", "4"]) == 0
    inv = load_inventory(INVENTORY)
    for t in inv.targets:
        d = out / "hosts" / t.name
        assert (d / MARKER).is_file() and (d / "discovery.yaml").is_file() and (d / "plan.yaml").is_file()
        assert not (d / "error.yaml").exists()
    assert not [p for p in out.rglob("*.tmp")]
    # answers layered host > group > all reached the plans
    tomcat = yaml.safe_load((out / "hosts" / "centos7-tomcat" / "plan.yaml").read_text())
    assert tomcat["targets"]["namespace"] == "java-apps" and tomcat["targets"]["swarm"] is False
    assert tomcat["targets"]["ingress_host"] == "apps.example.com"
    assert {a["name"]: a["replicas"] for a in tomcat["apps"]}["tomcat"] == 2
    bare = yaml.safe_load((out / "hosts" / "sles12-bare" / "plan.yaml").read_text())
    assert bare["targets"]["namespace"] == "legacy"
    capsys.readouterr()

    # resume: nothing to redo
    assert main(["batch", str(INVENTORY), "-o", str(out), "--resume"]) == 0
    assert f"{len(inv.targets)} skipped" in capsys.readouterr().out

    assert main(["report", str(out), "--format", "json"]) == 0
    assert (out / "report.json").is_file()


def test_live_display_renders_on_a_terminal():
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)
    with _Display(3, console, live=True) as d:
        d(Event("start", "a"))
        d(Event("step", "a", "discover"))
        d(Event("start", "b"))
        d(Event("done", "b", result=HostResult("b", "failed", "connect", "refused", "connection refused")))
        d(Event("done", "a", result=HostResult("a", "ok", apps=2, seconds=1.5)))
        d(Event("skip", "c", result=HostResult("c", "skipped")))
        assert "1 ok, 1 failed, 1 skipped" in d._counts()
    text = buf.getvalue()
    assert "FAILED b at connect: refused" in text and "ok a (2 apps" in text


def test_shards_of_samples_merge_in_one_report(tmp_path, capsys):
    """Two shards into two OUTs, one bad entry; `mta report OUT0 OUT1` sees every host once."""
    import json

    inv = tmp_path / "inventory.yaml"
    text = INVENTORY.read_text().replace("discovery: ", f"discovery: {SAMPLES}/")
    text += "  - name: broken\n    discovery: /nonexistent/discovery.yaml\n"
    inv.write_text(text)
    names = [t.name for t in load_inventory(inv).targets]
    outs = [tmp_path / f"out{k}" for k in range(2)]
    codes = [main(["batch", str(inv), "-o", str(o), "--shard", f"{k}/2"]) for k, o in enumerate(outs)]
    from mta.batch import shard_of

    assert codes == [3 if shard_of("broken", 2) == k else 0 for k in range(2)]
    capsys.readouterr()
    assert main(["report", *map(str, outs), "--format", "json"]) == 0
    report = json.loads((outs[0] / "report.json").read_text())
    text = json.dumps(report)
    for n in names:
        assert f'"{n}"' in text
    assert "broken" in text and "input" in text


def test_bad_answer_value_fails_that_host_with_inventory_line(tmp_path, capsys):
    inv = tmp_path / "inventory.yaml"
    inv.write_text(
        "hosts:\n"
        f"  - name: good\n    discovery: {SAMPLES}/centos7-tomcat/discovery.yaml\n"
        f"  - name: bad\n    discovery: {SAMPLES}/centos7-tomcat/discovery.yaml\n"
        "    answers: {apps.tomcat.replicas: many}\n"
    )
    assert main(["batch", str(inv), "-o", str(tmp_path / "out")]) == 3
    err = yaml.safe_load((tmp_path / "out" / "hosts" / "bad" / "error.yaml").read_text())
    assert err["stage"] == "plan" and err["kind"] == "input"
    assert err["message"].startswith(f"{inv}:4: ") and "apps.tomcat.replicas" in err["message"]


def test_report_after_batch_reads_no_discovery_yaml(tmp_path, monkeypatch):
    """batch seeds the report's parse cache as it writes each discovery.yaml."""
    from mta.report import collect
    from mta.report.build import build_report

    out = tmp_path / "out"
    assert main(["batch", str(INVENTORY), "-o", str(out), "--parallel", "2"]) == 0
    parsed = []
    real = collect.yamlload.load
    monkeypatch.setattr(collect.yamlload, "load", lambda text, *a, **k: parsed.append(text) or real(text, *a, **k))
    seeded = build_report([out])
    assert parsed and not [t for t in parsed if t.startswith("schema_version") and "\nprocesses:" in t]
    hosts = len(load_inventory(INVENTORY).targets)
    assert len(parsed) == hosts  # the plans only
    fresh = build_report([out], cache=False)
    assert seeded.model_dump(exclude={"generated_at"}) == fresh.model_dump(exclude={"generated_at"})
