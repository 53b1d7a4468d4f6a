"""Build the portfolio report over some OUT folders and write its formats."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from ..errors import InputError
from ..io import write_atomic
from ..model.estimate import RulesFile, Settings
from ..model.report import Report
from .build import build_report
from .formats import FORMATTERS


def write_report(
    outs: Sequence[Path],
    formats: Sequence[str] = ("html", "md", "csv", "json"),
    settings: Optional[Settings] = None,
    rules: Optional[RulesFile] = None,
) -> tuple[Report, list[Path]]:
    """Build the report over ``outs`` and write the chosen formats into the first OUT."""
    unknown = [f for f in formats if f not in FORMATTERS]
    if unknown:
        raise InputError(f"unknown report format {unknown[0]!r}", hint=f"choose from {', '.join(FORMATTERS)}")
    report = build_report([Path(o) for o in outs], settings, rules)
    target = Path(outs[0])
    written = []
    for name in formats:
        for filename, text in FORMATTERS[name](report).items():
            write_atomic(target / filename, text)
            written.append(target / filename)
    return report, written
