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
