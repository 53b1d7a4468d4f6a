"""Every host the render tests run over: the samples (through the real
detectors) and the hand-built fixtures (no detectors involved)."""

from __future__ import annotations

from pathlib import Path

from mta.model import Plan
from mta.pipeline import load_discovery
from mta.plan import make_plan
from mta.render import render_host

from . import fixtures

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted(p.parent.name for p in (ROOT / "samples").glob("*/discovery.yaml"))
FIXTURES = {"fixture-shop": fixtures.shop_host, "fixture-hostile": fixtures.hostile_host,
            "fixture-empty": fixtures.empty_host}
CASES = SAMPLES + sorted(FIXTURES)


def plan_case(name: str, base: str = "official", answers: dict | None = None):
    """(facts, plan) for a sample or fixture name."""
    if name in FIXTURES:
        facts, apps = FIXTURES[name]()
        return facts, make_plan(facts, apps, base=base, answers=answers, discovery_path="discovery.yaml")
    from mta.pipeline import plan_host

    rel = f"samples/{name}/discovery.yaml"
    facts = load_discovery(ROOT / rel)
    return facts, plan_host(facts, answers, base, rel)


def render_case(name: str, base: str = "official", answers: dict | None = None) -> tuple[Plan, dict[str, str]]:
    facts, plan = plan_case(name, base, answers)
    return plan, render_host(facts, plan)


def write(files: dict[str, str], root: Path) -> Path:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root
