"""Node capacity: what a node of a given size leaves for pods.

allocatable = capacity - system reservation - eviction threshold (memory);
usable = allocatable x target utilisation (headroom for spikes and rollouts).

The ``gke`` reservation is the tiered formula GKE documents for Standard
node pools (https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes,
"Memory and CPU reservations"); AKS used the same memory tiers before
Kubernetes 1.29 (https://learn.microsoft.com/azure/aks/node-resource-reservations):

- memory: 255 MiB on machines under 1 GiB; else 25% of the first 4 GiB,
  20% of the next 4 GiB, 10% of the next 8 GiB, 6% of the next 112 GiB and
  2% of anything above 128 GiB; plus a 100 MiB hard-eviction threshold.
- CPU: 6% of the first core, 1% of the second, 0.5% of cores 3-4, 0.25% of
  every core above 4.
"""

from __future__ import annotations

import math

from ..model.estimate import NodeSettings, NodeSpec
from .units import GIB, MIB

#: (upper bound in GiB, fraction) of the tiers; the last one is open-ended.
GKE_MEMORY_TIERS = ((4, 0.25), (8, 0.20), (16, 0.10), (128, 0.06), (math.inf, 0.02))
#: (upper bound in cores, fraction).
GKE_CPU_TIERS = ((1, 0.06), (2, 0.01), (4, 0.005), (math.inf, 0.0025))


def _tiered(value: float, tiers: tuple[tuple[float, float], ...]) -> float:
    reserved, lower = 0.0, 0.0
    for upper, fraction in tiers:
        if value <= lower:
            break
        reserved += (min(value, upper) - lower) * fraction
        lower = upper
    return reserved


def gke_reserved_memory_bytes(memory_bytes: int) -> int:
    if memory_bytes < GIB:
        return 255 * MIB
    return int(_tiered(memory_bytes / GIB, GKE_MEMORY_TIERS) * GIB)


def gke_reserved_cpu_millicores(cpu: float) -> int:
    return int(math.ceil(_tiered(cpu, GKE_CPU_TIERS) * 1000))


def node_spec(settings: NodeSettings) -> NodeSpec:
    """Capacity, reservations and usable room of one node."""
    cpu_m = int(round(settings.cpu * 1000))
    mem = int(settings.memory_gib * GIB)
    eviction = settings.eviction_memory_mib * MIB
    if settings.reservation == "gke":
        res_cpu = gke_reserved_cpu_millicores(settings.cpu)
        res_mem = gke_reserved_memory_bytes(mem)
        formula = (
            "GKE tiers: memory 25% of first 4 GiB, 20% of next 4, 10% of next 8, 6% of next 112, "
            "2% above 128 GiB (255 MiB under 1 GiB); CPU 6% of first core, 1% of second, "
            "0.5% of cores 3-4, 0.25% above 4"
        )
    elif settings.reservation == "fixed":
        res_cpu = settings.reserved_cpu_millicores
        res_mem = settings.reserved_memory_mib * MIB
        formula = f"fixed: {res_cpu}m CPU and {settings.reserved_memory_mib} MiB memory per node"
    else:
        res_cpu, res_mem, formula = 0, 0, "no system reservation"
    alloc_cpu = max(0, cpu_m - res_cpu)
    alloc_mem = max(0, mem - res_mem - eviction)
    return NodeSpec(
        cpu_millicores=cpu_m,
        memory_bytes=mem,
        reserved_cpu_millicores=res_cpu,
        reserved_memory_bytes=res_mem,
        eviction_memory_bytes=eviction,
        allocatable_cpu_millicores=alloc_cpu,
        allocatable_memory_bytes=alloc_mem,
        usable_cpu_millicores=int(alloc_cpu * settings.target_utilization),
        usable_memory_bytes=int(alloc_mem * settings.target_utilization),
        formula=formula,
    )
