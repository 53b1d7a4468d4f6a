"""Probe output size and wall time on this machine, per shell and per section.

    python benchmarks/probe_size.py [--shell dash] [--sample-seconds 0] [--http] [--runs 3]

Sampling time is excluded by default (--sample-seconds 0) so the figure is the
cost of listing; HTTP checks are off unless --http (they GET every local port).
"""

from __future__ import annotations

import argparse
import statistics
import time

from mta.discover.parse import build_facts, split_output
from mta.discover.script import probe_script
from mta.transport.local import LocalTransport


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shell", default="dash", help="dash, sh, 'busybox sh', bash")
    ap.add_argument("--sample-seconds", type=float, default=0.0)
    ap.add_argument("--http", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    script = probe_script(sample_seconds=args.sample_seconds, http_checks=args.http).encode()
    t = LocalTransport()
    times, out = [], b""
    for _ in range(args.runs):
        start = time.perf_counter()
        res = t.run(args.shell.split() + ["-s"], stdin=script, timeout=600)
        times.append(time.perf_counter() - start)
        out = res.stdout
    start = time.perf_counter()
    facts = build_facts(out, host="bench")
    parse_s = time.perf_counter() - start
    print(f"shell: {args.shell}   script: {len(script)} bytes")
    print(f"probe output: {len(out)} bytes ({len(out) / 1024:.1f} KiB)")
    print(f"probe wall time: median {statistics.median(times):.2f}s over {args.runs} runs "
          f"(min {min(times):.2f}s, max {max(times):.2f}s)")
    print(f"parse time: {parse_s:.3f}s   processes: {len(facts.processes)}   packages: {len(facts.packages)}"
          f"   errors: {len(facts.errors)}")
    print("bytes per section:")
    for name, sec in split_output(out).sections.items():
        size = sum(len(v) for v in sec.blocks.values())
        print(f"  {name:12s} {size:9d}")


if __name__ == "__main__":
    main()
