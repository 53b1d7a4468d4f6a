"""The portfolio report: one Report model, several formats (html, md, csv, json)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..io import write_atomic

if TYPE_CHECKING:
    from ..model.estimate import RulesFile, Settings
    from ..model.report import Report

__all__ = ["build_report", "write_report", "FORMATTERS"]


def __getattr__(name: str) -> Any:
    """``build_report`` and ``FORMATTERS`` load on first use: discover and batch
    import ``mta.report.collect`` (the report cache) on every run, and the
    builder and the formats (xlsxwriter, jinja2) cost a second of start-up."""
    if name == "build_report":
        from .build import build_report
        return build_report
    if name == "FORMATTERS":
        from .formats import FORMATTERS
        return FORMATTERS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def write_report(
    outs: Sequence[Path],
    formats: Sequence[str] = ("html", "md", "csv", "json"),
    settings: Optional[Settings] = None,
    rules: Optional[RulesFile] = None,
) -> tuple[Report, list[Path]]:
    """Build the report over ``outs`` and write the chosen formats into the first OUT."""
    from .build import build_report
    from .formats import FORMATTERS

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
