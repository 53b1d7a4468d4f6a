"""Fixtures shared by the e2e VM tests."""

from __future__ import annotations

import pytest

from .legacy import Figures


@pytest.fixture
def figures(request):
    """The run's figures (``legacy.Figures``) for the test's ``kind`` and ``engine``
    parameters (docker when the test has none), appended to ``$MTA_E2E_FIGURES`` at
    teardown, failed runs too (``passed`` says which)."""
    params = request.node.callspec.params
    fig = Figures(params["kind"], params.get("engine", "docker"))
    yield fig
    fig.write()
