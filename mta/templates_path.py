"""Where the Jinja2 templates are: inside the wheel, else the source tree."""

from __future__ import annotations

from pathlib import Path


def templates_dir() -> Path:
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    source = Path(__file__).parent.parent / "templates"
    if source.is_dir():
        return source
    raise FileNotFoundError("mta templates not found (broken install?)")
