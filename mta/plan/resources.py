"""Requests and limits of every app: one source of truth for manifests and report.

``size_apps`` asks the estimate stage (rightsizing over the utilization
history and the process sample) for each app's CPU and memory request under
the app's strategy (as-is, p95, peak), so the numbers in plan.yaml, the
rendered manifests and the report are the same numbers. The memory limit adds
headroom over the request (twice it, and 1.5 x a JVM's -Xmx) so a peak does
not kill the container. ``default`` keeps mta's built-in figures.
"""

from __future__ import annotations

import math
import re

from ..estimate import estimate_host
from ..model import Resources
from ..model.estimate import RightsizingSettings

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


#: the strategy of an app with no answer: the estimate's own default
DEFAULT_STRATEGY = RightsizingSettings().strategy


def _limit_mi(request_mi: int, command: list[str]) -> int:
    heap = _xmx(command)
    return max(request_mi * 2, 128, _mi(heap * 1.5) if heap else 0)


def size_apps(facts, apps, strategies: dict[str, str]) -> dict[str, Resources]:
    """``{app name: Resources}`` for ``apps`` (plan apps), each under ``strategies[name]``
    (as-is, p95, peak or default; missing: the estimate's default)."""
    wanted = {a.name: (strategies.get(a.name) or DEFAULT_STRATEGY) for a in apps}
    out: dict[str, Resources] = {}
    for strategy in sorted(set(wanted.values())):
        if strategy == "default":
            for a in apps:
                if wanted[a.name] == "default":
                    out[a.name] = Resources(strategy="default", basis="built-in defaults (asked for)")
            continue
        est = estimate_host(facts, apps, RightsizingSettings(strategy=strategy))
        for a, row in zip(apps, est.apps):
            if wanted[a.name] != strategy:
                continue
            mem_mi = int(math.ceil(row.memory_bytes / MI))
            limit_mi = _limit_mi(mem_mi, list(a.command))
            out[a.name] = Resources(
                cpu_request=f"{row.cpu_millicores}m", memory_request=f"{mem_mi}Mi", memory_limit=f"{limit_mi}Mi",
                strategy=strategy,  # type: ignore[arg-type]
                basis=(f"cpu {row.cpu_basis}; memory {row.memory_basis.replace(' (request = limit)', '')}; "
                       f"limit {limit_mi}Mi (headroom over the request); confidence {row.confidence}"),
            )
    return out
