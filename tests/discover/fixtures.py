"""Distro snapshots: captured probe blocks (input) and parsed facts (expected)."""

from __future__ import annotations

from pathlib import Path

import yaml

from mta.discover.parse import build_facts
from mta.model import HostFacts

DISTROS = Path(__file__).resolve().parent.parent / "fixtures" / "distros"
NONCE = "0123456789abcdef"
#: HostFacts fields compared against a snapshot's ``expected``.
COMPARED = (
    "os", "hardware", "mounts", "users", "processes", "sockets", "connections", "services",
    "packages", "cron", "utilization", "http", "privileged", "not_visible", "errors",
)


def render(sections: dict, stderr: dict | None = None) -> bytes:
    """Probe output as the probe prints it, from ``{section: {block key: text}}``
    and the sections' stderr ``{section: text}``."""
    out = [f"===MTA-PROBE v1 nonce={NONCE}\n"]
    mark = f"\n===MTA:{NONCE}:"
    for name, blocks in sections.items():
        out.append(f"{mark}S {name} 8388608\n")
        for key, text in (blocks or {}).items():
            out.append(f"{mark}B {key}\n{text}")
        if (stderr or {}).get(name):
            out.append(f"{mark}E {name}\n{stderr[name]}")
    out.append(f"{mark}END\n")
    return "".join(out).encode("utf-8", "surrogateescape")


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def parse_snapshot(snap: dict) -> HostFacts:
    return build_facts(render(snap["sections"], snap.get("stderr")), host=snap["host"], collector="import")


def actual(facts: HostFacts) -> dict:
    dumped = facts.model_dump(mode="json")
    return {k: dumped[k] for k in COMPARED}
