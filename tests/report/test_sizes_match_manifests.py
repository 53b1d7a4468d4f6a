"""One source of truth: the report shows, packs and prices the plan's requests and
limits, which are what the rendered manifests ask for; for every bundled sample
and every resource strategy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from mta.cli import main
from mta.estimate.units import parse_cpu, parse_memory
from mta.model.report import Report

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
STRATEGIES = ("as-is", "p95", "peak", "default")


def _manifest_resources(host_dir: Path) -> dict[str, dict]:
    """{app: container resources} from the host's Deployments and StatefulSets."""
    out = {}
    for f in sorted((host_dir / "k8s").glob("*.yaml")):
        doc = yaml.safe_load(f.read_text())
        if not isinstance(doc, dict) or doc.get("kind") not in ("Deployment", "StatefulSet"):
            continue
        containers = doc["spec"]["template"]["spec"]["containers"]
        out[doc["metadata"]["name"]] = containers[0]["resources"]
    return out


@pytest.fixture(scope="module")
def planned(tmp_path_factory) -> dict[str, Path]:
    """strategy -> OUT with every sample generated under it, and a report."""
    snaps = sorted(SAMPLES.glob("*/discovery.yaml"))
    base = tmp_path_factory.mktemp("sizes")
    names: dict[str, list[str]] = {}
    probe = base / "names"
    for snap in snaps:
        assert main(["generate", str(snap), "-o", str(probe)]) == 0
        plan = yaml.safe_load((probe / "hosts" / snap.parent.name / "plan.yaml").read_text())
        names[snap.parent.name] = [a["name"] for a in plan["apps"]]
    outs = {}
    for strategy in STRATEGIES:
        out = base / strategy
        for snap in snaps:
            d = out / "hosts" / snap.parent.name
            d.mkdir(parents=True)
            shutil.copy(snap, d / "discovery.yaml")
            sets = [x for n in names[snap.parent.name] for x in ("--set", f"apps.{n}.resources={strategy}")]
            assert main(["generate", str(d / "discovery.yaml"), "-o", str(out), *sets]) == 0
        assert main(["report", str(out), "--format", "json"]) == 0
        outs[strategy] = out
    return outs


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_report_figures_equal_the_manifests(planned, strategy):
    out = planned[strategy]
    report = Report.model_validate_json((out / "report.json").read_text())
    compared = 0
    for host in report.hosts:
        manifests = _manifest_resources(out / "hosts" / host.host)
        plan = yaml.safe_load((out / "hosts" / host.host / "plan.yaml").read_text())
        by_name = {a["name"]: a for a in plan["apps"]}
        for app in host.apps:
            if app.name not in manifests:
                continue
            res = manifests[app.name]
            est = app.estimate
            assert est.cpu_millicores == parse_cpu(res["requests"]["cpu"]), (host.host, app.name)
            assert est.memory_bytes == parse_memory(res["requests"]["memory"]), (host.host, app.name)
            assert est.memory_limit_bytes == parse_memory(res["limits"]["memory"]), (host.host, app.name)
            assert by_name[app.name]["resources"]["strategy"] == strategy
            compared += 1
        assert host.estimate.requested_cpu_millicores == sum(a.estimate.cpu_millicores * a.estimate.replicas
                                                              for a in host.apps)
    assert compared >= 10


def test_strategies_change_the_numbers(planned):
    def total(strategy: str) -> tuple[int, int]:
        r = Report.model_validate_json((planned[strategy] / "report.json").read_text())
        return (sum(h.estimate.requested_cpu_millicores for h in r.hosts),
                sum(h.estimate.requested_memory_bytes for h in r.hosts))

    assert total("as-is") != total("p95") != total("default")
    assert total("peak")[0] >= total("p95")[0]
