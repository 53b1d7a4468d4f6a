"""The report over the bundled samples (samples/*/discovery.yaml), detectors and all."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mta.cli import main
from mta.model.report import Report

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory) -> Path:
    snaps = sorted(SAMPLES.glob("*/discovery.yaml"))
    if not snaps:
        pytest.skip("no bundled samples yet")
    out = tmp_path_factory.mktemp("samples")
    for snap in snaps:
        d = out / "hosts" / snap.parent.name
        d.mkdir(parents=True)
        shutil.copy(snap, d / "discovery.yaml")
    assert main(["report", str(out)]) == 0
    return out


def test_every_sample_is_assessed(sample_out):
    report = Report.model_validate_json((sample_out / "report.json").read_text())
    assert report.summary.hosts_assessed == len(list(SAMPLES.glob("*/discovery.yaml")))
    assert report.errors == []
    assert report.summary.apps > 0
    for h in report.hosts:
        assert h.fit
        for a in h.apps:
            assert a.evidence, f"{h.host}/{a.name} has no evidence"
            assert a.estimate.cpu_basis and a.estimate.memory_basis
    assert report.consolidation.nodes >= report.consolidation.lower_bound


def test_a_bare_host_is_insufficient_data_not_a_saving(sample_out):
    report = Report.model_validate_json((sample_out / "report.json").read_text())
    bare = [h for h in report.hosts if not h.apps]
    for h in bare:
        assert h.fit == "Insufficient data"
        assert h.host in report.savings.hosts_excluded
        assert any(f.rule == "no-app" for f in h.findings)


def test_samples_via_flat_directory(tmp_path):
    # `mta report samples-copy/` works on a directory of snapshots too.
    snaps = sorted(SAMPLES.glob("*/discovery.yaml"))
    if not snaps:
        pytest.skip("no bundled samples yet")
    for snap in snaps:
        (tmp_path / snap.parent.name).mkdir()
        shutil.copy(snap, tmp_path / snap.parent.name / "discovery.yaml")
    assert main(["report", str(tmp_path), "--format", "md"]) == 0
    md = (tmp_path / "report.md").read_text()
    assert md.count("\n### ") == len(snaps)
    assert "## How this was computed" in md


def test_report_links_generated_artifacts(tmp_path):
    """The demo flow: samples -> generate -> report, artifacts linked relatively."""
    try:
        from mta.pipeline import generate_host, load_discovery
    except ImportError:
        pytest.skip("pipeline not available")
    snaps = sorted(SAMPLES.glob("*/discovery.yaml"))
    if not snaps:
        pytest.skip("no bundled samples yet")
    for snap in snaps:
        generate_host(load_discovery(snap), None, tmp_path)
    assert main(["report", str(tmp_path), "--format", "html,json"]) == 0
    report = Report.model_validate_json((tmp_path / "report.json").read_text())
    assert all(h.apps_source == "plan" for h in report.hosts)
    html = (tmp_path / "report.html").read_text()
    for h in report.hosts:
        labels = {a.label for a in h.artifacts}
        assert {"discovery.yaml", "plan.yaml"} <= labels
        for a in h.artifacts:
            assert (tmp_path / a.href).is_file(), a.href  # relative to the report, and real
            assert f'href="{a.href}"' in html
        if h.apps:
            assert any(label.endswith("Dockerfile") for label in labels) or "compose.yaml" in labels
    # the planner's default strategy does not turn the estimate into VM sizes
    assert report.savings.after.monthly_cost < report.savings.before.monthly_cost
