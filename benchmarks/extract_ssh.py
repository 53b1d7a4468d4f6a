"""Benchmark: ``mta extract`` of a WordPress tree over loopback SSH, end to end.

    python benchmarks/extract_ssh.py [--runs 3] [--out DIR]   (DIR=/dev/shm: without the disk)

Unpacks Debian's ``wordpress`` package (cached by tests/support/debs.py) as
a VM has it (/usr/share/wordpress, /etc/wordpress with a site's settings)
under a temporary root, starts a throw-away loopback sshd
(tests/support/sshd.py, needs root) and runs ``mta.extract.extract_app``
through ``SSHTransport``: the tar stream, the unpacking and the secret scan
of the configuration files. Prints the tree's size, each run's wall time and
MB/s (goal >= 50 MB/s end to end), the wire bytes and the time of each
phase, for a fresh extract (no context yet; before each, GNU tar unpacks
the same tree from memory into the same file system: that file system's
own cost at the moment), a rerun with nothing changed
(only the listing and the rewritten configuration come again) and a run
resumed after the stream was cut half way; then the stream alone (read
from the channel, not unpacked), and what creating one file costs on the
output's file system, with the load average, as the machine may be busy.
MB/s is always the tree's size over the wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import mta.extract  # noqa: E402
from mta.extract import extract_app  # noqa: E402
from mta.model import AppPlan, Extract  # noqa: E402
from mta.transport import ConnectionLost  # noqa: E402
from tests.support.debs import unpack  # noqa: E402
from tests.support.sshd import start_sshd, stop_sshd  # noqa: E402

GOALS = {"mb_per_s": 50.0}
SITE = ("<?php\ndefine('DB_NAME', 'wordpress');\ndefine('DB_USER', 'wp');\ndefine('DB_PASSWORD', 'bench-pw-1');\n"
        "define('AUTH_KEY', 'bench-key-2');\n$table_prefix = 'wp_';\n")


class _Sink:
    bytes = 0

    def write(self, data: bytes) -> int:
        self.bytes += len(data)
        return len(data)


class _Cut:
    """The transport, with its tar stream cut after ``limit`` bytes (an interrupted extract)."""

    def __init__(self, inner, limit: int) -> None:
        self.inner, self.limit = inner, limit
        self.endpoint, self.command_timeout = inner.endpoint, inner.command_timeout

    def run(self, *a, **kw):
        return self.inner.run(*a, **kw)

    def tar_paths(self, paths, dest, **kw):
        got = [0]
        limit = self.limit

        class Sink:
            def write(self, data: bytes) -> int:
                if got[0] + len(data) > limit:
                    dest.write(data[:limit - got[0]])  # what arrived before the cut
                    raise ConnectionLost("benchmark: stream cut")
                got[0] += len(data)
                return dest.write(data)

        return self.inner.tar_paths(paths, Sink(), **kw)


def create_cost(where: Path, n: int = 400) -> float:
    """Seconds one new small file costs on ``where``'s file system (the floor of a fresh extract)."""
    d = Path(tempfile.mkdtemp(prefix="mta-bench-create-", dir=where))
    try:
        start = time.perf_counter()
        for i in range(n):
            fd = os.open(d / f"f{i}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            os.write(fd, b"x" * 4096)
            os.close(fd)
        return (time.perf_counter() - start) / n
    finally:
        shutil.rmtree(d, ignore_errors=True)


def tar_floor(vm: Path, dest: Path) -> float:
    """Seconds GNU tar takes to unpack the benchmark's tree, read from memory,
    into ``dest`` (on the output's file system): what creating these files
    costs there now, whoever writes them."""
    data = subprocess.run(["tar", "-C", str(vm), "-c", "usr/share/wordpress", "etc/wordpress"],
                          capture_output=True, check=True).stdout
    dest.mkdir(parents=True)
    os.sync()
    start = time.perf_counter()
    subprocess.run(["tar", "-C", str(dest), "-x"], input=data, check=True)
    return time.perf_counter() - start


def tree_size(root: Path) -> tuple[int, int]:
    files = size = 0
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            if os.path.isfile(p) and not os.path.islink(p):
                files += 1
                size += os.path.getsize(p)
    return files, size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default="", help="where the contexts are written (default: a temporary directory)")
    opts = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mta-bench-extract-"))
    out = Path(tempfile.mkdtemp(prefix="mta-bench-extract-out-", dir=opts.out or None))
    proc = None
    try:
        vm = work / "vm"
        unpack(["wordpress"], vm)
        (vm / "etc/wordpress").mkdir(parents=True, exist_ok=True)
        (vm / "etc/wordpress/config-blog.example.com.php").write_text(SITE)
        paths = [str(vm / "usr/share/wordpress"), str(vm / "etc/wordpress")]
        files, size = map(sum, zip(*(tree_size(Path(p)) for p in paths)))
        print(f"tree: {files} files, {size / 1e6:.1f} MB under {', '.join(p[len(str(vm)):] for p in paths)}")
        per_file = create_cost(out)
        print(f"output under {out.parent}: creating one file costs {per_file * 1e3:.2f} ms there "
              f"({files * per_file:.2f} s for the tree's files alone)")
        server, proc = start_sshd(work / "sshd")
        app = AppPlan(name="wordpress", stack="php", extract=Extract(include=paths))
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  (cores: {os.cpu_count()})")
        scan_time = [0.0]
        sanitize = mta.extract.sanitize_context

        def timed_sanitize(*a, **kw):
            t0 = time.perf_counter()
            try:
                return sanitize(*a, **kw)
            finally:
                scan_time[0] = time.perf_counter() - t0

        mta.extract.sanitize_context = timed_sanitize

        def one(label: str, app_dir: Path, transport_of=lambda t: t) -> float:
            os.sync()  # the last run's writeback is not charged to this one
            with server.transport() as transport:
                transport.connect()
                cpu0 = resource.getrusage(resource.RUSAGE_SELF)
                start = time.perf_counter()
                res = extract_app(transport_of(transport), app, app_dir)
                wall = time.perf_counter() - start
                cpu1 = resource.getrusage(resource.RUSAGE_SELF)
                user, system = cpu1.ru_utime - cpu0.ru_utime, cpu1.ru_stime - cpu0.ru_stime
                cpu = user + system
                wire = transport.bytes_received
            assert not res.error, res.error
            print(f"{label}: {wall:.2f} s, {size / 1e6 / wall:.1f} MB/s end to end; tar stream {res.bytes / 1e6:.1f} MB, "
                  f"{wire / 1e6:.1f} MB on the wire, {res.files} files ({res.reused} kept, {res.resumed} resumed), "
                  f"{len(res.secret_files)} config files rewritten; mta CPU {cpu:.2f} s ({system:.2f} s in the kernel); "
                  f"stream + unpack {wall - scan_time[0]:.2f} s, secret scan {scan_time[0]:.2f} s")
            return wall

        fresh, again, resumed, floors = [], [], [], []
        for i in range(opts.runs):
            app_dir = out / f"run{i}" / "apps" / "wordpress"
            floors.append(tar_floor(vm, out / f"floor{i}"))
            print(f"run {i + 1} the file system's own cost: GNU tar -x of the same tree from memory: {floors[-1]:.2f} s")
            fresh.append(one(f"run {i + 1} fresh", app_dir))
            again.append(one(f"run {i + 1} rerun, nothing changed", app_dir))
            cut_dir = out / f"cut{i}" / "apps" / "wordpress"
            try:
                one(f"run {i + 1} cut half way", cut_dir, lambda t: _Cut(t, int(size / 2)))
            except ConnectionLost:
                pass
            resumed.append(one(f"run {i + 1} resumed after the cut", cut_dir))
            # the runs' outputs stay until the end: on an ext4 without a journal (this
            # machine's disk) a new file costs up to 1 ms of kernel time while inodes
            # deleted in the last minutes are skipped one by one (recently_deleted)
        walls = fresh
        # the channel alone (the stream to nowhere): what paramiko and sshd manage
        # without the unpacking, to tell the two apart
        with server.transport() as transport:
            transport.connect()
            sink = _Sink()
            cpu0 = resource.getrusage(resource.RUSAGE_SELF)
            start = time.perf_counter()
            transport.tar_paths(paths, sink)
            wall = time.perf_counter() - start
            cpu1 = resource.getrusage(resource.RUSAGE_SELF)
            cpu = cpu1.ru_utime - cpu0.ru_utime + cpu1.ru_stime - cpu0.ru_stime
        print(f"stream only (no unpacking): {sink.bytes / 1e6:.1f} MB in {wall:.2f} s = {sink.bytes / 1e6 / wall:.1f} MB/s, "
              f"mta CPU {cpu:.2f} s")
        best, med = min(walls), statistics.median(walls)
        verdict = "ok" if size / 1e6 / med >= GOALS["mb_per_s"] else "MISSED"
        print(f"fresh: median {med:.2f} s = {size / 1e6 / med:.1f} MB/s (best {size / 1e6 / best:.1f} MB/s); "
              f"goal >= {GOALS['mb_per_s']:.0f} MB/s: {verdict}")
        floor = statistics.median(floors)
        print(f"  the file system alone (tar -x of the tree from memory into {out.parent}): median {floor:.2f} s; "
              f"mta's own part of a fresh extract: {med - floor:.2f} s")
        for label, runs in (("rerun, nothing changed", again), ("resumed after a cut half way", resumed)):
            m = statistics.median(runs)
            print(f"{label}: median {m:.2f} s = {size / 1e6 / m:.1f} MB/s (the tree's size over the wall time)")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if proc is not None:
            stop_sshd(proc)
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
