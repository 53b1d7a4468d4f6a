"""First-cut requests and limits from what the processes used on the VM.

The estimate stage refines these from utilization samples; here only the
per-process snapshot is known, so the basis says so.
"""

from __future__ import annotations

import math
import re

from ..model import Resources

MI = 1024 * 1024


def _mi(n_bytes: float, step: int = 32) -> int:
    return max(step, int(math.ceil(n_bytes / MI / step)) * step)


def _xmx(command: list[str]) -> int:
    for arg in command:
        m = re.match(r"^-Xmx(\d+)([kKmMgG]?)$", arg)
        if m:
            unit = {"": 1, "k": 1024, "m": MI, "g": 1024 * MI}[m.group(2).lower()]
            return int(m.group(1)) * unit
    return 0


def from_processes(facts, app, strategy: str = "") -> Resources:
    if strategy == "default":
        return Resources(strategy="default", basis="built-in defaults (asked for)")
    procs = [p for p in (facts.process(pid) for pid in app.pids) if p]
    rss = sum(p.rss_bytes for p in procs)
    cpu = sum(p.cpu_percent or 0.0 for p in procs)
    if not procs or rss <= 0:
        return Resources(strategy="default", basis="no process figures on the VM; built-in defaults")
    mem_req = _mi(max(rss * 1.25, 64 * MI))
    heap = _xmx(app.command)
    mem_limit = max(_mi(mem_req * MI * 2), 128, _mi(heap * 1.5) if heap else 0)
    cpu_m = max(50, int(math.ceil(cpu * 10 / 50.0)) * 50)
    basis = (f"{len(procs)} process(es) on the VM: rss {rss // MI}Mi, cpu {cpu:.1f}% of a core at discovery"
             + (f", -Xmx{heap // MI}m" if heap else ""))
    chosen = strategy if strategy in ("as-is", "p95", "peak") else "as-is"
    if chosen in ("p95", "peak"):
        basis += f"; {chosen} needs utilization samples (mta estimate refines this)"
    return Resources(cpu_request=f"{cpu_m}m", memory_request=f"{mem_req}Mi", memory_limit=f"{mem_limit}Mi",
                     strategy=chosen, basis=basis)
