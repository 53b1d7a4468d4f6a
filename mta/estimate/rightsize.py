"""Rightsizing: container requests per app from what the VM showed.

CPU request = statistic (p95 by default) of the app's CPU use x comfort
factor, floored. Memory request = limit = peak RSS of the app's processes x
factor, floored. The VM's own "used" memory is never an app's size: page
cache is not demand, and the VM hosts more than the app.

Where the VM has history (sysstat), that history is whole-VM; it is split
between apps by each app's share of CPU (and of RSS, for memory) in the
process sample, and every estimate says so in its basis.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence

from ..model import App, HostFacts, Process
from ..model.estimate import AppEstimate, Confidence, HostEstimate, RightsizingSettings
from .units import MIB, ceil_mib, fmt_m, fmt_mi, parse_cpu, parse_memory

#: Shorter VM memory series (a live sample) carry no peak worth scaling by.
MIN_MEMORY_HISTORY_SECONDS = 3600


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation, like numpy's default."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class CpuStrategy:
    """A way of turning a CPU series (cores) into one number. Pluggable, like krr."""

    name: str
    describe: Callable[[RightsizingSettings], str]
    statistic: Optional[Callable[[Sequence[float], RightsizingSettings], float]]  # None: VM size


STRATEGIES: dict[str, CpuStrategy] = {}


def register(strategy: CpuStrategy) -> CpuStrategy:
    STRATEGIES[strategy.name] = strategy
    return strategy


register(
    CpuStrategy(
        "p95",
        lambda s: f"p{s.cpu_percentile:g} of CPU use x {s.cpu_comfort:g}",
        lambda series, s: percentile(series, s.cpu_percentile),
    )
)
register(CpuStrategy("peak", lambda s: f"peak CPU use x {s.cpu_comfort:g}", lambda series, s: max(series)))
register(CpuStrategy("as-is", lambda s: "the VM's configured size, split by share", None))


_INTERPRETER = re.compile(r"^(python[\d.]*|java|node|nodejs|perl|ruby|php[\d.]*|php-cgi|sh|bash|dash)$")


def program_of(p: Process) -> str:
    """What program a process runs: its executable, or the script an interpreter runs.

    Not ``comm``: servers rename their workers ("postgres: checkpointer"),
    which would make one program look like many.
    """
    exe = (p.exe or (p.cmdline[0] if p.cmdline and p.cmdline[0].startswith("/") else "")).rsplit("/", 1)[-1]
    if not exe:
        return (p.name or "?").split(":", 1)[0].strip() or "?"
    if _INTERPRETER.match(exe):
        for arg in p.cmdline[1:]:
            if not arg.startswith("-"):
                return f"{exe} {arg.rsplit('/', 1)[-1]}"
    return exe


@dataclass
class _Usage:
    pids: set[int]
    cpu_cores: float  # sum over the app's processes in the sample
    rss: int
    names: set[str]


def _claim_processes(facts: HostFacts, apps: Sequence[App]) -> list[_Usage]:
    """Each app's processes: its pids plus their descendants, each pid counted once."""
    children: dict[int, list[int]] = {}
    by_pid = {p.pid: p for p in facts.processes}
    for p in facts.processes:
        children.setdefault(p.ppid, []).append(p.pid)
    claimed: set[int] = set()
    # Direct pids first, so a worker listed by one app is not swallowed by
    # another app's parent.
    direct = [{pid for pid in app.pids if pid in by_pid} for app in apps]
    for pids in direct:
        claimed |= pids
    usages = []
    for pids in direct:
        mine = set(pids)
        stack = list(pids)
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in claimed:
                    claimed.add(child)
                    mine.add(child)
                    stack.append(child)
        procs = [by_pid[pid] for pid in mine]
        usages.append(
            _Usage(
                pids=mine,
                cpu_cores=sum((p.cpu_percent or 0.0) for p in procs) / 100.0,
                rss=sum(p.rss_bytes for p in procs),
                names={program_of(p) for p in procs},
            )
        )
    return usages


def _history_seconds(facts: HostFacts) -> float:
    util = facts.utilization
    samples = util.samples
    span = 0.0
    if len(samples) >= 2:
        span = samples[-1].timestamp - samples[0].timestamp + (util.interval_seconds or 0.0)
    return max(util.duration_seconds, span)


def _confidence(
    history: float, has_history: bool, any_cpu: bool, s: RightsizingSettings, source: str = "", samples: int = 0
) -> tuple[Confidence, str]:
    """Confidence from the data's coverage: how long the history spans and how densely it was sampled."""
    if not has_history and not any_cpu:
        return "none", "no CPU figures were collected; requests fall back to defaults"
    level: Confidence = "low"
    if has_history and history >= s.high_confidence_days * 86400:
        level, reason = "high", f"{_dur(history)} of VM history (>= {s.high_confidence_days:g} days)"
    elif has_history and history >= s.medium_confidence_hours * 3600:
        level, reason = "medium", (f"{_dur(history)} of VM history (>= {s.medium_confidence_hours:g} h, "
                                   f"< {s.high_confidence_days:g} days)")
    elif has_history and source == "sysstat":
        reason = f"only {_dur(history)} of VM history (< {s.medium_confidence_hours:g} h)"
    elif has_history:
        reason = f"a {_dur(history)} live sample, no history"
    else:
        return "low", "a single process sample, no history"
    need = int(s.min_samples_per_hour * history / 3600)
    reason += f", {samples} samples"
    if level != "low" and samples < need:
        # a long span sampled sparsely says less than its length suggests
        level = "medium" if level == "high" else "low"
        reason += f" (fewer than {need}, {s.min_samples_per_hour:g} an hour: coverage {samples / need:.0%}, one level down)"
    return level, reason


def _procs(n: int) -> str:
    return f"{n} process" + ("" if n == 1 else "es")


def _dur(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds < 10:  # a live sample over the probe's run lasts under a second
        return f"{seconds:.1f}".rstrip("0").rstrip(".") + " s"
    return f"{seconds:.0f} s"


def _replicas_and_strategy(app: App, default: str) -> tuple[int, str]:
    replicas = 1
    strategy = default
    include = getattr(app, "include", True)
    if hasattr(app, "replicas"):
        replicas = app.replicas
    resources = getattr(app, "resources", None)
    # Only p95 and peak in a plan are a choice: the planner writes "as-is"
    # by default, meaning "as seen at discovery", not "the VM's size".
    if resources is not None and resources.strategy in ("p95", "peak"):
        strategy = resources.strategy
    return (replicas if include else 0), strategy


def estimate_host(
    facts: HostFacts, apps: Sequence[App], settings: Optional[RightsizingSettings] = None
) -> HostEstimate:
    """Requests for every app of one host, plus the guest-OS overhead they leave behind.

    ``apps`` may be detector ``App`` or plan ``AppPlan`` objects; a plan's
    ``replicas``, ``include`` and a ``resources.strategy`` of p95 or peak are honoured.
    """
    s = settings or RightsizingSettings()
    vcpu = facts.hardware.cpu_count
    usages = _claim_processes(facts, apps)
    any_cpu = any(p.cpu_percent is not None for p in facts.processes)
    total_cpu = sum((p.cpu_percent or 0.0) for p in facts.processes) / 100.0
    total_rss = sum(p.rss_bytes for p in facts.processes)
    samples = facts.utilization.samples
    has_history = len(samples) >= 2 and vcpu > 0
    history = _history_seconds(facts)
    confidence, reason = _confidence(history, has_history, any_cpu, s, facts.utilization.source, len(samples))
    vm_cores = [x.cpu_percent / 100.0 * vcpu for x in samples] if has_history else []
    vm_mem = [x.mem_used_bytes for x in samples]
    # Memory history only means something over a real span (sysstat), and
    # needs the demand at the time of the process sample (the latest sample).
    mem_history = None
    if len(samples) >= 2 and history >= MIN_MEMORY_HISTORY_SECONDS and samples[-1].mem_used_bytes > 0:
        mem_history = (samples[-1].mem_used_bytes, max(vm_mem))

    claimed = set().union(*(u.pids for u in usages)) if usages else set()
    others = [p for p in facts.processes if p.pid not in claimed]
    host = HostEstimate(
        host=facts.host,
        vcpu=vcpu,
        memory_bytes=facts.hardware.memory_bytes,
        utilization_source=facts.utilization.source,
        history_seconds=history,
        samples=len(samples),
        confidence=confidence,
        confidence_reason=reason,
        vm_cpu_p95_cores=round(percentile(vm_cores, s.cpu_percentile), 3) if vm_cores else None,
        vm_memory_peak_bytes=max(vm_mem) if vm_mem else None,
        app_rss_bytes=sum(u.rss for u in usages),
        overhead_rss_bytes=sum(p.rss_bytes for p in others),
        overhead_processes=len(others),
    )
    if has_history:
        host.notes.append(
            f"VM-level {'history' if facts.utilization.source == 'sysstat' else 'live samples'} "
            f"({facts.utilization.source}, {len(samples)} samples over {_dur(history)}) apportioned "
            "to apps by their share of CPU in the process sample"
            + ("; memory peaks scaled by the VM's demand peak." if mem_history else ".")
        )
    for app, usage in zip(apps, usages):
        host.apps.append(_estimate_app(facts, app, usage, usages, s, total_cpu, total_rss, vm_cores, mem_history, confidence))
    host.requested_cpu_millicores = sum(a.cpu_millicores * a.replicas for a in host.apps)
    host.requested_memory_bytes = sum(a.memory_bytes * a.replicas for a in host.apps)
    return host


def _estimate_app(
    facts: HostFacts,
    app: App,
    usage: _Usage,
    usages: Sequence[_Usage],
    s: RightsizingSettings,
    total_cpu: float,
    total_rss: int,
    vm_cores: list[float],
    mem_history: Optional[tuple[int, int]],
    host_confidence: Confidence,
) -> AppEstimate:
    replicas, strategy_name = _replicas_and_strategy(app, s.strategy)
    strategy = STRATEGIES[strategy_name]
    n_apps = max(1, len(usages))
    cpu_share = usage.cpu_cores / total_cpu if total_cpu > 0 else None
    mem_share = usage.rss / total_rss if total_rss > 0 else None
    found = bool(usage.pids)
    any_cpu = any(p.cpu_percent is not None for p in facts.processes if p.pid in usage.pids)
    vcpu = facts.hardware.cpu_count

    # CPU series for this app, in cores.
    apportioned = False
    if vm_cores and found:
        if cpu_share is not None:
            share, share_text = cpu_share, f"its {cpu_share:.1%} share of process CPU"
        elif mem_share is not None:
            share, share_text = mem_share, f"its {mem_share:.1%} share of RSS (no process was busy in the sample)"
        else:
            share, share_text = 1 / n_apps, f"an equal 1/{n_apps} share"
        series = [c * share for c in vm_cores]
        apportioned = True
        source = f"{len(vm_cores)} VM samples x {share_text}"
    elif found and any_cpu:
        series = [usage.cpu_cores]
        source = f"one process sample: {usage.cpu_cores:.3f} cores over {_procs(len(usage.pids))}"
    else:
        series = []
        source = ""

    observed: Optional[float] = None
    if strategy.statistic is None:
        share = cpu_share if cpu_share is not None else 1 / n_apps
        cpu_m = max(s.cpu_floor_millicores, int(math.ceil(vcpu * share * 1000))) if vcpu else s.no_data_cpu_millicores
        cpu_basis = f"as-is: {vcpu} vCPU x {share:.1%} share = {fmt_m(cpu_m)}" if vcpu else (
            f"as-is: VM vCPU unknown, default {fmt_m(cpu_m)}"
        )
    elif series:
        observed = strategy.statistic(series, s)
        raw = observed * s.cpu_comfort * 1000
        cpu_m = max(s.cpu_floor_millicores, int(math.ceil(raw)))
        floor_note = f", floor {fmt_m(s.cpu_floor_millicores)}" if cpu_m == s.cpu_floor_millicores and raw < cpu_m else ""
        cpu_basis = (
            f"{strategy.describe(s)}: {observed:.3f} cores ({source}) x {s.cpu_comfort:g} "
            f"= {fmt_m(cpu_m)}{floor_note}"
        )
    else:
        cpu_m = s.no_data_cpu_millicores
        cpu_basis = f"no CPU data for this app; default {fmt_m(cpu_m)}"

    # Memory: peak RSS x factor. With real history, the app's RSS is scaled by
    # how much more the VM demanded at its peak than when the sample was taken
    # (the app's share of demand then, applied to the peak): kernel memory
    # and page cache never count as the app's.
    peak = usage.rss
    mem_source = f"RSS {fmt_mi(usage.rss)} of {_procs(len(usage.pids))} in the sample"
    if mem_history and found and usage.rss:
        now, top = mem_history
        scaled = int(usage.rss * top / now)
        if scaled > peak:
            peak = scaled
            apportioned = True
            mem_source = (
                f"RSS {fmt_mi(usage.rss)} = {usage.rss / now:.1%} of VM demand when sampled "
                f"({fmt_mi(now)}, MemTotal-MemAvailable), applied to the VM's peak demand {fmt_mi(top)} "
                f"= {fmt_mi(scaled)}"
            )
    floor = s.memory_floor_mib * MIB
    if strategy.statistic is None:
        share = mem_share if mem_share is not None else 1 / n_apps
        mem = max(floor, ceil_mib(facts.hardware.memory_bytes * share)) if facts.hardware.memory_bytes else s.no_data_memory_mib * MIB
        mem_basis = f"as-is: VM memory {fmt_mi(facts.hardware.memory_bytes)} x {share:.1%} share = {fmt_mi(mem)}"
    elif peak > 0:
        raw_mem = peak * s.memory_factor
        mem = max(floor, ceil_mib(raw_mem))
        floor_note = f", floor {s.memory_floor_mib}Mi" if mem == floor and raw_mem < floor else ""
        mem_basis = f"peak {mem_source} x {s.memory_factor:g} = {fmt_mi(mem)} (request = limit){floor_note}"
    else:
        mem = s.no_data_memory_mib * MIB
        mem_basis = f"no RSS for this app's processes; default {fmt_mi(mem)}"

    confidence: Confidence = host_confidence if (series or strategy.statistic is None) and found else "none"
    return AppEstimate(
        host=facts.host,
        app=app.name,
        role=app.role,
        stack=app.stack,
        strategy=strategy.name,  # type: ignore[arg-type]
        replicas=replicas,
        cpu_millicores=cpu_m,
        memory_bytes=mem,
        confidence=confidence,
        cpu_basis=cpu_basis,
        memory_basis=mem_basis,
        processes=len(usage.pids),
        cpu_share=round(cpu_share, 4) if cpu_share is not None else None,
        memory_share=round(mem_share, 4) if mem_share is not None else None,
        observed_cpu_cores=round(observed, 4) if observed is not None else None,
        observed_rss_bytes=usage.rss,
        apportioned=apportioned,
    )


def process_names(facts: HostFacts, apps: Iterable[App]) -> list[set[str]]:
    """Distinct process names per app (its pids and descendants); used by fit rules."""
    apps = list(apps)
    return [u.names for u in _claim_processes(facts, apps)]


def honour_plan(host: HostEstimate, apps: Sequence[App]) -> None:
    """Make ``host``'s rows the plan's own requests and limits (what the manifests say),
    for apps that are plan apps: the report then shows, packs and prices those."""
    for app, row in zip(apps, host.apps):
        res = getattr(app, "resources", None)
        if res is None:
            continue
        cpu, mem, limit = parse_cpu(res.cpu_request), parse_memory(res.memory_request), parse_memory(res.memory_limit)
        same = (res.strategy == row.strategy and cpu == row.cpu_millicores and mem == row.memory_bytes)
        row.cpu_millicores, row.memory_bytes, row.memory_limit_bytes = cpu, mem, limit
        if not same:
            if res.strategy in STRATEGIES:
                row.strategy = res.strategy
            row.cpu_basis = f"plan.yaml ({res.strategy}): {res.cpu_request}" + (f"; {res.basis}" if res.basis else "")
            row.memory_basis = f"plan.yaml ({res.strategy}): request {res.memory_request}, limit {res.memory_limit}"
    host.requested_cpu_millicores = sum(a.cpu_millicores * a.replicas for a in host.apps)
    host.requested_memory_bytes = sum(a.memory_bytes * a.replicas for a in host.apps)
