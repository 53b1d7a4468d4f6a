"""Benchmark: `mta batch` (discover + extract + generate) over a fleet of e2e VMs.

    python benchmarks/batch_vms.py [--kinds flask,php,binary,tomcat] [--hosts 25,100] [--parallel 32]

Starts one container of each VM kind of tests/e2e/vms (images cached; sshd,
the app and its services as on a real host, each in its own PID namespace,
reached as root whose login shell is bash), then writes an inventory of N
entries spread over them (each VM under several names) and runs the real
`mta batch INVENTORY -o OUT --parallel P` with mta's defaults (the
utilization sampled over each probe's own run, HTTP checks, extract) as a child process, for each N of
--hosts. Prints wall, hosts/s, mta's CPU per host, mta's peak memory (all its
processes together), then `mta report OUT`'s wall, with the load average:
the VMs run on the same cores as mta.

Goals (issue #18): 100 entries <= 60 s on 2 cores, cost per host flat from 25
to 100, peak memory <= 300 MiB.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
# An installed mta has its bytecode compiled (pip does it): a child started with
# PYTHONDONTWRITEBYTECODE would compile every module on every run and measure that.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.path.insert(0, str(REPO))

from benchmarks.vms import keypair, start_vm  # noqa: E402

GOALS = {"wall_s_100": 60.0, "peak_mib": 300.0}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def write_inventory(path: Path, n: int, vms, key: Path, known: Path) -> None:
    lines = ["schema_version: 1", "all:", "  user: root", f"  identity: {key}", f"  known_hosts: {known}", "hosts:"]
    for i in range(n):
        vm = vms[i % len(vms)]
        lines.append(f"  - {{name: {vm.kind}-{i:04d}, address: 127.0.0.1, port: {vm.ssh_port}}}")
    path.write_text("\n".join(lines) + "\n")


def watch(argv: list[str], log: Path) -> tuple[int, float, float, int]:
    """(exit status, wall, CPU of mta and its children, peak RSS of all of mta's processes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with open(log, "w") as fh:
        child = subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONPATH=str(REPO)))
        ps = psutil.Process(child.pid)
        peak = 0
        while child.poll() is None:
            try:
                rss = ps.memory_info().rss + sum(k.memory_info().rss for k in ps.children(recursive=True))
                peak = max(peak, rss)
            except psutil.Error:
                pass
            time.sleep(0.2)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return child.returncode, wall, cpu, peak


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kinds", default="flask,php,binary,tomcat")
    ap.add_argument("--hosts", default="25,100")
    ap.add_argument("--parallel", type=int, default=32)
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, OUT)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mta-bench-vms-"))
    vms = []
    try:
        key, pub = keypair(work)
        for kind in args.kinds.split(","):
            vms.append(start_vm(kind, pub))
        known = work / "known_hosts"
        known.write_text("".join(
            subprocess.run(["ssh-keyscan", "-p", str(vm.ssh_port), "-t", "ed25519", "127.0.0.1"],
                           capture_output=True, text=True, check=True).stdout for vm in vms))
        print(f"VMs: {', '.join(f'{vm.kind} (:{vm.ssh_port})' for vm in vms)}; cores: {os.cpu_count()}; "
              f"parallel {args.parallel}; mta defaults (sample over the probe's run, HTTP checks, extract)")
        rows = []
        for n in (int(x) for x in args.hosts.split(",")):
            inv, out = work / f"inventory-{n}.yaml", work / f"out-{n}"
            write_inventory(inv, n, vms, key, known)
            load0 = load()
            status, wall, cpu, peak = watch([sys.executable, "-m", "mta", "batch", str(inv), "-o", str(out),
                                             "--parallel", str(args.parallel)], work / f"batch-{n}.log")
            done = sum(1 for p in (out / "hosts").iterdir() if (p / ".mta-complete").exists()) \
                if (out / "hosts").exists() else 0
            r_status, r_wall, r_cpu, r_peak = watch([sys.executable, "-m", "mta", "report", str(out)],
                                                    work / f"report-{n}.log")
            rows.append((n, done, status, wall, cpu, peak, r_wall, r_status))
            print(f"\n{n} entries: exit {status}, {done} complete; wall {wall:.1f} s ({n / wall:.2f} hosts/s); "
                  f"mta CPU {cpu:.1f} s = {1000 * cpu / n:.0f} ms per host; wall per host {1000 * wall / n:.0f} ms; "
                  f"peak memory {peak / 2**20:.0f} MiB (all mta processes); load average {load0} -> {load()}")
            print(f"  mta report over them: {r_wall:.1f} s wall, {r_cpu:.1f} s CPU, exit {r_status}")
            if status not in (0, 3):
                print((work / f"batch-{n}.log").read_text()[-1500:])
        last = rows[-1]
        if last[0] >= 100:
            ok = last[1] == last[0] and last[3] <= GOALS["wall_s_100"] and last[5] / 2**20 <= GOALS["peak_mib"]
            print(f"\ngoal ({last[0]} entries all complete, <= {GOALS['wall_s_100']:.0f} s, <= {GOALS['peak_mib']:.0f} MiB): "
                  f"{'met' if ok else 'NOT met'}")
        if len(rows) >= 2:
            a, b = rows[0], rows[-1]
            print(f"cost per host: {1000 * a[4] / a[0]:.0f} ms CPU at {a[0]} vs {1000 * b[4] / b[0]:.0f} ms at {b[0]}")
    finally:
        for vm in vms:
            vm.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
