"""Loading a host for the wizard and ``mta questions``: facts plus detected apps.

The discovery and detect packages land in parallel; their imports are
guarded so the registry still answers (without per-app questions) before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

from ..io import load_model
from ..model import App, HostFacts


def load_facts(path: Union[str, Path]) -> HostFacts:
    """A discovery.yaml, through the pipeline's loader when there is one."""
    try:
        from ..pipeline import load_discovery
    except ImportError:
        return load_model(path, HostFacts)
    return load_discovery(path)


def detect(facts: HostFacts) -> list[App]:
    """The apps detectors find in ``facts`` (none before detect lands)."""
    try:
        from ..detect import detect_apps
    except ImportError:
        return []
    return list(detect_apps(facts))


#: the stand-in app name ``mta questions`` shows without a discovery file
APP_PLACEHOLDER = "<app>"


def placeholder_app() -> App:
    return App(name=APP_PLACEHOLDER, stack="any")
