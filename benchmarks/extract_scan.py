"""Benchmark: the build-context scan of `mta extract` over Debian's WordPress.

    python benchmarks/extract_scan.py [--rounds 3]

Unpacks Debian's ``wordpress`` package (downloaded once into the test cache,
``tests/support/debs.py``) as a VM would have it (/usr/share/wordpress,
/etc/wordpress with a site's settings), copies it as extract's staging
context would be, and runs the scan that decides, rewrites and withholds
(``mta.plan.security.configscan.scan_context``). Prints the tree's size, the
bytes actually read, the throughput (tree MB per second of scan), and the
number of code files whose bytes changed (goal: 0).

Then the worst cases for the scanner itself: a 10 MiB configuration file
with one 2 MiB line (parsed and rewritten), the same over the parse limit
(streamed), and a 10 MiB non-config file (streamed for keys): MB/s each.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mta.plan.security import configscan  # noqa: E402
from mta.plan.security.configfiles import CODE, classify  # noqa: E402
from tests.support.debs import unpack  # noqa: E402

SITE = ("<?php\ndefine('DB_NAME', 'wordpress');\ndefine('DB_USER', 'wp');\ndefine('DB_PASSWORD', 'bench-pw-1');\n"
        "define('AUTH_KEY', 'bench-key-2');\n$table_prefix = 'wp_';\n")


def _files(root: Path):
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = Path(dirpath) / n
            if p.is_file() and not p.is_symlink():
                yield p


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def wordpress(work: Path, rounds: int) -> None:
    vm = work / "vm"
    unpack(["wordpress"], vm)
    (vm / "etc/wordpress/config-blog.example.com.php").write_text(SITE)
    before = {str(p.relative_to(vm)): _sha(p) for p in _files(vm)}
    best = None
    for _ in range(rounds):
        ctx = work / "ctx"
        shutil.rmtree(ctx, ignore_errors=True)
        shutil.copytree(vm, ctx, symlinks=True)
        t0 = time.perf_counter()
        scan = configscan.scan_context(ctx)
        took = time.perf_counter() - t0
        if best is None or took < best[0]:
            best = (took, scan)
    took, scan = best
    changed = [rel for rel, sha in before.items()
               if classify(rel).kind == CODE and (not (ctx / rel).is_file() or _sha(ctx / rel) != sha)]
    mb = scan.bytes_total / 1e6
    print(f"wordpress tree: {len(before)} files, {mb:.1f} MB; code {scan.code_files}, config {scan.config_files}, "
          f"other {scan.other_files}")
    print(f"  scan: {took:.3f} s (best of {rounds}) -> {mb / took:.0f} MB/s of tree; "
          f"{scan.bytes_read / 1e6:.2f} MB read")
    print(f"  config rewritten: {scan.files}; withheld: {[w.path for w in scan.withheld]}")
    print(f"  code files changed: {len(changed)} (goal 0)")


def worst_cases(work: Path) -> None:
    line = "a" * (2 << 20)
    # 10 MiB in all: the 2 MiB line, then 8 MiB of ~100-byte settings lines
    body = "".join(f"item_{i}: {'v' * 88}\n" for i in range(80_000))
    cases = {
        "etc/app/long-line.yaml (parsed)": f"blob: {line}\n{body}db:\n  password: worst-1\n",
        "etc/app/long-line.ini (parsed)": f"blob = {line}\n{body.replace(': ', ' = ')}password = worst-2\n",
        "srv/app/data.bin (other, streamed)": line * 5,
    }
    for label, text in cases.items():
        rel = label.split(" ", 1)[0]
        for limit in ((None, 1 << 20) if "parsed" in label else (None,)):
            root = work / "worst"
            shutil.rmtree(root, ignore_errors=True)
            (root / rel).parent.mkdir(parents=True)
            (root / rel).write_text(text)
            old = configscan.MAX_PARSE
            if limit:
                configscan.MAX_PARSE = limit
            t0 = time.perf_counter()
            scan = configscan.scan_context(root)
            took = time.perf_counter() - t0
            configscan.MAX_PARSE = old
            how = "streamed (over the parse limit)" if limit else label.split("(")[1].rstrip(")")
            outcome = "withheld" if scan.withheld else ("rewritten" if scan.files else "left as is")
            print(f"{rel}: {len(text) / 1e6:.1f} MB {how}: {took:.2f} s -> {len(text) / 1e6 / took:.1f} MB/s, "
                  f"{outcome}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mta-bench-scan-"))
    try:
        wordpress(work, args.rounds)
        worst_cases(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
