"""mta.yamlemit: the fast writer of discovery.yaml loads back to equal data."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from mta import yamlemit
from mta.errors import InputError
from mta.io import dump_model
from mta.model import HostFacts
from mta.pipeline import load_discovery

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "samples").glob("*/discovery.yaml"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.parent.name)
def test_samples_round_trip(path):
    facts = load_discovery(path)
    data = facts.model_dump(mode="json")
    text = yamlemit.dump(data)
    assert yaml.safe_load(text) == data
    assert HostFacts.model_validate(yaml.safe_load(text)) == facts
    assert HostFacts.model_validate(yaml.safe_load(dump_model(facts, fast=True))) == facts


def test_reads_like_pyyaml_output():
    data = {"host": "web-1", "ports": [80, 443], "env": {"PATH": "/usr/bin:/bin", "EMPTY": ""},
            "script": "#!/bin/sh\necho hi\n", "nested": [{"a": 1, "b": [True, None]}, [1, 2]], "none": {}}
    assert yamlemit.dump(data) == (
        "host: web-1\nports:\n- 80\n- 443\nenv:\n  PATH: /usr/bin:/bin\n  EMPTY: ''\n"
        "script: |\n  #!/bin/sh\n  echo hi\nnested:\n- a: 1\n  b:\n  - true\n  - null\n- - 1\n  - 2\nnone: {}\n"
    )


@pytest.mark.parametrize("value", [
    "yes", "No", "null", "~", "1:20", "0x1F", "0o17", "1_000", "1e5", ".5", ".inf", "2001-12-14", "<<", "=",
    "- x", "a: b", "a #b", "a:", "...", "--- x", "'q'", '"q"', "trailing ", " leading", "\t", "$(rm -rf /)",
    "{{ x }}", "[a]", "a\nb", "a\nb\n", "a\n\n", "\n", " x\ny", "x\r\ny", "\x85", "\u2028", "\ufeff",
    "\x00\x1b\x7f", "\ud800", "é", "😀", "http://a:b@c/d", "line1\nline2 ",
])
def test_hostile_strings_stay_data(value):
    data = {"k": value, value: [value, {value: value}], "n": [1.5, 1e-5, 1e20, float("inf"), -float("inf"), 10**20]}
    assert yaml.safe_load(yamlemit.dump(data)) == data


def test_seeded_fuzz_round_trips():
    rnd = random.Random(20261127)
    atoms = list("abXY09 :#-?|>!&*%@`'\"\\\n\t\r{}[],.~=<+_/") + [
        "\x85", "\u2028", "\ufeff", "é", "😀", "\x00", "\x1b", "\x7f", "\ud800", "\uffff",
        "...", "---", "yes", "null", "~", "1:2", "0x1f", "1e5", ".5", "2001-01-01"]

    def text():
        return "".join(rnd.choice(atoms) for _ in range(rnd.randint(0, 8)))

    def value(depth=0):
        r = rnd.random()
        if depth < 3 and r < 0.2:
            return {text(): value(depth + 1) for _ in range(rnd.randint(0, 4))}
        if depth < 3 and r < 0.35:
            return [value(depth + 1) for _ in range(rnd.randint(0, 4))]
        if r < 0.8:
            return text()
        return rnd.choice([None, True, False, 0, -5, 10**20, 1.5, 1e-5, 1e20, float("inf"), 3.0])

    for _ in range(3000):
        data = {text(): value() for _ in range(rnd.randint(1, 4))}
        assert yaml.safe_load(yamlemit.dump(data)) == data, repr(data)


def test_what_it_cannot_write_goes_to_pyyaml():
    long_key = "k" * 2000
    assert yaml.safe_load(yamlemit.dump({long_key: 1})) == {long_key: 1}
    assert yamlemit.dump({}) == "{}\n"


def test_a_long_utilization_series_is_written_as_an_exact_table(tmp_path):
    from mta.io import load_model
    from mta.model import Utilization, UtilSample
    from mta.model.facts import SAMPLES_HEADER

    samples = [UtilSample(timestamp=1.7e9 + 600 * i, cpu_percent=100 / 3 * (i % 4), mem_used_bytes=2**33 + i)
               for i in range(1008)]
    facts = HostFacts(host="h", utilization=Utilization(source="sysstat", interval_seconds=600, samples=samples))
    text = dump_model(facts, fast=True)
    assert f"  samples: |\n    {SAMPLES_HEADER}\n    1700000000.0 0.0 8589934592\n" in text
    assert text.count("\n") < 1100  # one line a sample, not four
    path = tmp_path / "discovery.yaml"
    path.write_text(text)
    assert load_model(path, HostFacts) == facts
    short = HostFacts(host="h", utilization=Utilization(samples=samples[:3]))
    assert "timestamp: " in dump_model(short, fast=True)  # a few samples stay a list
    path.write_text(text.replace("1700000600.0 33.333333333333336", "1700000600.0 lots", 1))
    with pytest.raises(InputError, match=r"discovery.yaml: field 'utilization.samples'.*row 3: not numbers"):
        load_model(path, HostFacts)
