"""Consolidation: first-fit decreasing over (CPU, memory) requests.

Items are sorted by their larger share of a node (the dominant resource), then
each goes to the first node with room in both dimensions. The result is
checked against the lower bound ceil(max(sum cpu / node cpu, sum mem / node mem)):
no packing can use fewer nodes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from ..model.estimate import Consolidation, NodeSpec, NodeUse
from .units import GIB


@dataclass(frozen=True)
class Item:
    name: str
    cpu_millicores: int
    memory_bytes: int


def lower_bound(items: Sequence[Item], cpu_cap: int, mem_cap: int) -> tuple[int, float, float]:
    """(nodes, cpu bound, memory bound): no packing fits in fewer nodes."""
    cpu_bound = sum(i.cpu_millicores for i in items) / cpu_cap if cpu_cap else 0.0
    mem_bound = sum(i.memory_bytes for i in items) / mem_cap if mem_cap else 0.0
    # A tiny epsilon keeps float noise (3.0000000001) from adding a node.
    return int(math.ceil(max(cpu_bound, mem_bound) - 1e-9)), cpu_bound, mem_bound


def first_fit_decreasing(items: Sequence[Item], cpu_cap: int, mem_cap: int) -> tuple[list[NodeUse], list[str]]:
    """Pack items into nodes of (cpu_cap, mem_cap); returns (nodes, names of items too big for any node)."""
    def size(i: Item) -> float:
        return max(i.cpu_millicores / cpu_cap if cpu_cap else math.inf, i.memory_bytes / mem_cap if mem_cap else math.inf)

    nodes: list[NodeUse] = []
    free_cpu: list[int] = []
    free_mem: list[int] = []
    unplaced: list[str] = []
    for item in sorted(items, key=lambda i: (-size(i), i.name)):
        if item.cpu_millicores > cpu_cap or item.memory_bytes > mem_cap:
            unplaced.append(item.name)
            continue
        for k in range(len(nodes)):
            if item.cpu_millicores <= free_cpu[k] and item.memory_bytes <= free_mem[k]:
                break
        else:
            k = len(nodes)
            nodes.append(NodeUse(index=k + 1))
            free_cpu.append(cpu_cap)
            free_mem.append(mem_cap)
        free_cpu[k] -= item.cpu_millicores
        free_mem[k] -= item.memory_bytes
        nodes[k].items.append(item.name)
    for k, node in enumerate(nodes):
        node.cpu_millicores = cpu_cap - free_cpu[k]
        node.memory_bytes = mem_cap - free_mem[k]
    return nodes, unplaced


def consolidate(items: Sequence[Item], spec: NodeSpec) -> Consolidation:
    """Pack onto nodes of ``spec``'s usable capacity and record the lower bound."""
    cap_cpu, cap_mem = spec.usable_cpu_millicores, spec.usable_memory_bytes
    placements, unplaced = first_fit_decreasing(items, cap_cpu, cap_mem)
    too_big = set(unplaced)
    placed = [i for i in items if i.name not in too_big]
    bound, cpu_bound, mem_bound = lower_bound(placed, cap_cpu, cap_mem)
    total_cpu = sum(i.cpu_millicores for i in items)
    total_mem = sum(i.memory_bytes for i in items)
    basis = (
        f"{len(items)} containers, {total_cpu / 1000:.2f} vCPU and {total_mem / GIB:.2f} GiB requested, "
        f"first-fit decreasing onto nodes with {cap_cpu}m CPU and {cap_mem / GIB:.2f} GiB usable: "
        f"{len(placements)} nodes; lower bound ceil(max({cpu_bound:.2f}, {mem_bound:.2f})) = {bound}"
    )
    if unplaced:
        basis += f"; {len(unplaced)} container(s) larger than one node are not placed"
    return Consolidation(
        node=spec,
        items=len(items),
        nodes=len(placements),
        lower_bound=bound,
        cpu_bound=round(cpu_bound, 4),
        memory_bound=round(mem_bound, 4),
        total_cpu_millicores=total_cpu,
        total_memory_bytes=total_mem,
        placements=placements,
        unplaced=unplaced,
        basis=basis,
    )


def item_name(host: str, app: str, replica: int) -> str:
    """How one container is named in placements: ``host/app#1``."""
    return f"{host}/{app}#{replica}"


def items_of(hosts) -> list[Item]:
    """One item per replica of every app estimate of ``hosts`` (HostEstimate list)."""
    return [
        Item(item_name(h.host, a.app, r + 1), a.cpu_millicores, a.memory_bytes)
        for h in hosts
        for a in h.apps
        for r in range(a.replicas)
    ]
