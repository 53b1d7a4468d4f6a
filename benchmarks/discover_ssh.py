"""Benchmark: full discovery of this host over loopback SSH.

Starts a throw-away real sshd (as the test suite does), runs
``mta.discover.collect.discover`` through ``SSHTransport`` and prints wall time
(goal < 1.5 s), exec round trips (goal <= 2) and probe output bytes
(goal < 1 MB). Needs root (sshd). Run: ``python benchmarks/discover_ssh.py``.

Options: ``--sample-seconds N`` (default 0, mta's default: the sample spans
the probe's own run; N adds a wait), ``--runs N`` (default 3; the best and the median are printed),
``--json`` for machine-readable output.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.sshd import start_sshd, stop_sshd  # noqa: E402

GOALS = {"wall_seconds": 1.5, "round_trips": 2, "probe_bytes": 1_000_000}


def run_once(server, sample_seconds: float) -> dict:
    from mta.discover.collect import discover
    from mta.io import dump_model

    t0 = time.perf_counter()
    transport = server.transport()
    phases = {"probe_seconds": 0.0, "files_seconds": 0.0}
    run, read_files = transport.run, transport.read_files

    def timed_run(*a, **kw):
        start = time.perf_counter()
        try:
            return run(*a, **kw)
        finally:
            phases["probe_seconds"] += time.perf_counter() - start

    def timed_read(*a, **kw):
        start = time.perf_counter()
        try:
            return read_files(*a, **kw)
        finally:
            # read_files goes through run(): keep the probe figure for the probe alone
            took = time.perf_counter() - start
            phases["files_seconds"] += took
            phases["probe_seconds"] -= took

    transport.run, transport.read_files = timed_run, timed_read
    try:
        connect_start = time.perf_counter()
        transport.connect()
        connected = time.perf_counter()
        facts = discover(transport, host="bench", sample_seconds=sample_seconds)
        done = time.perf_counter()
    finally:
        transport.close()
    return {
        **{k: round(v, 3) for k, v in phases.items()},
        "wall_seconds": round(done - t0, 3),
        "connect_seconds": round(connected - connect_start, 3),
        "discover_seconds": round(done - connected, 3),
        "round_trips": transport.round_trips,
        "probe_bytes": transport.bytes_received,
        "discovery_yaml_bytes": len(dump_model(facts).encode()),
        "processes": len(facts.processes),
        "sockets": len(facts.sockets),
        "packages": len(facts.packages),
        "errors": len(facts.errors),
    }


def local_baseline(sample_seconds: float) -> float:
    """The same discover() through LocalTransport: what the host itself costs."""
    from mta.discover.collect import discover
    from mta.transport.local import LocalTransport

    start = time.perf_counter()
    discover(LocalTransport("bench"), host="bench", sample_seconds=sample_seconds)
    return round(time.perf_counter() - start, 3)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample-seconds", type=float, default=0.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mta-bench-sshd-"))
    server, proc = start_sshd(work, hosts=["127.0.0.1"])
    try:
        runs = [run_once(server, args.sample_seconds) for _ in range(max(1, args.runs))]
    finally:
        stop_sshd(proc)
        shutil.rmtree(work, ignore_errors=True)
    best = min(runs, key=lambda r: r["wall_seconds"])
    baseline = local_baseline(args.sample_seconds)
    median = statistics.median(r["wall_seconds"] for r in runs)
    verdict = {k: best[k] <= v if k == "round_trips" else best[k] < v for k, v in GOALS.items()}
    if args.json:
        print(json.dumps({"runs": runs, "best": best, "median_wall_seconds": median, "goals_met": verdict,
                          "local_baseline_seconds": baseline, "load_average": os.getloadavg()[0]}, indent=2))
    else:
        print(f"discover over loopback SSH, {len(runs)} runs, sample_seconds={args.sample_seconds:g}")
        print(f"  wall time     best {best['wall_seconds']:.3f}s  median {median:.3f}s   "
              f"(connect {best['connect_seconds']:.3f}s)  goal < {GOALS['wall_seconds']}s  "
              f"{'OK' if verdict['wall_seconds'] else 'MISSED'}")
        print(f"  breakdown     probe round trip {best['probe_seconds']:.3f}s, files round trip "
              f"{best['files_seconds']:.3f}s; same discover() without SSH: {baseline:.3f}s "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus)")
        print(f"  round trips   {best['round_trips']}   goal <= {GOALS['round_trips']}  "
              f"{'OK' if verdict['round_trips'] else 'MISSED'}")
        print(f"  probe bytes   {best['probe_bytes']}   goal < {GOALS['probe_bytes']}  "
              f"{'OK' if verdict['probe_bytes'] else 'MISSED'}")
        print(f"  found         {best['processes']} processes, {best['sockets']} sockets, "
              f"{best['packages']} packages, {best['errors']} probe errors; "
              f"discovery.yaml {best['discovery_yaml_bytes']} bytes")
    return 0 if all(verdict.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
