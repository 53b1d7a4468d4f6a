"""The report's YAML loader gives exactly what yaml.safe_load gives."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml

from mta.report import fastyaml
from mta.report.synthetic import write_fleet

ROOT = Path(__file__).resolve().parents[2]

TRICKY = """
plain: text
empty:
tilde: ~
nulls: [null, Null, NULL, '']
bools: [yes, No, on, OFF, true, False, 'yes', "no"]
ints: [0, -7, +3, 0o17, 017, 0x1F, 0b101, 1_000, "42", 1:30]
floats: [1.5, -0.25, 1.0e+9, 6.02e-23, .inf, -.Inf, 1e5, 1_0.5, 3.]
nan: .nan
stamp: 2026-11-20 12:00:00
date: 2026-11-20
quoted: '2026-11-20'
block: |
  line one
    indented
folded: >-
  a
  b
nested:
  - {a: 1, b: [x, y]}
  - - deep
    - 2
unicode: "caf\\u00e9 \\t tab"
key with spaces: "value: with colon"
"quoted key": 1
123: numeric key
true: bool key
"""

FALLBACKS = [
    "a: &x 1\nb: *x\n",  # anchors, aliases
    "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n",  # merge key
    "? explicit key\n: v\n",  # explicit key
    "list: !!seq [a]\nmap: !!map {a: 1}\n",  # explicit collection tags
    "tagged: !!str 123\nbin: !!binary aGVsbG8=\n",  # explicit tags
    "",  # empty stream
    "--- 1\n",  # scalar document
]


def same(text: str) -> None:
    expected = yaml.safe_load(text)
    got = fastyaml.load(text)
    assert got == expected or (got != got and expected != expected)
    assert type(got) is type(expected)


def test_tricky_scalars_resolve_like_pyyaml():
    data = fastyaml.load(TRICKY)
    expected = yaml.safe_load(TRICKY)
    nan = data.pop("nan")
    assert nan != nan and expected.pop("nan") != expected.get("nan")
    assert data == expected
    assert data["ints"][3:7] == ["0o17", 15, 31, 5] and data["ints"][-1] == 90  # YAML 1.1: 017 octal, base 60
    assert isinstance(data["stamp"], datetime.datetime) and data["quoted"] == "2026-11-20"
    assert data["floats"][6] == "1e5"  # YAML 1.1 needs a signed exponent


@pytest.mark.parametrize("text", FALLBACKS)
def test_unusual_constructs_fall_back_to_pyyaml(text):
    same(text)


def test_errors_are_pyyaml_errors():
    with pytest.raises(yaml.YAMLError):
        fastyaml.load("a: [1, 2\nb: 3\n")
    with pytest.raises(yaml.YAMLError):
        fastyaml.load("--- 1\n--- 2\n")
    with pytest.raises(yaml.YAMLError, match="unhashable key"):
        fastyaml.load("? [complex, key]\n: v\n")


def test_real_files_load_identically(tmp_path):
    write_fleet(tmp_path, 5, plans=True)
    files = sorted(tmp_path.glob("hosts/*/*.yaml"))
    files += sorted((ROOT / "samples").glob("*/discovery.yaml")) + sorted((ROOT / "tests").glob("**/*.yaml"))
    assert len(files) >= 10
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace")
        try:
            expected = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:
            continue
        assert fastyaml.load(text) == expected, f
