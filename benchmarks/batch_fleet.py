"""Benchmark: `mta batch` over a loopback fleet served by real sshd.

    sudo python benchmarks/batch_fleet.py [--hosts 50,200] [--parallel 32] [--extract]

Starts sshd instances on 127.0.0.2… (an sshd listens on at most 16 addresses,
so several), writes an inventory of N entries cycling over those addresses,
and runs the real `mta batch` as a child process, N = each of --hosts (with
its default --workers: one process per core from 48 hosts). Prints wall
time, hosts per second, peak RSS (largest mta process, and all of mta's
processes by progress quartile), CPU seconds of mta per host, and the
machine's total busy CPU (the probe runs on this
same machine for every "host", so it competes with mta for the cores; on a
real fleet that cost is spent on the VMs).

The fleet logs in as a temporary uid-0 account, ``mta-bench``, whose shell is
/bin/sh and whose home is the scratch directory: sshd runs every command
through the login shell, and root's ~/.bashrc on a developer machine (pyenv
init: about 100 processes) would otherwise be billed to every "host" twice.
The account is removed when the benchmark ends.

Goal (issue #6): 200 hosts discovered and generated in < 30 s on 2 cores.
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

from tests.support.sshd import start_sshd, stop_sshd  # noqa: E402

ADDRESSES = [f"127.0.0.{i}" for i in range(2, 62)]  # 60 loopback "hosts"
PER_SERVER = 15
BENCH_USER = "mta-bench"


def add_bench_user(home: Path) -> None:
    """A uid-0 alias with a plain shell; see the module docstring. Its password
    is "*" (no password login; "!" would lock it for sshd)."""
    remove_bench_user()
    subprocess.run(["useradd", "--non-unique", "--uid", "0", "--gid", "0", "--no-create-home",
                    "--home-dir", str(home), "--shell", "/bin/sh", "--password", "*", BENCH_USER],
                   check=True)


def remove_bench_user() -> None:
    """userdel refuses a uid-0 account (uid 0 always has processes), so drop
    its lines from the account files, the way vipw would."""
    for name in ("/etc/passwd", "/etc/shadow"):
        path = Path(name)
        lines = path.read_text().splitlines(keepends=True)
        kept = [ln for ln in lines if not ln.startswith(BENCH_USER + ":")]
        if kept != lines:
            tmp = path.with_name(path.name + ".mta-bench")
            tmp.write_text("".join(kept))
            shutil.copymode(path, tmp)
            os.chown(tmp, path.stat().st_uid, path.stat().st_gid)
            os.replace(tmp, path)


def start_fleet(work: Path):
    servers, procs = [], []
    for i in range(0, len(ADDRESSES), PER_SERVER):
        srv, proc = start_sshd(work / f"sshd{i // PER_SERVER}", hosts=ADDRESSES[i : i + PER_SERVER],
                               user_key=servers[0].key_path if servers else None,
                               extra_config="MaxStartups 200:30:400\nMaxSessions 100\n")
        servers.append(srv)
        procs.append(proc)
    known = work / "known_hosts"
    known.write_text("".join(s.known_hosts.read_text() for s in servers))
    return servers, procs, known


def write_inventory(path: Path, n: int, servers, known: Path, args) -> None:
    port_of = {a: s.port for s in servers for a in s.hosts}
    lines = [
        "schema_version: 1",
        "all:",
        f"  user: {BENCH_USER}",
        f"  key: {servers[0].key_path}",
        f"  known_hosts: {known}",
        f"  sample_seconds: {args.sample_seconds}",
        f"  http_checks: {str(args.http_checks).lower()}",
        f"  extract: {str(args.extract).lower()}",
        "hosts:",
    ]
    for i in range(n):
        addr = ADDRESSES[i % len(ADDRESSES)]
        lines.append(f"  - {{name: vm-{i:04d}, address: {addr}, port: {port_of[addr]}}}")
    path.write_text("\n".join(lines) + "\n")


def run(n: int, servers, known: Path, work: Path, args) -> dict:
    inv = work / f"inventory-{n}.yaml"
    out = work / f"out-{n}"
    write_inventory(inv, n, servers, known, args)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy0 = psutil.cpu_times()
    t0 = time.monotonic()
    logs = open(work / f"batch-{n}.log", "w+")
    child = subprocess.Popen(
        [sys.executable, "-m", "mta", "batch", str(inv), "-o", str(out), "--parallel", str(args.parallel),
         "--deadline", "300"],
        stdout=logs, stderr=subprocess.STDOUT, text=True,
    )
    # RSS of mta (the command and its worker processes) by progress
    # quartile: flat memory means the last quartile is no bigger than the first
    ps = psutil.Process(child.pid)
    quartiles = [0, 0, 0, 0]
    while child.poll() is None:
        try:
            rss = ps.memory_info().rss
        except psutil.Error:
            break
        for kid in ps.children(recursive=True):  # worker processes (--workers)
            try:
                rss += kid.memory_info().rss
            except psutil.Error:
                pass
        hosts_dir = out / "hosts"
        done = sum(1 for _ in hosts_dir.glob("*/.mta-complete")) if hosts_dir.exists() else 0
        q = min(3, done * 4 // n)
        quartiles[q] = max(quartiles[q], rss)
        time.sleep(0.25)
    child.wait()
    wall = time.monotonic() - t0
    logs.seek(0)
    proc = subprocess.CompletedProcess(child.args, child.returncode, logs.read(), "")
    logs.close()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy1 = psutil.cpu_times()
    busy = sum(getattr(busy1, f) - getattr(busy0, f) for f in ("user", "system", "nice", "irq", "softirq"))
    ok = sum(1 for p in (out / "hosts").iterdir() if (p / ".mta-complete").exists()) if (out / "hosts").exists() else 0
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        print(proc.stdout[-2000:], file=sys.stderr)
    return {
        "hosts": n, "ok": ok, "exit": proc.returncode, "wall_s": wall, "hosts_per_s": n / wall,
        # ru_maxrss of children is the largest single process that ended
        # (one worker); the quartiles below sum all of mta's processes
        "peak_rss_mib": after.ru_maxrss / 1024, "mta_cpu_s": cpu, "mta_cpu_per_host_ms": 1000 * cpu / n,
        "wall_per_host_ms": 1000 * wall / n, "machine_busy_cpu_s": busy,
        "rss_by_quartile_mib": [round(q / 2**20) for q in quartiles],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hosts", default="50,200", help="fleet sizes to run, comma separated")
    ap.add_argument("--parallel", type=int, default=32)
    ap.add_argument("--sample-seconds", type=float, default=0.0, help="utilization sampling per host")
    ap.add_argument("--http-checks", action="store_true", help="probe HTTP ports from each host")
    ap.add_argument("--extract", action="store_true", help="also pull application files")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("needs root (sshd must switch users)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="mta-bench-"))
    os.chmod(work, 0o755)
    add_bench_user(work)
    servers, procs, known = start_fleet(work)
    try:
        print(f"fleet: {len(ADDRESSES)} loopback addresses on {len(servers)} sshd; cores: {psutil.cpu_count()}; "
              f"parallel {args.parallel}; sample_seconds {args.sample_seconds}; http checks {args.http_checks}; "
              f"extract {args.extract}")
        rows = [run(int(n), servers, known, work, args) for n in args.hosts.split(",")]
        cols = ["hosts", "ok", "exit", "wall_s", "hosts_per_s", "peak_rss_mib", "mta_cpu_s",
                "mta_cpu_per_host_ms", "wall_per_host_ms", "machine_busy_cpu_s"]
        print(" ".join(f"{c:>20}" for c in cols))
        for r in rows:
            print(" ".join(f"{r[c]:>20.1f}" if isinstance(r[c], float) else f"{r[c]:>20}" for c in cols))
        if len(rows) >= 2:
            a, b = rows[0], rows[-1]
            print(f"cost per host: {a['wall_per_host_ms']:.0f} ms wall / {a['mta_cpu_per_host_ms']:.0f} ms mta CPU "
                  f"at {a['hosts']} hosts vs {b['wall_per_host_ms']:.0f} ms / {b['mta_cpu_per_host_ms']:.0f} ms "
                  f"at {b['hosts']}; peak RSS {a['peak_rss_mib']:.0f} -> {b['peak_rss_mib']:.0f} MiB")
        for r in rows:
            print(f"{r['hosts']} hosts: RSS by progress quartile (MiB): {r['rss_by_quartile_mib']}")
        goal = next((r for r in rows if r["hosts"] == 200), None)
        if goal:
            verdict = "met" if goal["wall_s"] < 30 and goal["ok"] == 200 else "NOT met"
            print(f"goal (200 hosts < 30 s): {verdict} ({goal['wall_s']:.1f} s, {goal['ok']} complete)")
    finally:
        for p in procs:
            stop_sshd(p)
        remove_bench_user()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
