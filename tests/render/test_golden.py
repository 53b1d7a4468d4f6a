"""Rendered artifacts against committed golden files.

Regenerate after an intended change:  UPDATE_GOLDEN=1 python -m pytest tests/render
(see tests/golden/README.md).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .cases import CASES, ROOT, render_case

GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
#: extra variants worth pinning: (case, base)
VARIANTS = [(c, "official") for c in CASES] + [("fixture-shop", "debian")]


def _dir(case: str, base: str) -> Path:
    return GOLDEN / (case if base == "official" else f"{case}@{base}")


@pytest.mark.parametrize("case,base", VARIANTS, ids=[f"{c}@{b}" for c, b in VARIANTS])
def test_matches_golden(case, base):
    _, files = render_case(case, base)
    gdir = _dir(case, base)
    if UPDATE:
        shutil.rmtree(gdir, ignore_errors=True)
        for rel, text in files.items():
            (gdir / rel).parent.mkdir(parents=True, exist_ok=True)
            (gdir / rel).write_text(text, encoding="utf-8")
        return
    if not gdir.is_dir():
        pytest.skip(f"no golden files for {case}@{base} yet: UPDATE_GOLDEN=1 python -m pytest tests/render")
    expected = {str(p.relative_to(gdir)): p.read_text(encoding="utf-8") for p in gdir.rglob("*") if p.is_file()}
    assert sorted(files) == sorted(expected), "file set changed; UPDATE_GOLDEN=1 if intended"
    for rel in sorted(files):
        assert files[rel] == expected[rel], f"{rel} differs from {gdir.name}/{rel}; UPDATE_GOLDEN=1 if intended"
