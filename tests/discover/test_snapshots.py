"""Every distro snapshot: captured probe blocks in, the facts we expect out."""

from __future__ import annotations

import pytest

from mta.io import dump_model
from mta.model import HostFacts

from .fixtures import DISTROS, actual, load, parse_snapshot

SNAPSHOTS = sorted(DISTROS.glob("*.yaml"))


def test_every_release_has_a_snapshot():
    names = {p.stem for p in SNAPSHOTS}
    assert {"centos6", "centos7", "rhel8", "ubuntu1404", "ubuntu1604", "ubuntu1804", "ubuntu2204",
            "debian10", "debian12", "sles12"} <= names


@pytest.mark.parametrize("path", SNAPSHOTS, ids=lambda p: p.stem)
def test_snapshot(path):
    snap = load(path)
    assert "# source:" in path.read_text(encoding="utf-8").split("\nsections:", 1)[0], \
        "each snapshot says where its outputs come from"
    facts = parse_snapshot(snap)
    got = actual(facts)
    for key in snap["expected"]:
        assert got[key] == snap["expected"][key], f"{path.stem}: {key} differs"
    # the facts survive a discovery.yaml round trip unchanged
    import yaml

    again = HostFacts.model_validate(yaml.safe_load(dump_model(facts)))
    assert again == facts
