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


def _report(out: Path) -> Report:
    return Report.model_validate_json((out / "report.json").read_text())


def test_costs_are_shown_with_sources_and_the_tco_adds_up(sample_out):
    report = _report(sample_out)
    c = report.costs
    assert {x.item for x in c.lines} == {"Compute", "Storage", "Cluster management fee", "OS licences", "Operations"}
    assert all(x.source and x.basis for x in c.lines)
    assert c.monthly_before == pytest.approx(sum(x.before for x in c.lines), abs=0.05)
    assert c.monthly_after == pytest.approx(sum(x.after for x in c.lines), abs=0.05)
    assert c.tco_vms == pytest.approx(sum(t.vms for t in c.tco), abs=0.5)
    assert c.tco_platform == pytest.approx(sum(t.platform for t in c.tco), abs=0.5)
    assert c.tco_platform == pytest.approx(12 * c.years * c.monthly_after + c.migration_cost, abs=0.5)
    waves_effort = sum(a.effort_days for h in report.hosts if h.host in report.savings.hosts_counted
                       for a in h.apps if a.include)
    assert c.migration_days == pytest.approx(waves_effort) and c.migration_days > 0
    # the rhel sample pays a subscription before, nothing after
    assert next(x for x in c.lines if x.item == "OS licences").before > 0
    # the compute line is the savings' compute, the one price function
    assert next(x for x in c.lines if x.item == "Compute").before == report.savings.before.monthly_cost
    md = (sample_out / "report.md").read_text()
    assert "## Costs and 3-year TCO" in md and "list prices as of" in md
    html = (sample_out / "report.html").read_text()
    assert 'id="costs"' in html and "Migration effort" in html
    # containers counted once: the table's count is the packing's
    assert report.savings.requested.machines == report.consolidation.items


def test_low_confidence_hosts_show_ranges(sample_out):
    report = _report(sample_out)
    low = [h for h in report.hosts if h.estimate.confidence in ("low", "none") and h.apps]
    assert low
    wide = [(h, a) for h in low for a in h.apps
            if a.estimate.cpu_range_millicores and a.estimate.cpu_range_millicores[0] != a.estimate.cpu_range_millicores[1]]
    assert wide, "no low-confidence app has a p95-to-peak range"
    md = (sample_out / "report.md").read_text()
    for h, a in wide:
        assert a.estimate.cpu_range_millicores[0] <= a.estimate.cpu_millicores <= a.estimate.cpu_range_millicores[1]
    assert "p95–peak" in md
    assert report.costs.low_confidence_hosts and report.costs.monthly_after_range is not None
    assert any("low confidence" in line for line in report.summary.highlights[:1])


def test_the_headline_says_plainly_when_memory_and_cost_go_up(tmp_path):
    """Bigger nodes than the fleet needs, a cluster per app: memory and cost rise, and the headline says so."""
    for snap in sorted(SAMPLES.glob("*/discovery.yaml")):
        d = tmp_path / "hosts" / snap.parent.name
        d.mkdir(parents=True)
        shutil.copy(snap, d / "discovery.yaml")
    costs = tmp_path / "costs.yaml"
    costs.write_text("clusters: 12\n")
    assert main(["report", str(tmp_path), "--format", "md,json", "--node-cpu", "16", "--node-memory-gib", "64",
                 "--costs", str(costs), "--cloud", "aws", "--region", "eu-west-1"]) == 0
    report = _report(tmp_path)
    head = " ".join(report.summary.highlights[:3])
    assert report.savings.after.memory_gib > report.savings.before.memory_gib
    assert "Memory goes UP by" in head
    assert report.costs.monthly_after > report.costs.monthly_before
    assert "costs MORE" in head and "%" not in report.summary.highlights[0]
    assert report.costs.prices.region == "eu-west-1" and report.costs.prices.vcpu_hour == 0.0535
    md = (tmp_path / "report.md").read_text()
    assert "costs MORE" in md and "aws m6i in eu-west-1" in md


def test_an_unknown_region_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "hosts").mkdir()
    assert main(["report", str(tmp_path), "--cloud", "gcp", "--region", "europe-nowhere1"]) != 0
    err = capsys.readouterr().err
    assert "europe-nowhere1" in err and "us-central1" in err
