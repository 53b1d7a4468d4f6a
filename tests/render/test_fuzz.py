"""Samples with hostile strings sprinkled in: artifacts stay well-formed.

Deterministic (fixed seeds). Every mutated discovery must either render
into parseable YAML and a Dockerfile made only of our instructions that
hadolint accepts, or fail with an MtaError (a clear message), never with
another exception.
"""

from __future__ import annotations

import copy
import json
import random

import pytest
import yaml

from mta.errors import MtaError
from mta.model import HostFacts, Plan
from mta.pipeline import plan_host
from mta.render import render_host

from .cases import ROOT, SAMPLES
from .test_generate_cli import INSTRUCTIONS, _logical_lines

EVIL = ['x"\nRUN evil', "$(id)", "${HOME}", "a'b", "{{ 7*7 }}", "</script><script>", "`id`", "\x00nul",
        "/../../etc/passwd", " ", "", "-", "é 中", "a\\", "\u2028x", "*?[", "#", "&& rm -rf /", "\\"]
#: process tree links stay intact: a cycle there is a detector matter
KEEP = {"pid", "ppid", "main_pid", "schema_version"}


def _mutate(obj, rnd: random.Random, p: float):
    if isinstance(obj, dict):
        return {k: v if k in KEEP else _mutate(v, rnd, p) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_mutate(v, rnd, p) for v in obj]
    if isinstance(obj, str) and rnd.random() < p:
        evil = rnd.choice(EVIL)
        return rnd.choice([evil, obj + evil, evil + obj])
    if isinstance(obj, int) and not isinstance(obj, bool) and rnd.random() < p / 3:
        return rnd.choice([0, -1, 70000, 80])
    return obj


def hostile_facts(name: str, seed: int) -> HostFacts:
    rnd = random.Random(f"{name}-{seed}")
    data = yaml.safe_load((ROOT / "samples" / name / "discovery.yaml").read_text())
    facts = HostFacts.model_validate(data)
    for _ in range(25):  # keep each mutation that still fits the schema
        cand = _mutate(copy.deepcopy(data), rnd, 0.03)
        try:
            facts = HostFacts.model_validate(cand)
        except ValueError:
            continue
        data = cand
    return facts


@pytest.mark.parametrize("name", SAMPLES)
@pytest.mark.parametrize("seed", [1, 2])
def test_mutated_samples_render_safely(name, seed, tmp_path, validators):
    facts = hostile_facts(name, seed)
    try:
        files = render_host(facts, plan_host(facts))
    except MtaError:
        return
    Plan.model_validate(yaml.safe_load(files["plan.yaml"]))
    for rel, text in files.items():
        if rel.endswith(".yaml") and not rel.startswith("security/"):
            yaml.safe_load(text)
        if rel.endswith("/Dockerfile"):
            lines = _logical_lines(text)
            assert all(line.split()[0] in INSTRUCTIONS for line in lines), rel
            for line in lines:
                if line.startswith(("CMD [", "ENTRYPOINT [")):
                    json.loads(line.split(" ", 1)[1])
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            assert validators.hadolint(path) == [], rel
