"""The issue's per-VM figures table, from the e2e tests' JSON lines.

    MTA_E2E_FIGURES=/tmp/figures.jsonl python3 -m pytest tests/e2e/test_legacy_vms.py tests/e2e/test_verify_docker.py
    python3 benchmarks/e2e_figures.py /tmp/figures.jsonl

Each VM run of the e2e suite (``tests/e2e/legacy.Figures``) appends one line:
the discovered stacks (plan.yaml), the extract's size (apps/*/context/.mta-extract.json)
and the step's time (code and data together), the data dumps' size and time
(data/manifest.json), per image its size against the naive one-image-per-VM
estimate, build and start-to-ready seconds and the smoke result (verify.json), and
what the test checked beyond verify. Prints one markdown row per VM and engine (the
last run of each wins; ``--all`` keeps every run).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _mb(n) -> str:
    if not n:
        return "-"
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB"


def _s(x) -> str:
    if not isinstance(x, (int, float)):
        return "-"
    return f"{x:.0f} s" if x >= 10 else f"{x:.1f} s"


def _stacks(row: dict) -> str:
    return ", ".join(f"{a['name']}: {a['stack']}" + (f"/{a['framework']}" if a.get("framework") else "")
                     for a in row["stacks"]) or "-"


def _images(row: dict) -> str:
    parts = []
    for s in row["services"]:
        if not s.get("built"):
            continue
        naive = f" (naive {_mb(s['naive_bytes'])})" if s.get("naive_bytes") else ""
        parts.append(f"{s['name']} {_mb(s.get('image_bytes'))}{naive}")
    return "<br>".join(parts) or "-"


def _build(row: dict) -> str:
    secs = [s["build_seconds"] for s in row["services"] if s.get("built") and s.get("build_seconds") is not None]
    return _s(sum(secs)) if secs else "-"


def _ready(row: dict) -> str:
    # services start one after another in depends_on order: the topology is ready after their sum
    secs = [s["ready_seconds"] for s in row["services"] if s.get("ready_seconds") is not None]
    return f"{sum(secs):.1f} s" if secs else "-"


def _smoke(row: dict) -> str:
    web = [s for s in row["services"] if (s.get("smoke") or {}).get("status") not in (None, "skipped")]
    if not web:
        return "-"
    out = []
    for s in web:
        sm = s["smoke"]
        text = (f", text {sm['text_matched']}/{sm['text_expected']}" if sm.get("text_expected") else "")
        out.append(f"{s['name']} {sm['status']}: {sm.get('http_status')} \"{sm.get('title') or ''}\"{text}")
    checks = ", ".join(k for k, v in sorted(row.get("checks", {}).items()) if v)
    return "<br>".join(out) + (f"<br>test: {checks}" if checks else "")


def _result(row: dict) -> str:
    if row["passed"]:
        return "pass"
    return f"FAIL ({row['failed_step']})" if row.get("failed_step") else "FAIL"


def table(rows: list[dict]) -> str:
    head = ("| VM | engine | result | discovered stacks | extract: code+config, step time (data included) "
            "| data dump | images vs naive | build | ready | smoke (status/title/content) "
            "| steps: discover/generate/extract/verify | test |")
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in rows:
        st = r.get("step_seconds", {})
        steps = "/".join(_s(st.get(k)).removesuffix(" s") for k in ("discover", "generate", "extract", "verify")) + " s"
        data = (f"{_mb(r['data']['bytes'])} in {r['data']['seconds']:.1f} s ({', '.join(r['data']['stores'])})"
                if r["data"]["stores"] else "-")
        lines.append(" | ".join([
            f"| {r['vm']}", r["engine"], _result(r), _stacks(r),
            f"{_mb(r['extract']['bytes'])} ({r['extract']['files']} files) in {_s(st.get('extract'))}",
            data, _images(r), _build(r), _ready(r), _smoke(r), steps, f"{_s(r.get('test_seconds'))} |"]))
    return "\n".join(lines)


def load(path: Path, every: bool = False) -> list[dict]:
    rows: dict = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if line.strip():
            row = json.loads(line)
            rows[n if every else (row["vm"], row["engine"])] = row
    return sorted(rows.values(), key=lambda r: (r["vm"], r["engine"] != "podman", r["engine"]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", type=Path, help="the JSON lines $MTA_E2E_FIGURES named")
    ap.add_argument("--all", action="store_true", help="every run, not the last per VM and engine")
    args = ap.parse_args()
    rows = load(args.file, args.all)
    print(table(rows))
    runs = [r for r in rows if r.get("test_seconds")]
    for engine in sorted({r["engine"] for r in runs}):
        secs = [r["test_seconds"] for r in runs if r["engine"] == engine]
        print(f"\n{engine}: {len(secs)} VM run(s), {sum(secs):.0f} s in all, {sum(secs) / len(secs):.0f} s a VM")
    return 0


if __name__ == "__main__":
    sys.exit(main())
