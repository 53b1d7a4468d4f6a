"""The one cost model: VMs as they are against the container platform, priced alike.

``monthly`` is the one price function: every figure in every format comes
from it, through ``compute_savings`` (compute), ``host_cost`` (one host's
share) and ``cost_model`` (compute, storage, cluster fee, OS licences,
operations, and the total cost of ownership with the migration effort).

The same prices apply to both sides (the VMs priced as the chosen cloud's
family would rent them), so the difference comes from capacity and from what
stops being paid, not from a change of machine family.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence, Union

from ..model.estimate import (
    Consolidation,
    CostLine,
    Costs,
    CostSettings,
    HostCost,
    HostEstimate,
    NodeSpec,
    PriceSettings,
    PriceTable,
    Range,
    Savings,
    Side,
    TcoLine,
)
from ..model.report import HostReport
from .binpack import consolidate, item_name, items_of
from .units import GIB


def unit_table(price: PriceSettings) -> PriceTable:
    """The settings' own unit prices as a price table (``--cloud custom``)."""
    return PriceTable(cloud="custom", family="custom", kind="unit", currency=price.currency, vcpu_hour=price.vcpu_hour,
                      gib_hour=price.gib_hour, hours_per_month=price.hours_per_month, source=price.source)


def monthly(vcpu: float, memory_gib: float, prices: Union[PriceTable, PriceSettings]) -> float:
    """Compute for a month: per vCPU and GiB (unit), or the instance share that holds both (instance); less the discount."""
    p = prices if isinstance(prices, PriceTable) else unit_table(prices)
    if p.kind == "instance":
        units = max(vcpu, memory_gib / p.gib_per_vcpu if p.gib_per_vcpu else 0.0)
        hourly = units * p.vcpu_hour
    else:
        hourly = vcpu * p.vcpu_hour + memory_gib * p.gib_hour
    return hourly * p.hours_per_month * (1.0 - p.discount)


def price_formula(p: PriceTable) -> str:
    cur = p.currency
    if p.kind == "instance":
        f = (f"max(vCPU, GiB / {p.gib_per_vcpu:g}) x {p.vcpu_hour:g} {cur}/h (the {p.family} share holding both) "
             f"x {p.hours_per_month:g} h")
    else:
        f = f"(vCPU x {p.vcpu_hour:g} + GiB x {p.gib_hour:g}) {cur}/h x {p.hours_per_month:g} h"
    if p.discount:
        f += f" x (1 - {p.discount:g} discount, {p.discount_label})"
    return f


def _where(p: PriceTable) -> str:
    if p.cloud == "custom":
        return "custom unit prices"
    return f"{p.cloud} {p.family} in {p.region}, list prices as of {p.as_of}"


def compute_savings(
    hosts: Sequence[HostEstimate],
    consolidation: Consolidation,
    price: Union[PriceTable, PriceSettings],
    excluded: Optional[dict[str, str]] = None,
) -> Savings:
    """Compare the VMs of ``hosts`` with the nodes of ``consolidation`` (compute only)."""
    p = price if isinstance(price, PriceTable) else unit_table(price)
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
    before_cost = sum(monthly(h.vcpu, h.memory_bytes / GIB, p) for h in hosts)
    before = Side(machines=len(hosts), vcpu=before_cpu, memory_gib=round(before_mem, 3), monthly_cost=round(before_cost, 2))
    after = Side(machines=nodes, vcpu=after_cpu, memory_gib=round(after_mem, 3),
                 monthly_cost=round(nodes * monthly(node_cpu, node_mem, p), 2))
    # one container per replica: the same count the packing places
    containers = sum(a.replicas for h in hosts for a in h.apps)
    requested = Side(machines=containers, vcpu=round(req_cpu, 3), memory_gib=round(req_mem, 3),
                     monthly_cost=round(monthly(req_cpu, req_mem, p), 2))
    saved = before.monthly_cost - after.monthly_cost
    cur = p.currency
    basis = [
        f"Before: {len(hosts)} VMs, sum of configured vCPU = {before_cpu:g}, sum of configured memory = {before_mem:.2f} GiB.",
        f"After: {consolidation.nodes} nodes from first-fit decreasing"
        + (f" + {extra_nodes} node(s) for containers larger than one node" if extra_nodes else "")
        + f", each {node_cpu:g} vCPU and {node_mem:g} GiB.",
        f"Monthly compute = {price_formula(p)}, per VM and per node; "
        f"before {before.monthly_cost:,.2f}, after {after.monthly_cost:,.2f} {cur}.",
        f"Guest-OS overhead reclaimed: RSS of processes no app claims, summed over hosts = "
        f"{sum(h.overhead_rss_bytes for h in hosts) / GIB:.2f} GiB.",
        f"Prices: {_where(p)}. {p.source}",
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


def nodes_needed(hosts: Sequence[HostEstimate], spec: NodeSpec) -> int:
    """Nodes for ``hosts``' containers: the packing plus dedicated nodes for the oversized."""
    c = consolidate(items_of(hosts), spec)
    return c.nodes + (consolidation_extra_nodes(hosts, c) if c.unplaced else 0)


def sized(host: HostEstimate, end: int) -> HostEstimate:
    """``host`` with each app's request at the low (0) or high (1) end of its range."""
    apps = []
    for a in host.apps:
        update = {}
        if a.cpu_range_millicores:
            update["cpu_millicores"] = a.cpu_range_millicores[end]
        if a.memory_range_bytes:
            update["memory_bytes"] = a.memory_range_bytes[end]
        apps.append(a.model_copy(update=update) if update else a)
    return host.model_copy(update={"apps": apps})


def _range_of(values: Sequence[Optional[list[int]]], points: Sequence[int], end: int) -> int:
    return sum((v[end] if v else p) for v, p in zip(values, points))


def host_cost(h: HostReport, p: PriceTable, costs: CostSettings) -> HostCost:
    """One host's month: its VM (compute, disks, OS subscription) and its containers' requested compute."""
    e = h.estimate
    reps = [a.replicas for a in e.apps]
    cpu = [a.cpu_millicores * r for a, r in zip(e.apps, reps)]
    mem = [a.memory_bytes * r for a, r in zip(e.apps, reps)]
    out = HostCost(
        vm_compute=round(monthly(e.vcpu, e.memory_bytes / GIB, p), 2),
        vm_storage=round(h.disk_bytes / GIB * p.storage_gib_month, 2),
        vm_licence=round(costs.licences_per_vm_year.get(h.os_id, 0.0) / 12, 2),
        requested_compute=round(monthly(sum(cpu) / 1000, sum(mem) / GIB, p), 2),
        volumes_gib=round(h.volume_bytes / GIB, 2),
    )
    if any(a.cpu_range_millicores or a.memory_range_bytes for a in e.apps):
        ends = []
        for end in (0, 1):
            c = _range_of([a.cpu_range_millicores and [x * r for x in a.cpu_range_millicores] for a, r in zip(e.apps, reps)], cpu, end)
            m = _range_of([a.memory_range_bytes and [x * r for x in a.memory_range_bytes] for a, r in zip(e.apps, reps)], mem, end)
            ends.append(round(monthly(c / 1000, m / GIB, p), 2))
        out.requested_compute_range = Range(low=min(ends), high=max(ends))
    return out


def cost_model(
    hosts: Sequence[HostReport],
    savings: Savings,
    consolidation: Consolidation,
    p: PriceTable,
    costs: CostSettings,
    migration_days: float,
    nodes_range: Optional[tuple[int, int]] = None,
) -> Costs:
    """Every monthly cost before and after, their totals, and the TCO over ``costs.years``.

    ``hosts`` are the hosts counted in ``savings``; ``nodes_range`` is the node
    count with low-confidence hosts sized p95-based and peak-based.
    """
    cur = p.currency
    hpm = p.hours_per_month
    ops = costs.operations
    spec = consolidation.node
    node_cpu, node_gib = spec.cpu_millicores / 1000, spec.memory_bytes / GIB
    nodes = savings.after.machines
    per_node = monthly(node_cpu, node_gib, p)
    low_hosts = [h.host for h in hosts if h.estimate.confidence in ("low", "none")]
    span = nodes_range if nodes_range and low_hosts else None

    def by_nodes(fn) -> tuple[float, Optional[Range]]:
        value = round(fn(nodes), 2)
        if span is None:
            return value, None
        ends = [round(fn(n), 2) for n in (*span, nodes)]
        return value, Range(low=min(ends), high=max(ends))

    disk_gib = sum(h.disk_bytes for h in hosts) / GIB
    vol_gib = sum(h.volume_bytes for h in hosts) / GIB
    from_mounts = sum(1 for h in hosts if h.volumes_from == "mounts")
    licensed = [h for h in hosts if costs.licences_per_vm_year.get(h.os_id)]
    compute_after, compute_range = by_nodes(lambda n: n * per_node)
    storage_after, storage_range = by_nodes(lambda n: (vol_gib + n * costs.node_disk_gib) * p.storage_gib_month)
    ops_after, ops_range = by_nodes(lambda n: (n * ops.node_hours_per_month
                                               + costs.clusters * ops.platform_hours_per_month) * ops.hourly_rate)
    lines = [
        CostLine(item="Compute", before=savings.before.monthly_cost, after=compute_after, after_range=compute_range,
                 basis=f"{len(hosts)} VMs as configured vs {nodes} node(s) of {node_cpu:g} vCPU / {node_gib:g} GiB; "
                       f"{price_formula(p)}.",
                 source=f"{_where(p)}. {p.source}" + (f" Discount: {p.discount_source}" if p.discount_source else "")),
        CostLine(item="Storage", before=round(disk_gib * p.storage_gib_month, 2), after=storage_after,
                 after_range=storage_range,
                 basis=f"before: the VMs' local disks, {disk_gib:,.0f} GiB provisioned; after: persistent volumes "
                       f"{vol_gib:,.0f} GiB (from the plans' volumes, sized from the data seen"
                       + (f"; {from_mounts} host(s) without a plan: their data mounts' use x 2" if from_mounts else "")
                       + f") + {costs.node_disk_gib} GiB boot disk per node; x {p.storage_gib_month:g} {cur} per GiB-month.",
                 source=p.storage_source),
        CostLine(item="Cluster management fee", before=0.0, after=round(costs.clusters * p.cluster_fee_hour * hpm, 2),
                 basis=f"{costs.clusters} cluster(s) x {p.cluster_fee_hour:g} {cur}/h x {hpm:g} h.",
                 source=p.cluster_fee_source),
        CostLine(item="OS licences", before=round(sum(costs.licences_per_vm_year[h.os_id] for h in licensed) / 12, 2),
                 after=0.0,
                 basis=f"{len(licensed)} of {len(hosts)} VMs run a subscribed OS ("
                       + ", ".join(f"{k} {v:g}/year" for k, v in costs.licences_per_vm_year.items())
                       + "); none after.",
                 source=costs.licences_source),
        CostLine(item="Operations", before=round(len(hosts) * ops.vm_hours_per_month * ops.hourly_rate, 2),
                 after=ops_after, after_range=ops_range,
                 basis=f"before: {len(hosts)} VMs x {ops.vm_hours_per_month:g} h; after: {nodes} node(s) x "
                       f"{ops.node_hours_per_month:g} h + {costs.clusters} cluster(s) x {ops.platform_hours_per_month:g} h; "
                       f"x {ops.hourly_rate:g} {cur}/h.",
                 source=ops.source),
    ]
    before = round(sum(x.before for x in lines), 2)
    after = round(sum(x.after for x in lines), 2)
    after_range = None
    if span is not None:
        after_range = Range(low=round(sum((x.after_range.low if x.after_range else x.after) for x in lines), 2),
                            high=round(sum((x.after_range.high if x.after_range else x.after) for x in lines), 2))
    months = 12 * costs.years
    migration = round(migration_days * ops.day_rate, 2)
    tco = [TcoLine(item=x.item, vms=round(x.before * months, 2), platform=round(x.after * months, 2),
                   basis=f"{months} months x the monthly figure") for x in lines]
    tco.append(TcoLine(item="Migration effort", vms=0.0, platform=migration,
                       basis=f"{migration_days:g} person-days (the apps' effort, see the waves) x {ops.day_rate:g} {cur}"))
    tco_vms = round(sum(t.vms for t in tco), 2)
    tco_platform = round(sum(t.platform for t in tco), 2)
    saved = round(before - after, 2)
    return Costs(
        prices=p,
        lines=lines,
        monthly_before=before,
        monthly_after=after,
        monthly_after_range=after_range,
        monthly_saved=saved,
        monthly_saved_range=(Range(low=round(before - after_range.high, 2), high=round(before - after_range.low, 2))
                             if after_range else None),
        years=costs.years,
        migration_days=round(migration_days, 2),
        migration_cost=migration,
        tco=tco,
        tco_vms=tco_vms,
        tco_platform=tco_platform,
        tco_platform_range=(Range(low=round(after_range.low * months + migration, 2),
                                  high=round(after_range.high * months + migration, 2)) if after_range else None),
        tco_saved=round(tco_vms - tco_platform, 2),
        break_even_months=round(migration / saved, 1) if saved > 0 else None,
        low_confidence_hosts=low_hosts,
        notes=["Network egress is not priced: the same traffic leaves the VMs and the containers.",
               "Both sides are priced at the same cloud list prices (the VMs as the same family would rent them), "
               "so the figures compare capacity, not providers."],
    )
