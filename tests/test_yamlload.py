"""mta.yamlload gives exactly what yaml.safe_load gives, and refuses what would not fit."""

from __future__ import annotations

import datetime
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml

from mta import yamlload
from mta.errors import InputError
from mta.report.synthetic import write_fleet

ROOT = Path(__file__).resolve().parents[1]

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
    got = yamlload.load(text)
    assert got == expected or (got != got and expected != expected)
    assert type(got) is type(expected)


def test_tricky_scalars_resolve_like_pyyaml():
    data = yamlload.load(TRICKY)
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
        yamlload.load("a: [1, 2\nb: 3\n")
    with pytest.raises(yaml.YAMLError):
        yamlload.load("--- 1\n--- 2\n")
    with pytest.raises(yaml.YAMLError, match="unhashable key"):
        yamlload.load("? [complex, key]\n: v\n")


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
        assert yamlload.load(text) == expected, f


# ---------------------------------------------------------------- limits


def alias_bomb(items: int = 100_000, refs: int = 300) -> str:
    """The shape found in review: a long anchored list and a few hundred
    references to it (760 KB; 30 million nodes once expanded)."""
    return (
        "schema_version: 1\n"
        "hostname: bomb\n"
        "big: &big\n" + "- x\n" * items + "refs:\n" + "- *big\n" * refs
    )


def laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_fast_with_little_memory(tmp_path):
    path = tmp_path / "discovery.yaml"
    path.write_text(alias_bomb())
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(InputError) as err:
            yamlload.load_file(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    msg = str(err.value)
    # names the file and the line of the reference that crossed the budget
    line = 3 + 100_000 + 2  # header, the list, "refs:", the first reference
    assert msg.startswith(f"{path}:{line}: YAML aliases expand to more than 100,000 extra nodes"), msg
    assert "*big" in msg and err.value.hint
    assert peak < 64 * 1024 * 1024, peak  # the expanded data would be gigabytes
    assert elapsed < 120, elapsed  # a hang guard, not a speed target (about a second; tracemalloc and a busy machine slow it)


def test_billion_laughs_is_refused():
    with pytest.raises(InputError, match=r"<string>:\d+: YAML aliases expand"):
        yamlload.load(laughs())


def test_a_recursive_alias_is_refused():
    with pytest.raises(InputError, match="recursive"):
        yamlload.load("a: &a\n  - 1\n  - *a\n")


def test_aliases_within_the_budget_still_load():
    text = "base: &b {x: 1, y: [1, 2, 3]}\none: *b\ntwo:\n  <<: *b\n  z: 2\n"
    assert yamlload.load(text) == yaml.safe_load(text)
    small = alias_bomb(items=1000, refs=50)  # 50,000 extra nodes
    assert len(yamlload.load(small)["refs"]) == 50
    with pytest.raises(InputError):
        yamlload.load(small, alias_budget=10_000)


def test_an_oversized_file_is_refused_unread(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("a: 1\n" * 1000)
    with pytest.raises(InputError, match=r"plan.yaml: 5,000 bytes is too large for a YAML file \(the limit is 4,096\)"):
        yamlload.load_file(path, max_bytes=4096)
    assert yamlload.load_file(path, max_bytes=5000) == {"a": 1}


def test_deep_nesting_is_an_input_error():
    with pytest.raises(InputError, match="nested too deeply"):
        yamlload.load("[" * 100_000 + "]" * 100_000)


def test_a_byte_order_mark_is_dropped(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert yamlload.load_file(path) == {"a": 1}


def test_generate_refuses_an_alias_bomb(tmp_path, capsys):
    from mta.cli import main

    path = tmp_path / "discovery.yaml"
    path.write_text(alias_bomb())
    started = time.monotonic()
    assert main(["generate", str(path), "-o", str(tmp_path / "out")]) != 0
    assert time.monotonic() - started < 120  # hang guard; the memory it would take is the real failure
    err = capsys.readouterr().err
    assert f"{path}:" in err and "YAML aliases expand" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*"))
