"""First-fit decreasing vs its lower bound on random fleets, with timings.

    python benchmarks/binpack.py [--apps 1000 10000] [--fleets 20]

Prints, per fleet size, the worst and mean ratio nodes / lower bound and the
time one packing takes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mta.estimate import Item, first_fit_decreasing, lower_bound, node_spec  # noqa: E402
from mta.model.estimate import NodeSettings  # noqa: E402

MIB = 1024**2


def fleet(rng: random.Random, n: int) -> list[Item]:
    items = []
    for k in range(n):
        kind = rng.random()
        if kind < 0.6:  # small web apps
            cpu, mem = rng.randint(10, 400), rng.randint(64, 700) * MIB
        elif kind < 0.9:  # JVMs, app servers
            cpu, mem = rng.randint(200, 1500), rng.randint(512, 4096) * MIB
        else:  # databases
            cpu, mem = rng.randint(100, 3000), rng.randint(1024, 10000) * MIB
        items.append(Item(f"app{k}", cpu, mem))
    return items


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--apps", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--fleets", type=int, default=20)
    ap.add_argument("--node-cpu", type=float, default=4)
    ap.add_argument("--node-memory-gib", type=float, default=16)
    args = ap.parse_args()
    spec = node_spec(NodeSettings(cpu=args.node_cpu, memory_gib=args.node_memory_gib))
    cap_cpu, cap_mem = spec.usable_cpu_millicores, spec.usable_memory_bytes
    print(f"node {args.node_cpu:g} vCPU / {args.node_memory_gib:g} GiB -> usable {cap_cpu}m / {cap_mem / 1024**3:.2f} GiB")
    for n in args.apps:
        ratios, times, nodes_seen = [], [], []
        for seed in range(args.fleets):
            items = fleet(random.Random(seed), n)
            t = time.perf_counter()
            nodes, unplaced = first_fit_decreasing(items, cap_cpu, cap_mem)
            times.append(time.perf_counter() - t)
            bound = lower_bound(items, cap_cpu, cap_mem)[0]
            assert not unplaced and len(nodes) >= bound
            ratios.append(len(nodes) / bound)
            nodes_seen.append((len(nodes), bound))
        print(f"{n:>6} apps x {args.fleets} fleets: nodes/lower bound mean {statistics.mean(ratios):.3f}, "
              f"worst {max(ratios):.3f} (e.g. {nodes_seen[0][0]} vs {nodes_seen[0][1]}); "
              f"FFD {statistics.mean(times) * 1000:.1f} ms mean, {max(times) * 1000:.1f} ms worst")
    return 0


if __name__ == "__main__":
    sys.exit(main())
