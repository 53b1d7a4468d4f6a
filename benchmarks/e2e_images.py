"""Per legacy-VM stack: migrated image size vs naive, build time, start-to-ready.

    python benchmarks/e2e_images.py [tomcat flask php wordpress …] [--json FILE]

Per VM it first prints the chain's figures: discovered stacks (plan.yaml), the
time of each mta step, the size of the extracted code/config (apps/*/context)
and of the data dumps (``extract --data``, the VMs in README_FLOW), then per
service:

It starts the e2e "VM" (tests/e2e/vms/<kind>), runs the real chain (discover
over SSH, generate --base debian, extract, verify) and prints, per service
that verify built: image size, two naive references, build time and
start-to-ready time, and the smoke result. The naive references are

  - table: the documented "whole distro + full SDK" estimate (naive= of each mta/plan/recipes/ family)
  - vm:    the measured size of the VM image itself (distro + stack + JDK/SDK,
           i.e. lifting the whole box into one image)

Needs root and podman (scripts/podman-setup.sh). Images are cached by tag, so a
second run measures warm builds; `podman rmi` the mta/* images for cold ones.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.legacy import STACKS, migrate, remove_by_label, ssh_keypair, start_vm, vm_image  # noqa: E402
from tests.support.podman import podman_cmd, setup_podman  # noqa: E402


def _tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) if path.is_dir() else 0


def _mb(n) -> str:
    return f"{n / 1e6:7.0f} MB" if n else "      -   "


def bench(kind: str, work: Path) -> dict:
    key, pub = ssh_keypair(work) if not (work / "id_ed25519").exists() else (work / "id_ed25519", (work / "id_ed25519.pub").read_text())
    image = vm_image(kind)
    vm_bytes = int(podman_cmd("image", "inspect", "--format", "{{.Size}}", image).stdout.decode().strip())
    started = time.monotonic()
    vm = start_vm(kind, pub)
    vm_boot = time.monotonic() - started
    try:
        m = migrate(vm, key, work / kind / "out", keep=False)
    finally:
        vm.stop()
    row = {"kind": kind, "vm_image_bytes": vm_bytes, "vm_boot_seconds": round(vm_boot, 1), "steps": m.steps,
           "seconds": m.seconds, "services": [], "stacks": [], "extract_bytes": 0, "data_bytes": 0}
    if m.host_dir is not None and (m.host_dir / "plan.yaml").is_file():
        plan = yaml.safe_load((m.host_dir / "plan.yaml").read_text())
        row["stacks"] = [f"{a['name']}={a.get('stack', '')}" + (f"/{a['framework']}" if a.get("framework") else "")
                         for a in plan.get("apps", [])]
        row["extract_bytes"] = sum(_tree_bytes(c) for c in (m.host_dir / "apps").glob("*/context"))
        row["data_bytes"] = _tree_bytes(m.host_dir / "data")
    if m.report:
        for host in m.report["hosts"]:
            remove_by_label(f"io.mta.verify={host['run_id']}")
            row["services"] += host["services"]
    return row


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("kinds", nargs="*", default=list(STACKS))
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    setup_podman()
    rows = []
    with tempfile.TemporaryDirectory(prefix="mta-bench-") as tmp:
        for kind in args.kinds:
            rows.append(bench(kind, Path(tmp)))
    for r in rows:
        sec = r["seconds"]
        print(f"{r['kind']}: {' '.join(r['stacks'])}; discover {sec.get('discover', '-')}s, generate "
              f"{sec.get('generate', '-')}s, extract {sec.get('extract', '-')}s ({r['extract_bytes'] / 1e6:.1f} MB code+config,"
              f" {r['data_bytes'] / 1e6:.1f} MB data), verify {sec.get('verify', '-')}s; VM boot {r['vm_boot_seconds']}s;"
              f" exits {r['steps']}")
    print(f"{'stack':8} {'service':10} {'image':>10} {'naive(tbl)':>10} {'VM image':>10} {'build':>7} {'ready':>6}  smoke")
    for r in rows:
        if not r["services"]:
            print(f"{r['kind']:8} chain stopped: {r['steps']}")
        for s in r["services"]:
            if not s["built"]:
                continue
            build = f"{s['build_seconds']:.0f}s" if s["build_seconds"] is not None else "-"
            ready = f"{s['ready_seconds']:.1f}s" if s["ready_seconds"] is not None else "-"
            smoke = s["smoke"]["status"] if s["ready"] == "ok" else (s["error"] or s["ready"])[:60]
            print(f"{r['kind']:8} {s['name']:10} {_mb(s['image_bytes'])} {_mb(s['naive_bytes'])} "
                  f"{_mb(r['vm_image_bytes'])} {build:>7} {ready:>6}  {smoke}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
