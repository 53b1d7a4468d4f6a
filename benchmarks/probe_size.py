"""Probe output size and wall time on this machine, per shell and per section.

    python benchmarks/probe_size.py [--shell dash] [--sample-seconds 0] [--http] [--runs 3]
                                    [--batch 0|1] [--extra-processes N]

Sampling time is excluded by default (--sample-seconds 0) so the figure is the
cost of listing; HTTP checks are off unless --http (they GET every local port).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
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
    ap.add_argument("--batch", type=int, choices=(0, 1), default=1,
                    help="1: batched /proc reads (grep -z, find -printf); 0: the per-process fallback")
    ap.add_argument("--extra-processes", type=int, default=0, help="start N idle processes first (a busy host)")
    args = ap.parse_args()
    script = f"BATCH={args.batch}\n".encode() + probe_script(
        sample_seconds=args.sample_seconds, http_checks=args.http).encode()
    t = LocalTransport()
    times, out = [], b""
    idle = [subprocess.Popen(["sleep", "600"]) for _ in range(args.extra_processes)]
    try:
        for _ in range(args.runs):
            start = time.perf_counter()
            res = t.run(args.shell.split() + ["-s"], stdin=script, timeout=600)
            times.append(time.perf_counter() - start)
            out = res.stdout
    finally:
        for p in idle:
            p.kill()
        for p in idle:
            p.wait()
    start = time.perf_counter()
    facts = build_facts(out, host="bench")
    parse_s = time.perf_counter() - start
    print(f"shell: {args.shell}   batch: {args.batch}   extra processes: {args.extra_processes}"
          f"   script: {len(script)} bytes")
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
