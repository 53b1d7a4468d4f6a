"""Fixtures of the wizard suite: the small host of the answer-schema tests
(tests/plan/small_host.py), built in code so they do not depend on detectors."""

from __future__ import annotations

import pytest

from mta.model import App, HostFacts
from tests.plan.small_host import small_apps, small_facts


@pytest.fixture
def facts() -> HostFacts:
    return small_facts()


@pytest.fixture
def apps() -> list[App]:
    return small_apps()
