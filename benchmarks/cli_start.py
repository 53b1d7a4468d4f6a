"""Benchmark: how fast the ``mta`` command line starts.

Prints, for ``import mta.cli`` (what every ``mta`` invocation pays) and for
``import mta.commands.discover`` (what ``mta discover`` pays on top), the
total import time and the 10 slowest imports by cumulative time as
``python -X importtime`` reports them (median run of ``--runs``); then the
wall time of ``mta --version`` and ``mta --help`` as whole processes
(median, best). Goal: ``import mta.cli`` <= 0.2 s. Prints the load average,
as the machine may be busy. Run: ``python benchmarks/cli_start.py``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# An installed mta has its bytecode compiled (pip does it): a child started with
# PYTHONDONTWRITEBYTECODE would compile every module on every run and measure that.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
GOALS = {"import_mta_cli_seconds": 0.2}


def import_times(module: str) -> tuple[float, list[tuple[float, str]]]:
    """(total seconds, [(cumulative seconds, module)] slowest first) of one cold import."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True).stderr
    rows = []
    for line in err.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        rows.append((int(parts[1]) / 1e6, parts[2].rstrip()))
    total = next((cum for cum, name in rows if name.strip() == module), 0.0)
    nested = sorted((r for r in rows if r[1].strip() != module), reverse=True)
    return total, nested[:10]


def wall(args: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mta", *args], env=env, cwd=ROOT, capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    opts = ap.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  (cores: {os.cpu_count()})")
    for module in ("mta.cli", "mta.commands.discover"):
        runs = sorted((import_times(module) for _ in range(opts.runs)), key=lambda r: r[0])
        total, top = runs[len(runs) // 2]
        goal = GOALS.get(f"import_{module.replace('.', '_')}_seconds")
        verdict = "" if goal is None else f"  goal <= {goal} s: {'ok' if total <= goal else 'MISSED'}"
        print(f"\nimport {module}: {total:.3f} s (median of {opts.runs}; best {runs[0][0]:.3f} s){verdict}")
        for cum, name in top:
            print(f"  {cum:7.3f} s  {name}")
    print()
    for args in (["--version"], ["--help"]):
        times = sorted(wall(args) for _ in range(opts.runs))
        print(f"mta {' '.join(args)}: {statistics.median(times):.3f} s wall (median of {opts.runs}; best {times[0]:.3f} s)")


if __name__ == "__main__":
    main()
