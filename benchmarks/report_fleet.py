"""Time ``mta report`` over a synthetic fleet (default 1,000 hosts; goal < 10 s).

    python benchmarks/report_fleet.py [--hosts 1000] [--plans] [--keep DIR]

Writes the hosts (discovery.yaml with a week of 10-minute sysstat samples on
half of them, the usual agents, one to three apps), then runs ``mta report``
as a user would (a fresh process, all formats): cold (YAML parsed), warm
(parsed facts and assessments read back from the report's cache), and
seeded (the cache holding only the parsed facts, as ``mta batch``,
``mta discover`` and ``mta import`` leave it). Without ``--plans`` the
detectors run on every host, as after ``mta discover``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# An installed mta has its bytecode compiled (pip does it): a child started with
# PYTHONDONTWRITEBYTECODE would compile every module on every run and measure that.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

from mta.pipeline import load_discovery  # noqa: E402
from mta.report.collect import prime_cache  # noqa: E402
from mta.report.synthetic import write_fleet  # noqa: E402


def timed_report(out: Path, *extra: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the report and its workers).

    CPU time is printed too because a shared machine's wall time says more
    about the neighbours than about mta.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mta", "report", str(out), *extra], check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", type=int, default=1000)
    ap.add_argument("--failed", type=int, default=10, help="hosts with an error.yaml instead of facts")
    ap.add_argument("--plans", action="store_true", help="write plan.yaml too (skips the detectors)")
    ap.add_argument("--keep", type=Path, help="write the fleet here and keep it (reused when it exists)")
    args = ap.parse_args()

    tmp = None
    if args.keep:
        out = args.keep
    else:
        tmp = tempfile.TemporaryDirectory(prefix="mta-bench-")
        out = Path(tmp.name)
    try:
        t0 = time.perf_counter()
        if args.keep and (out / "hosts").is_dir():
            print(f"reusing the fleet in {out}")
        else:
            write_fleet(out, args.hosts, plans=args.plans, failed=args.failed)
        made = time.perf_counter() - t0
        sizes = [f.stat().st_size for f in (out / "hosts").glob("*/discovery.yaml")]
        shutil.rmtree(out / ".mta-cache", ignore_errors=True)
        cold = timed_report(out)
        warm = timed_report(out)
        warm_json = timed_report(out, "--format", "json")
        # as after `mta batch`/`mta discover`, which seed the parse cache as
        # they write each discovery.yaml (the seeding is their cost, not timed)
        shutil.rmtree(out / ".mta-cache", ignore_errors=True)
        for d in sorted((out / "hosts").glob("*/discovery.yaml")):
            prime_cache(d, load_discovery(d))
        seeded = timed_report(out)
        report = json.loads((out / "report.json").read_text())
        s, c = report["savings"], report["consolidation"]
        print(f"hosts written           {args.hosts} (+{args.failed} failed) in {made:.1f} s; "
              f"discovery.yaml {sum(sizes) / len(sizes) / 1024:.0f} KiB average, {sum(sizes) / 1024**2:.0f} MiB total")
        print(f"cpus                    {os.cpu_count()}; apps from {'plan.yaml' if args.plans else 'detectors'}")
        print(f"load average            {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"mta report (cold)       {cold[0]:6.2f} s wall, {cold[1]:6.2f} s CPU   all formats, YAML parsed")
        print(f"mta report (warm)       {warm[0]:6.2f} s wall, {warm[1]:6.2f} s CPU   all formats, parse cache")
        print(f"mta report json (warm)  {warm_json[0]:6.2f} s wall, {warm_json[1]:6.2f} s CPU")
        print(f"mta report (seeded)     {seeded[0]:6.2f} s wall, {seeded[1]:6.2f} s CPU   all formats, "
              "facts seeded by discover/batch, detectors and assessment run")
        print(f"goal < 10 s             {'met' if warm[0] < 10 else 'missed'} warm, "
              f"{'met' if seeded[0] < 10 else 'missed'} seeded, {'met' if cold[0] < 10 else 'missed'} cold")
        print(f"assessed {report['summary']['hosts_assessed']} hosts, {report['summary']['apps']} apps, "
              f"{report['summary']['hosts_failed']} failed")
        print(f"VMs -> nodes            {s['before']['machines']} -> {s['after']['machines']}: FFD {c['nodes']} nodes for "
              f"{c['items'] - len(c['unplaced'])} containers (lower bound {c['lower_bound']}) + "
              f"{s['after']['machines'] - c['nodes']} dedicated for {len(c['unplaced'])} larger than a node")
        print(f"monthly cost            {s['before']['monthly_cost']:,.0f} -> {s['after']['monthly_cost']:,.0f} "
              f"{s['currency']} ({s['cost_saved_percent']}% saved)")
        k = report.get("costs")
        if k:
            def span(v, r):
                return f"{v:,.0f}" if not r or round(r["low"]) == round(r["high"]) else f"{r['low']:,.0f}-{r['high']:,.0f}"
            cur = k["prices"]["currency"]
            print(f"all costs a month       {k['monthly_before']:,.0f} -> {span(k['monthly_after'], k['monthly_after_range'])} "
                  f"{cur}; saved {span(k['monthly_saved'], k['monthly_saved_range'])} "
                  f"({k['prices']['cloud']} {k['prices']['family']} {k['prices']['region']})")
            print(f"confidence (hosts)      {report['summary']['confidence']}; "
                  f"{len(k['low_confidence_hosts'])} counted hosts low")
            print(f"TCO {k['years']} years             VMs {k['tco_vms']:,.0f} vs platform "
                  f"{span(k['tco_platform'], k['tco_platform_range'])} {cur} incl. {k['migration_days']:,.1f} "
                  f"person-days of migration; break-even {k['break_even_months']} months")
        print(f"report.html             {(out / 'report.html').stat().st_size / 1024**2:.1f} MiB")
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
