"""Rightsizing formulas: requests from samples and history, floors, edge cases."""

from __future__ import annotations

import math

import pytest

from mta.estimate import estimate_host, percentile
from mta.model import App, Hardware, HostFacts, Process, Utilization, UtilSample
from mta.model.estimate import RightsizingSettings
from mta.model.plan import AppPlan, Resources

MIB = 1024**2
GIB = 1024**3


def host(processes, *, vcpu=4, mem=16 * GIB, samples=(), source="none", interval=600.0):
    util = Utilization(
        source=source,
        interval_seconds=interval,
        duration_seconds=len(samples) * interval,
        samples=[UtilSample(timestamp=1.7e9 + i * interval, cpu_percent=c, mem_used_bytes=m) for i, (c, m) in enumerate(samples)],
    )
    return HostFacts(host="vm1", hardware=Hardware(cpu_count=vcpu, memory_bytes=mem), processes=processes, utilization=util)


def proc(pid, cpu=None, rss=0, ppid=1, name="x"):
    return Process(pid=pid, ppid=ppid, name=name, cpu_percent=cpu, rss_bytes=rss)


def app(name="web", pids=(10,), **kw):
    return App(name=name, stack="flask", pids=list(pids), **kw)


def test_percentile_matches_linear_interpolation():
    assert percentile([1, 2, 3, 4, 5], 50) == 3
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert percentile([7], 95) == 7
    assert percentile([3, 1, 2], 100) == 3
    with pytest.raises(ValueError):
        percentile([], 95)


def test_single_sample_cpu_and_memory():
    facts = host([proc(10, cpu=50.0, rss=100 * MIB), proc(20, cpu=10.0, rss=50 * MIB)])
    est = estimate_host(facts, [app()])
    a = est.apps[0]
    # 0.5 cores x 1.2 = 600m; 100 MiB x 1.15 = 115 MiB
    assert a.cpu_millicores == 600
    assert a.memory_bytes == 115 * MIB
    assert a.confidence == "low"
    assert "one process sample" in a.cpu_basis and "x 1.2" in a.cpu_basis
    assert "x 1.15" in a.memory_basis and "request = limit" in a.memory_basis
    assert est.overhead_rss_bytes == 50 * MIB and est.overhead_processes == 1


def test_floors_apply_to_idle_tiny_apps():
    facts = host([proc(10, cpu=0.1, rss=5 * MIB)])
    a = estimate_host(facts, [app()]).apps[0]
    assert a.cpu_millicores == 10  # 0.001 x 1.2 x 1000 = 1.2m -> floor 10m
    assert a.memory_bytes == 64 * MIB
    assert "floor 10m" in a.cpu_basis and "floor 64Mi" in a.memory_basis


def test_no_utilization_data_falls_back_to_defaults():
    facts = host([proc(10, cpu=None, rss=0)])
    est = estimate_host(facts, [app()])
    a = est.apps[0]
    assert est.confidence == "none"
    assert a.confidence == "none"
    assert a.cpu_millicores == 100 and a.memory_bytes == 256 * MIB
    assert "no CPU data" in a.cpu_basis and "no RSS" in a.memory_basis


def test_app_whose_processes_are_gone_gets_defaults():
    facts = host([proc(10, cpu=20.0, rss=100 * MIB)])
    a = estimate_host(facts, [app(pids=[999])]).apps[0]
    assert a.processes == 0 and a.confidence == "none"
    assert a.cpu_millicores == 100 and a.memory_bytes == 256 * MIB


def test_one_core_saturated_week_of_sar():
    week = [(100.0, 800 * MIB)] * (7 * 144)
    facts = host([proc(10, cpu=95.0, rss=700 * MIB)], vcpu=1, mem=1 * GIB, samples=week, source="sysstat")
    est = estimate_host(facts, [app()])
    a = est.apps[0]
    assert est.confidence == "high"
    assert a.cpu_millicores == 1200  # 1 core x 100% share x 1.2: a saturated VM asks for more than it had
    # demand never rose above what it was when sampled: RSS stands
    assert a.memory_bytes == math.ceil(700 * 1.15) * MIB
    assert a.apportioned and "apportioned" in " ".join(est.notes)


def test_memory_peak_scales_rss_by_the_vm_demand_peak():
    # Demand was 1 GiB when sampled and peaked at 2 GiB during the week: the
    # app's 500 MiB is taken as 1000 MiB at peak. Kernel memory and cache are
    # not in RSS, so they never become the app's.
    week = [(10.0, 1 * GIB)] * (7 * 144)
    week[300] = (40.0, 2 * GIB)
    facts = host([proc(10, cpu=5.0, rss=500 * MIB), proc(20, cpu=1.0, rss=100 * MIB)], samples=week, source="sysstat")
    a = estimate_host(facts, [app()]).apps[0]
    assert a.memory_bytes == 1150 * MIB
    assert "peak demand 2Gi" in a.memory_basis and "when sampled" in a.memory_basis


def test_a_live_sample_does_not_inflate_memory():
    live = [(10.0, 900 * MIB), (12.0, 2 * GIB)]
    facts = host([proc(10, cpu=5.0, rss=100 * MIB)], samples=live, source="proc-sample", interval=2.0)
    a = estimate_host(facts, [app()]).apps[0]
    assert a.memory_bytes == 115 * MIB
    assert "live sample" in estimate_host(facts, [app()]).confidence_reason


def test_a_sample_over_the_probes_run_says_how_short_it_was():
    """The default live sample spans the probe's own run, under a second: the
    confidence stays low and its reason gives the length in tenths."""
    run = [(30.0, 900 * MIB), (20.0, 910 * MIB)]
    facts = host([proc(10, cpu=5.0, rss=100 * MIB)], samples=run, source="proc-sample", interval=0.22)
    facts.utilization.duration_seconds = 0.45
    est = estimate_host(facts, [app()])
    assert est.confidence == "low"
    assert est.confidence_reason.startswith("a 0.5 s live sample, no history"), est.confidence_reason


def test_huge_memory_rounds_up_to_whole_mib_without_overflow():
    rss = 3 * 1024 * GIB + 1  # 3 TiB and a byte
    facts = host([proc(10, cpu=400.0, rss=rss)], vcpu=128, mem=4 * 1024 * GIB)
    a = estimate_host(facts, [app()]).apps[0]
    assert a.memory_bytes % MIB == 0
    assert a.memory_bytes >= rss * 1.15
    assert a.memory_bytes - rss * 1.15 < MIB
    assert a.cpu_millicores == 4800


def test_history_is_apportioned_by_cpu_share():
    # VM: 4 cores at a steady 50% = 2 cores; web has 75% of process CPU, worker 25%.
    day2 = [(50.0, 3 * GIB)] * (2 * 144)
    facts = host(
        [proc(10, cpu=30.0, rss=1 * GIB), proc(20, cpu=10.0, rss=1 * GIB), proc(30, cpu=0.0, rss=2 * GIB)],
        samples=day2, source="sysstat",
    )
    est = estimate_host(facts, [app("web", [10]), app("worker", [20])])
    web, worker = est.apps
    assert est.confidence == "medium"
    assert web.cpu_share == 0.75 and worker.cpu_share == 0.25
    assert web.cpu_millicores == 1800 and worker.cpu_millicores == 600
    assert "75.0% share of process CPU" in web.cpu_basis
    # memory: demand flat at 3 GiB, so the sampled RSS stands
    assert web.memory_bytes == math.ceil(1024 * 1.15) * MIB
    assert est.vm_memory_peak_bytes == 3 * GIB


def test_page_cache_is_not_demand():
    # A 64 GiB VM whose app uses 200 MiB: the request follows RSS, not the VM.
    facts = host([proc(10, cpu=5.0, rss=200 * MIB)], mem=64 * GIB)
    a = estimate_host(facts, [app()]).apps[0]
    assert a.memory_bytes == 230 * MIB


def test_idle_sample_apportions_by_rss():
    hist = [(20.0, 1 * GIB)] * 10
    facts = host([proc(10, cpu=0.0, rss=300 * MIB), proc(20, cpu=0.0, rss=100 * MIB)], samples=hist, source="proc-sample",
                 interval=1.0)
    a = estimate_host(facts, [app()]).apps[0]
    assert a.cpu_share is None and a.memory_share == 0.75
    assert "share of RSS" in a.cpu_basis
    assert a.confidence == "low"


def test_strategies_p95_peak_and_as_is():
    series = [(10.0, GIB)] * 95 + [(90.0, GIB)] * 5
    facts = host([proc(10, cpu=50.0, rss=512 * MIB), proc(20, cpu=50.0, rss=512 * MIB)], samples=series,
                 source="sysstat")
    apps = [app("a", [10]), app("b", [20])]
    p95 = estimate_host(facts, apps, RightsizingSettings()).apps[0]
    peak = estimate_host(facts, apps, RightsizingSettings(strategy="peak")).apps[0]
    asis = estimate_host(facts, apps, RightsizingSettings(strategy="as-is")).apps[0]
    # share 50%; p95 of the VM series is 0.4+(3.6-0.4)*0.05.. computed from the series
    expected_p95 = percentile([c / 100 * 4 * 0.5 for c, _ in series], 95)
    assert p95.cpu_millicores == math.ceil(expected_p95 * 1.2 * 1000)
    assert peak.cpu_millicores == math.ceil(1.8 * 1.2 * 1000)
    assert asis.cpu_millicores == 2000 and asis.memory_bytes == 8 * GIB
    assert peak.strategy == "peak" and asis.strategy == "as-is"


def test_plan_strategy_replicas_and_include_are_honoured():
    facts = host([proc(10, cpu=50.0, rss=100 * MIB), proc(20, cpu=50.0, rss=100 * MIB)])
    a = AppPlan(name="a", stack="flask", pids=[10], replicas=3, resources=Resources(strategy="peak"))
    b = AppPlan(name="b", stack="flask", pids=[20], include=False, resources=Resources(strategy="as-is"))
    est = estimate_host(facts, [a, b], RightsizingSettings(strategy="p95"))
    ea, eb = est.apps
    assert ea.replicas == 3 and ea.strategy == "peak" and ea.cpu_millicores == 600
    # the planner's default "as-is" is not a request for the VM's size
    assert eb.replicas == 0 and eb.strategy == "p95"
    assert est.requested_cpu_millicores == 1800 and est.requested_memory_bytes == 3 * ea.memory_bytes


def test_descendants_belong_to_the_app_and_pids_count_once():
    procs = [proc(10, cpu=10.0, rss=10 * MIB), proc(11, cpu=10.0, rss=10 * MIB, ppid=10),
             proc(12, cpu=10.0, rss=10 * MIB, ppid=11), proc(20, cpu=10.0, rss=10 * MIB, ppid=10)]
    facts = host(procs)
    est = estimate_host(facts, [app("master", [10]), app("other", [20])])
    master, other = est.apps
    assert master.processes == 3 and other.processes == 1
    assert est.overhead_processes == 0


def test_confidence_thresholds():
    ten_seconds = [(10.0, GIB)] * 10
    facts = host([proc(10, cpu=5.0, rss=MIB)], samples=ten_seconds, source="proc-sample", interval=1.0)
    assert estimate_host(facts, [app()]).confidence == "low"
    six_days = [(10.0, GIB)] * (6 * 144)
    facts = host([proc(10, cpu=5.0, rss=MIB)], samples=six_days, source="sysstat")
    assert estimate_host(facts, [app()]).confidence == "medium"
    seven_days = [(10.0, GIB)] * (7 * 144)
    facts = host([proc(10, cpu=5.0, rss=MIB)], samples=seven_days, source="sysstat")
    assert estimate_host(facts, [app()]).confidence == "high"


def test_unknown_vm_size_uses_the_process_sample():
    facts = host([proc(10, cpu=25.0, rss=100 * MIB)], vcpu=0, samples=[(50.0, GIB)] * 20, source="sysstat")
    a = estimate_host(facts, [app()]).apps[0]
    assert a.cpu_millicores == 300 and "one process sample" in a.cpu_basis


def test_comfort_and_factor_settings_change_the_result():
    facts = host([proc(10, cpu=100.0, rss=1000 * MIB)])
    s = RightsizingSettings(cpu_comfort=1.5, memory_factor=1.3, cpu_floor_millicores=50, memory_floor_mib=128)
    a = estimate_host(facts, [app()], s).apps[0]
    assert a.cpu_millicores == 1500 and a.memory_bytes == 1300 * MIB
