"""Benchmark: ``mta extract`` of a WordPress tree over loopback SSH, end to end.

    python benchmarks/extract_ssh.py [--runs 3]

Unpacks Debian's ``wordpress`` package (cached by tests/support/debs.py) as
a VM has it (/usr/share/wordpress, /etc/wordpress with a site's settings)
under a temporary root, starts a throw-away loopback sshd
(tests/support/sshd.py, needs root) and runs ``mta.extract.extract_app``
through ``SSHTransport``: the tar stream, the unpacking and the secret scan
of the configuration files. Prints the tree's size, each run's wall time and
MB/s (goal >= 50 MB/s end to end), the wire bytes and the time of each
phase, then the stream alone (read from the channel, not unpacked), with
the load average, as the machine may be busy.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import mta.extract  # noqa: E402
from mta.extract import extract_app  # noqa: E402
from mta.model import AppPlan, Extract  # noqa: E402
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
    opts = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mta-bench-extract-"))
    proc = None
    try:
        vm = work / "vm"
        unpack(["wordpress"], vm)
        (vm / "etc/wordpress").mkdir(parents=True, exist_ok=True)
        (vm / "etc/wordpress/config-blog.example.com.php").write_text(SITE)
        paths = [str(vm / "usr/share/wordpress"), str(vm / "etc/wordpress")]
        files, size = map(sum, zip(*(tree_size(Path(p)) for p in paths)))
        print(f"tree: {files} files, {size / 1e6:.1f} MB under {', '.join(p[len(str(vm)):] for p in paths)}")
        server, proc = start_sshd(work / "sshd")
        app = AppPlan(name="wordpress", stack="php", extract=Extract(include=paths))
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  (cores: {os.cpu_count()})")
        walls = []
        scan_time = [0.0]
        sanitize = mta.extract.sanitize_context

        def timed_sanitize(*a, **kw):
            t0 = time.perf_counter()
            try:
                return sanitize(*a, **kw)
            finally:
                scan_time[0] = time.perf_counter() - t0

        mta.extract.sanitize_context = timed_sanitize
        for i in range(opts.runs):
            with server.transport() as transport:
                transport.connect()
                cpu0 = resource.getrusage(resource.RUSAGE_SELF)
                start = time.perf_counter()
                res = extract_app(transport, app, work / "out" / "apps" / "wordpress")
                wall = time.perf_counter() - start
                cpu1 = resource.getrusage(resource.RUSAGE_SELF)
                cpu = cpu1.ru_utime - cpu0.ru_utime + cpu1.ru_stime - cpu0.ru_stime
                wire = transport.bytes_received
            walls.append(wall)
            assert not res.error, res.error
            print(f"run {i + 1}: {wall:.2f} s, {size / 1e6 / wall:.1f} MB/s end to end; tar stream {res.bytes / 1e6:.1f} MB, "
                  f"{wire / 1e6:.1f} MB on the wire, {len(res.secret_files)} config files rewritten; "
                  f"mta CPU {cpu:.2f} s ({size / 1e6 / cpu:.0f} MB per CPU second); "
                  f"stream + unpack {wall - scan_time[0]:.2f} s, secret scan {scan_time[0]:.2f} s")
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
        print(f"median {med:.2f} s = {size / 1e6 / med:.1f} MB/s (best {size / 1e6 / best:.1f} MB/s); "
              f"goal >= {GOALS['mb_per_s']:.0f} MB/s: {verdict}")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if proc is not None:
            stop_sshd(proc)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
