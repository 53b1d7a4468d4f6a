"""Build the one Report model every format is rendered from."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Optional, Sequence

from pydantic import ValidationError

from .. import __version__
from ..estimate import estimate_host, evaluate_rules, fit_score, honour_plan, list_rules, node_spec
from ..estimate.waves import HostNet, app_effort, dependencies, move_groups, waves
from ..estimate.binpack import consolidate, items_of
from ..estimate.cost import compute_savings, cost_model, host_cost, nodes_needed, sized
from ..estimate.prices import price_table
from ..estimate.storage import data_mount_bytes, plan_volume_bytes, vm_disk_bytes
from ..model.estimate import FIT_SCORES, SEVERITIES, Costs, HostEstimate, RulesFile, Settings
from ..model.report import AppReport, ArtifactLink, Dependency, HostReport, Method, MoveGroup, Report, Summary, Wave
from .collect import (
    CACHE_DIR,
    VULNS,
    HostInput,
    artifacts,
    cache_names,
    detect,
    host_entry,
    prime_fingerprint,
    prune_cache,
    read_errors,
    read_host,
    read_vulnerabilities,
    scan,
    write_cache,
)

#: Below this many hosts a process pool costs more than it saves.
PARALLEL_MIN_HOSTS = 64


def build_report(
    outs: Sequence[Path],
    settings: Optional[Settings] = None,
    rules: Optional[RulesFile] = None,
    report_dir: Optional[Path] = None,
    now: Optional[datetime] = None,
    *,
    workers: Optional[int] = None,
    cache: bool = True,
) -> Report:
    """Assess every host under ``outs`` into one portfolio report.

    Links are relative to ``report_dir`` (default: the first OUT). Parsed
    inputs, detections and per-host assessments are cached under
    ``<first OUT>/.mta-cache/report`` (keyed by file size and mtime, detector
    code, rightsizing settings and rules), so a re-run skips the YAML
    parsing, and a what-if on node size or prices skips the hosts entirely.
    """
    settings = settings or Settings()
    prices = price_table(settings)  # an unknown cloud or region fails before any host is read
    outs = [Path(o) for o in outs]
    report_dir = Path(report_dir or outs[0])
    cache_dir = outs[0] / CACHE_DIR if cache else None
    dirs, merge_notes = scan(outs)
    if cache_dir is not None:
        prime_fingerprint()
    effective_rules = list_rules(rules)
    results = _assess_all(dirs, settings, effective_rules, report_dir, cache_dir, workers)
    if cache_dir is not None:
        keep: set[str] = set()
        salt = cache_salt(settings, effective_rules)
        for d in dirs:
            keep |= cache_names(d, cache_dir, salt)
        prune_cache(cache_dir, keep)

    hosts: list[HostReport] = []
    errors = []
    counted: list[HostEstimate] = []
    counted_hosts: list[HostReport] = []
    excluded: dict[str, str] = {}
    for host, host_errors in results:
        errors.extend(host_errors)
        if host is None:
            continue
        hosts.append(host)
        why = _excluded_because(host)
        if why:
            excluded[host.host] = why
        else:
            counted.append(host.estimate)
            counted_hosts.append(host)
        host.cost = host_cost(host, prices, settings.costs)

    spec = node_spec(settings.node)
    consolidation = consolidate(items_of(counted), spec)
    savings = compute_savings(counted, consolidation, prices, excluded)
    nodes_range = None
    if any(h.confidence in ("low", "none") for h in counted):
        # the low-confidence hosts' containers sized p95-based, then peak-based;
        # an end that moves no request is the packing already done
        nodes_range = tuple(
            nodes_needed([sized(h, end) if h.confidence in ("low", "none") else h for h in counted], spec)
            if _moves(counted, end) else savings.after.machines
            for end in (0, 1))
    migration_days = sum(a.effort_days for h in counted_hosts for a in h.apps if a.include)
    costs = cost_model(counted_hosts, savings, consolidation, prices, settings.costs, migration_days, nodes_range)
    report = Report(
        generated_at=now or datetime.now(timezone.utc).replace(microsecond=0),
        mta_version=__version__,
        inputs=[_input_label(o, report_dir) for o in outs],
        settings=settings,
        summary=_summary(hosts, errors, savings, consolidation, costs),
        savings=savings,
        costs=costs,
        consolidation=consolidation,
        hosts=hosts,
        errors=errors,
        rules=effective_rules,
        method=_method(settings, spec.formula, costs),
    )
    if merge_notes:
        report.method.append(Method(topic="Merged inputs", text=" ".join(merge_notes)))
    _plan_waves(report)
    return report


def _plan_waves(report: Report) -> None:
    """Dependency map, move groups and waves over the assessed hosts."""
    nets = [HostNet(h.host, h.addresses, h.listen_ports, h.peers, h.fit,
                    round(sum(a.effort_days for a in h.apps if a.include), 2)) for h in report.hosts]
    edges = dependencies(nets)
    report.dependencies = [Dependency(source=e.source, target=e.target, port=e.port) for e in edges]
    groups = move_groups(nets, edges)
    planned = waves(groups)
    report.move_groups = [MoveGroup(id=g.id, hosts=g.hosts, effort_days=g.effort_days, fit=g.fit) for g in groups]
    report.waves = [Wave(number=w.number, name=w.name, groups=w.groups, hosts=w.hosts, effort_days=w.effort_days,
                         why=w.why) for w in planned]


def _assess_all(dirs, settings, rules, report_dir, cache_dir, workers):
    job = partial(assess_dir, settings=settings, rules=rules, report_dir=report_dir, cache_dir=cache_dir,
                  salt=cache_salt(settings, rules))
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n <= 1 or len(dirs) < PARALLEL_MIN_HOSTS or "fork" not in mp.get_all_start_methods():
        return [job(d) for d in dirs]
    # fork: workers inherit the imported detectors and templates; each host
    # is independent, and only the small HostReport travels back.
    with ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("fork")) as pool:
        return list(pool.map(job, dirs, chunksize=max(1, len(dirs) // (n * 8))))


def cache_salt(settings: Settings, rules) -> str:
    """What a host's assessment depends on besides its files."""
    return settings.rightsizing.model_dump_json() + json.dumps([r.model_dump() for r in rules], sort_keys=True)


def assess_dir(d: Path, *, settings: Settings, rules, report_dir: Path, cache_dir: Optional[Path], salt: str = ""):
    """(HostReport or None, errors) for one host directory."""
    entry = host_entry(d, cache_dir, salt) if cache_dir is not None else None
    if entry is not None and entry.is_file():
        try:
            host = HostReport.model_validate_json(entry.read_bytes())
        except (OSError, ValidationError):
            host = None
        if host is not None:
            # Generated files come and go without the facts changing.
            rel = _rel(d, report_dir)
            host.source_dir = rel
            host.artifacts = [ArtifactLink(label=a, href=f"{rel}/{a}") for a in artifacts(d)]
            host.vulnerabilities = read_vulnerabilities(d, f"{rel}/{VULNS}")
            return host, read_errors(d)
    item = read_host(d, cache_dir)
    if item.facts is None:
        return None, item.errors
    host = _assess(item, settings, rules, report_dir, cache_dir)
    if entry is not None:
        write_cache(entry, host.model_dump_json())
    # read after caching: `mta scan` rewrites it without the facts changing
    host.vulnerabilities = read_vulnerabilities(d, f"{host.source_dir}/{VULNS}")
    return host, item.errors


def _assess(item: HostInput, settings: Settings, rules, report_dir: Path, cache_dir: Optional[Path] = None) -> HostReport:
    facts = item.facts
    notes = list(item.notes)
    if item.plan is not None:
        apps, source = list(item.plan.apps), "plan"
    else:
        detected, why = detect(facts, item.dir / "discovery.yaml", cache_dir)
        if why:
            notes.append(why)
        apps, source = (detected or []), ("detected" if detected is not None else "none")
    estimate = estimate_host(facts, apps, settings.rightsizing)
    if source == "plan":
        honour_plan(estimate, apps)  # the manifests' numbers, not a second opinion
    if estimate.confidence in ("low", "none"):
        _ranges(estimate, facts, apps, settings)
    if source == "plan":
        volumes, volumes_from = plan_volume_bytes(apps), "plan"
    elif apps:
        volumes, volumes_from = data_mount_bytes(facts), "mounts"
    else:
        volumes, volumes_from = 0, "none"
    host_findings, app_findings = evaluate_rules(facts, apps, rules)
    insufficient_host = not facts.processes or not apps
    app_reports = []
    for app, est, findings in zip(apps, estimate.apps, app_findings):
        app_reports.append(
            AppReport(
                name=app.name,
                role=app.role,
                stack=app.stack,
                runtime=app.runtime,
                runtime_version=app.runtime_version,
                framework=app.framework,
                confidence=app.confidence,
                include=getattr(app, "include", True),
                evidence=app.evidence,
                ports=app.ports,
                estimate=est,
                fit=fit_score(findings, insufficient=est.processes == 0),
                findings=findings,
            )
        )
        app_reports[-1].effort_days, app_reports[-1].effort_reasons = app_effort(
            app.stack, app.role, app.confidence, [f.severity for f in findings])
    every = host_findings + [f for fs in app_findings for f in fs]
    rel = _rel(item.dir, report_dir)
    return HostReport(
        host=facts.host or item.host,
        address=facts.address,
        os=facts.os.pretty_name or " ".join(x for x in (facts.os.name, facts.os.version_id) if x) or facts.os.id,
        kernel=facts.os.kernel,
        collector=facts.collector,
        collected_at=facts.collected_at,
        source_dir=rel,
        apps_source=source,  # type: ignore[arg-type]
        apps=app_reports,
        findings=host_findings,
        fit=fit_score(every, insufficient=insufficient_host),
        estimate=estimate,
        artifacts=[ArtifactLink(label=a, href=f"{rel}/{a}") for a in artifacts(item.dir)],
        probe_errors=[f"{e.section}: {e.message}" for e in facts.errors],
        notes=notes + estimate.notes,
        os_id=facts.os.id,
        disk_bytes=vm_disk_bytes(facts),
        volume_bytes=volumes,
        volumes_from=volumes_from,
        **_network(facts),
    )


def _moves(hosts: list[HostEstimate], end: int) -> bool:
    """Whether sizing the low-confidence hosts at ``end`` of their ranges changes any request."""
    return any((a.cpu_range_millicores and a.cpu_range_millicores[end] != a.cpu_millicores)
               or (a.memory_range_bytes and a.memory_range_bytes[end] != a.memory_bytes)
               for h in hosts if h.confidence in ("low", "none") for a in h.apps)


def _ranges(estimate: HostEstimate, facts, apps, settings: Settings) -> None:
    """Low confidence: each app's request under p95-based and under peak-based sizing, with its own, as a range."""
    alts = [estimate_host(facts, apps, settings.rightsizing.model_copy(update={"strategy": st}))
            for st in ("p95", "peak")]
    for i, row in enumerate(estimate.apps):
        cpus = [row.cpu_millicores, *(a.apps[i].cpu_millicores for a in alts)]
        mems = [row.memory_bytes, *(a.apps[i].memory_bytes for a in alts)]
        row.cpu_range_millicores = [min(cpus), max(cpus)]
        row.memory_range_bytes = [min(mems), max(mems)]


def _network(facts) -> dict:
    """Where a host can be reached, what it listens on and whom it talks to (the dependency map)."""
    bound = {s.address for s in facts.sockets if s.protocol == "tcp"}
    addresses = sorted({a for a in [facts.address, *bound] if a and a not in ("0.0.0.0", "::", "*")})
    ports = sorted({s.port for s in facts.sockets
                    if s.protocol == "tcp" and not s.address.startswith(("127.", "::1", "[::1]"))})
    peers = sorted({f"{c.remote_address}:{c.remote_port}" for c in facts.connections
                    if c.protocol == "tcp" and not c.remote_address.startswith(("127.", "::1"))})
    return {"addresses": addresses, "listen_ports": ports, "peers": peers}


def _excluded_because(host: HostReport) -> str:
    if not host.apps:
        return "no app detected"
    if not any(a.estimate and a.estimate.replicas for a in host.apps):
        return "no app included in the plan"
    if not host.estimate.vcpu or not host.estimate.memory_bytes:
        return "VM size unknown"
    return ""


def _rel(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def _input_label(out: Path, report_dir: Path) -> str:
    """An input folder as the report names it: relative to the report, or by its own
    name when the report sits in it ("." says nothing to a reader)."""
    rel = _rel(out, report_dir)
    return rel if rel not in ("", ".") else (out.resolve().name or str(out))


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _span(point: float, rng) -> str:
    """One figure, or its range when the inputs are uncertain."""
    if rng is None or round(rng.low) == round(rng.high):
        return _money(point)
    return f"{_money(rng.low)} to {_money(rng.high)}"


def cost_headline(savings, costs: Optional[Costs], counted: int) -> list[str]:
    """The sentences a reader needs first about money and capacity; a rise is said as a rise."""
    if not savings.before.machines or costs is None:
        return []
    out = []
    cur = costs.prices.currency
    b, a = savings.before, savings.after
    low = len(costs.low_confidence_hosts)
    caveat = ""
    if low:
        r = costs.monthly_after_range
        if r is not None and round(r.low) != round(r.high):
            caveat = (f" A range, not one figure: {low} of {counted} hosts counted have low confidence and are sized "
                      "p95-based to peak-based; collect a week of sysstat history to narrow it.")
        else:
            caveat = (f" {low} of {counted} hosts counted have low confidence; sized peak-based instead of p95-based "
                      "they need the same nodes, so the figure holds, but collect a week of sysstat history.")
    saved, rng = costs.monthly_saved, costs.monthly_saved_range
    lo, hi = (min(rng.low, saved), max(rng.high, saved)) if rng else (saved, saved)
    pct = f" ({100 * saved / costs.monthly_before:.0f}%)" if costs.monthly_before and saved > 0 else ""
    if hi < 0:
        more = _money(-saved) if lo == hi else f"{_money(-hi)} to {_money(-lo)}"
        verdict = f"costs MORE: {more} {cur} a month above the VMs"
    elif lo >= 0:
        verdict = f"saves {_span(saved, rng)} {cur} a month{pct}"
    else:
        verdict = (f"may cost MORE: from {_money(-lo)} {cur} a month more (peak-based) "
                   f"to {_money(hi)} {cur} a month less")
    out.append(
        f"Running cost a month (compute, storage, cluster fee, OS licences, operations): VMs as they are "
        f"{_money(costs.monthly_before)} {cur}, the container platform {_span(costs.monthly_after, costs.monthly_after_range)}"
        f" {cur}: it {verdict}.{caveat}")
    cap = (f"Capacity: {b.machines} VMs ({b.vcpu:g} vCPU, {b.memory_gib:,.0f} GiB) -> {_n(a.machines, 'node')} "
           f"({a.vcpu:g} vCPU, {a.memory_gib:,.0f} GiB).")
    ups = []
    if a.memory_gib > b.memory_gib + 1e-9:
        ups.append(f"memory goes UP by {a.memory_gib - b.memory_gib:,.0f} GiB")
    if a.vcpu > b.vcpu + 1e-9:
        ups.append(f"vCPU goes UP by {a.vcpu - b.vcpu:g}")
    if a.monthly_cost > b.monthly_cost + 0.005:
        ups.append(f"compute cost goes UP by {a.monthly_cost - b.monthly_cost:,.0f} {cur} a month")
    if ups:
        said = "; ".join(ups)
        cap += " " + said[:1].upper() + said[1:] + ": nodes come whole, with room kept for the system and for spikes."
    out.append(cap)
    tco = (f"{costs.years}-year total cost of ownership, with {costs.migration_days:g} person-days of migration "
           f"({_money(costs.migration_cost)} {cur}): VMs {_money(costs.tco_vms)} {cur}, platform "
           f"{_span(costs.tco_platform, costs.tco_platform_range)} {cur}; ")
    if costs.tco_saved >= 0:
        tco += f"{_money(costs.tco_saved)} {cur} saved"
    else:
        tco += f"the platform costs {_money(-costs.tco_saved)} {cur} MORE"
    if costs.break_even_months is not None:
        tco += f"; the migration pays back in {costs.break_even_months:g} months."
    else:
        tco += "; the migration never pays back at these prices."
    out.append(tco)
    return out


def _highlights(hosts: list[HostReport], failed: set[str], savings, consolidation, fit_hosts: Counter,
                costs: Optional[Costs] = None) -> list[str]:
    out = cost_headline(savings, costs, savings.before.machines)
    ready = fit_hosts.get("Excellent", 0) + fit_hosts.get("Good", 0)
    work = fit_hosts.get("Needs minor work", 0) + fit_hosts.get("Needs major work", 0)
    if hosts:
        out.append(f"{ready} of {_n(len(hosts), 'host')} can move as they are or nearly (Excellent or Good); "
                   f"{work} need work first; {fit_hosts.get('Not recommended', 0)} not recommended.")
    blockers = Counter(f.rule for h in hosts for f in h.findings + [x for a in h.apps for x in a.findings]
                       if f.severity in ("blocker", "high"))
    if blockers:
        top = ", ".join(f"{rule} ({n})" for rule, n in blockers.most_common(3))
        out.append(f"Most frequent serious findings: {top}.")
    thin = [h.host for h in hosts if h.estimate.confidence in ("low", "none")]
    if thin:
        out.append(f"{_n(len(thin), 'host')} sized with low confidence (less than a day of data, or too few "
                   "samples); collect a week of sysstat history before committing to these figures.")
    if consolidation.unplaced:
        out.append(f"{_n(len(consolidation.unplaced), 'container')} larger than one node; consider a larger node "
                   "size (--node-cpu, --node-memory-gib) or a dedicated node pool.")
    if fit_hosts.get("Insufficient data"):
        out.append(f"{_n(fit_hosts['Insufficient data'], 'host')} without a detectable app; review by hand.")
    if failed:
        out.append(f"{_n(len(failed), 'host')} could not be discovered; see the errors section.")
    return out


def _summary(hosts: list[HostReport], errors, savings, consolidation, costs: Optional[Costs] = None) -> Summary:
    failed = {e.host for e in errors} - {h.host for h in hosts}
    fit_hosts = Counter(h.fit for h in hosts)
    fit_apps = Counter(a.fit for h in hosts for a in h.apps)
    findings = [f for h in hosts for f in h.findings + [x for a in h.apps for x in a.findings]]
    return Summary(
        hosts=len(hosts) + len(failed),
        hosts_assessed=len(hosts),
        hosts_failed=len(failed),
        apps=sum(len(h.apps) for h in hosts),
        fit_hosts={k: fit_hosts.get(k, 0) for k in FIT_SCORES},
        fit_apps={k: fit_apps.get(k, 0) for k in FIT_SCORES},
        findings_by_severity={k: sum(1 for f in findings if f.severity == k) for k in reversed(SEVERITIES)},
        findings_by_rule=dict(Counter(f.rule for f in findings).most_common()),
        confidence={k: sum(1 for h in hosts if h.estimate.confidence == k) for k in ("high", "medium", "low", "none")},
        highlights=_highlights(hosts, failed, savings, consolidation, fit_hosts, costs),
    )


def _method(s: Settings, formula: str, costs: Optional[Costs] = None) -> list[Method]:
    r, n = s.rightsizing, s.node
    return [
        Method(topic="Apps", text="Apps come from each host's plan.yaml when present (decisions as edited), "
               "otherwise from the detectors run on discovery.yaml. An app's processes are its detected pids "
               "and their descendants."),
        Method(topic="CPU request", text=f"Strategy {r.strategy}: p95 = the {r.cpu_percentile:g}th percentile of the "
               f"app's CPU use in cores x comfort factor {r.cpu_comfort:g}; peak = the maximum x {r.cpu_comfort:g}; "
               f"as-is = the VM's configured vCPU x the app's share. Floor {r.cpu_floor_millicores}m; "
               f"{r.no_data_cpu_millicores}m when nothing was measured. A host with a plan.yaml is shown, packed and "
               "priced with the plan's own requests (what its manifests ask for): the planner computes them this "
               "same way, under each app's strategy (p95 unless answered otherwise)."),
        Method(topic="Memory request and limit", text=f"Request: peak RSS of the app's processes x {r.memory_factor:g}, "
               f"rounded up to a MiB, floor {r.memory_floor_mib} MiB ({r.no_data_memory_mib} MiB with no data). The "
               "VM's 'used' memory is never taken as an app's size: page cache is not demand. The manifests' limit "
               "keeps headroom over the request (twice it, and 1.5 x a JVM's -Xmx)."),
        Method(topic="Effort, move groups and waves", text="Effort per app in person-days: a base per stack "
               "(static site 0.25, app server 1-1.5, JBoss 3, database 1) plus 0.25/0.5/2/5 per low/medium/high/"
               "blocker finding and 0.5 for an uncertain detection; each app lists its reasons. Hosts with an "
               "established connection to another inventoried host's listening port form a move group and move "
               "together. Groups go into waves by their worst fit: pilot (Excellent/Good), minor work, major work, "
               "assess further."),
        Method(topic="Apportioning VM history", text="sysstat history is whole-VM. Each app gets the VM's CPU series "
               "x its share of process CPU in the sample (RSS share when nothing was busy), and the VM's peak "
               "MemTotal-MemAvailable x its share of RSS when that exceeds the sampled RSS. Estimates built this "
               "way are marked 'apportioned'."),
        Method(topic="Confidence", text=f"From the data's coverage: high: >= {r.high_confidence_days:g} days of "
               f"history; medium: >= {r.medium_confidence_hours:g} h; low: less, or only the process sample; none: no "
               f"CPU figures. A history with fewer than {r.min_samples_per_hour:g} samples an hour drops one level."),
        Method(topic="Node capacity", text=f"Nodes of {n.cpu:g} vCPU and {n.memory_gib:g} GiB. allocatable = capacity "
               f"- system reservation - {n.eviction_memory_mib} MiB eviction threshold; reservation: {formula} "
               "(source: cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes). Containers are packed "
               f"up to {n.target_utilization:.0%} of allocatable."),
        Method(topic="Consolidation", text="First-fit decreasing: containers (one per replica) sorted by their larger "
               "share of a node, each placed on the first node with room for both CPU and memory. The lower bound "
               "ceil(max(sum CPU / usable CPU, sum memory / usable memory)) shows how close the packing is to ideal."),
        *([Method(topic="Cost", text=_cost_method(costs))] if costs is not None else []),
        Method(topic="Ranges", text="A host with low confidence (less than a day of history, or fewer samples than "
               f"{r.min_samples_per_hour:g} an hour) gets a range instead of one figure: its containers sized from "
               "the p95 of CPU and from the peak (memory: peak RSS either way), packed again; the range spans both "
               "packings and the figure shown."),
        Method(topic="Guest-OS overhead", text="RSS of the processes no app claims (agents, daemons, the OS "
               "itself): memory the VMs spend that containers do not need."),
        Method(topic="Hosts left out of the savings", text="Hosts with no detected app, no included app or unknown "
               "VM size are listed but counted on neither side; hosts that could not be discovered likewise."),
        Method(topic="Fit score", text="Each rule has a severity; a host or app scores by its worst finding: info -> "
               "Excellent, low -> Good, medium -> Needs minor work, high -> Needs major work, blocker -> Not "
               "recommended. No process list, no detected app, or an app with no running process: Insufficient data."),
    ]


def _cost_method(c: Costs) -> str:
    p = c.prices
    where = ("custom unit prices from the settings" if p.cloud == "custom"
             else f"{p.cloud} {p.family} in {p.region}, list prices as of {p.as_of}")
    parts = [f"Prices: {where}; currency {p.currency}; discount {p.discount_label}."]
    parts += [f"{x.item}: {x.basis} Source: {x.source}" for x in c.lines]
    parts.append(f"Total cost of ownership over {c.years} years = {12 * c.years} x each monthly line, plus the "
                 "migration effort (person-days x day rate) on the platform side.")
    parts += c.notes
    return " ".join(parts)
