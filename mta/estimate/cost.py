"""Before vs after: VMs allocated against nodes needed, priced alike.

One price per vCPU-hour and per GiB-hour applies to both sides, so the
difference comes from capacity, not from a change of machine family.
"""

from __future__ import annotations

import math
from typing import Sequence

from ..model.estimate import Consolidation, HostEstimate, PriceSettings, Savings, Side
from .binpack import item_name
from .units import GIB


def monthly(vcpu: float, memory_gib: float, price: PriceSettings) -> float:
    return (vcpu * price.vcpu_hour + memory_gib * price.gib_hour) * price.hours_per_month


def compute_savings(
    hosts: Sequence[HostEstimate],
    consolidation: Consolidation,
    price: PriceSettings,
    excluded: dict[str, str] | None = None,
) -> Savings:
    """Compare the VMs of ``hosts`` with the nodes of ``consolidation``."""
    before_cpu = float(sum(h.vcpu for h in hosts))
    before_mem = sum(h.memory_bytes for h in hosts) / GIB
    spec = consolidation.node
    node_cpu = spec.cpu_millicores / 1000
    node_mem = spec.memory_bytes / GIB
    # Containers larger than one node still need somewhere to run: price each
    # as the whole number of nodes its size amounts to.
    extra_nodes = consolidation_extra_nodes(hosts, consolidation) if consolidation.unplaced else 0
    nodes = consolidation.nodes + extra_nodes
    after_cpu = nodes * node_cpu
    after_mem = nodes * node_mem
    req_cpu = sum(a.cpu_millicores * a.replicas for h in hosts for a in h.apps) / 1000
    req_mem = sum(a.memory_bytes * a.replicas for h in hosts for a in h.apps) / GIB
    before = Side(machines=len(hosts), vcpu=before_cpu, memory_gib=round(before_mem, 3), monthly_cost=round(monthly(before_cpu, before_mem, price), 2))
    after = Side(machines=nodes, vcpu=after_cpu, memory_gib=round(after_mem, 3), monthly_cost=round(monthly(after_cpu, after_mem, price), 2))
    requested = Side(machines=sum(1 for h in hosts for a in h.apps if a.replicas), vcpu=round(req_cpu, 3), memory_gib=round(req_mem, 3), monthly_cost=round(monthly(req_cpu, req_mem, price), 2))
    saved = before.monthly_cost - after.monthly_cost
    cur = price.currency
    basis = [
        f"Before: {len(hosts)} VMs, sum of configured vCPU = {before_cpu:g}, sum of configured memory = {before_mem:.2f} GiB.",
        f"After: {consolidation.nodes} nodes from first-fit decreasing"
        + (f" + {extra_nodes} node(s) for containers larger than one node" if extra_nodes else "")
        + f", each {node_cpu:g} vCPU and {node_mem:g} GiB.",
        f"Monthly cost = (vCPU x {price.vcpu_hour:g} + GiB x {price.gib_hour:g}) {cur}/h x {price.hours_per_month:g} h; "
        f"before {before.monthly_cost:,.2f}, after {after.monthly_cost:,.2f} {cur}.",
        f"Guest-OS overhead reclaimed: RSS of processes no app claims, summed over hosts = "
        f"{sum(h.overhead_rss_bytes for h in hosts) / GIB:.2f} GiB.",
        f"Prices: {price.source}.",
    ]
    return Savings(
        before=before,
        after=after,
        requested=requested,
        overhead_reclaimed_gib=round(sum(h.overhead_rss_bytes for h in hosts) / GIB, 3),
        vcpu_saved=round(before_cpu - after_cpu, 3),
        memory_gib_saved=round(before_mem - after_mem, 3),
        monthly_cost_saved=round(saved, 2),
        cost_saved_percent=round(100 * saved / before.monthly_cost, 1) if before.monthly_cost else 0.0,
        currency=cur,
        hosts_counted=[h.host for h in hosts],
        hosts_excluded=dict(excluded or {}),
        basis=basis,
    )


def consolidation_extra_nodes(hosts: Sequence[HostEstimate], consolidation: Consolidation) -> int:
    """Nodes needed by containers too big for one node, each on its own."""
    spec = consolidation.node
    sizes = {}
    for h in hosts:
        for a in h.apps:
            for r in range(a.replicas):
                sizes[item_name(h.host, a.app, r + 1)] = (a.cpu_millicores, a.memory_bytes)
    extra = 0
    for name in consolidation.unplaced:
        cpu, mem = sizes.get(name, (spec.usable_cpu_millicores, spec.usable_memory_bytes))
        extra += max(
            math.ceil(cpu / spec.usable_cpu_millicores) if spec.usable_cpu_millicores else 1,
            math.ceil(mem / spec.usable_memory_bytes) if spec.usable_memory_bytes else 1,
        )
    return extra
