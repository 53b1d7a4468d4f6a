"""Loading a host for the wizard and ``mta questions``: facts plus detected apps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

from ..detect import detect_apps
from ..model import App, HostFacts
from ..pipeline import load_discovery


def load_facts(path: Union[str, Path]) -> HostFacts:
    """A discovery.yaml, through the pipeline's loader."""
    return load_discovery(path)


def detect(facts: HostFacts) -> list[App]:
    """The apps detectors find in ``facts``."""
    return list(detect_apps(facts))


#: the stand-in app name ``mta questions`` shows without a discovery file
APP_PLACEHOLDER = "<app>"


def placeholder_app() -> App:
    return App(name=APP_PLACEHOLDER, stack="any")
