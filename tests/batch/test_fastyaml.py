"""discovery.yaml written by batch loads back to the same facts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mta.batch.fastyaml import dump_model_fast
from mta.io import dump_model
from mta.model import HostFacts
from mta.pipeline import load_discovery

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*/discovery.yaml"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.parent.name)
def test_round_trip_matches_mta_io(path):
    facts = load_discovery(path)
    text = dump_model_fast(facts)
    assert HostFacts.model_validate(yaml.safe_load(text)) == facts
    assert yaml.safe_load(text) == yaml.safe_load(dump_model(facts))


def test_hostile_strings_stay_data():
    facts = HostFacts(host="h", not_visible=["a: b", "- x", "$(rm -rf /)", "'\"", "{{ x }}", "line1\nline2 ", "\t"])
    assert HostFacts.model_validate(yaml.safe_load(dump_model_fast(facts))) == facts
