"""Fixtures for detector tests: the sample snapshots and a tiny HostFacts builder."""

from __future__ import annotations

from pathlib import Path

import pytest

from mta.io import load_model
from mta.model import HostFacts

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def load_sample(name: str) -> HostFacts:
    return load_model(SAMPLES / name / "discovery.yaml", HostFacts)


@pytest.fixture(scope="session")
def samples() -> dict[str, HostFacts]:
    return {p.parent.name: load_model(p, HostFacts) for p in sorted(SAMPLES.glob("*/discovery.yaml"))}
