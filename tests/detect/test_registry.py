"""The registry: decorator registration, order, names."""

from __future__ import annotations

import pytest

from mta.detect import Detector, detectors, register
from mta.detect.names import slug, unique


def test_registry_lists_every_stack_in_order():
    names = [d.name for d in detectors()]
    for n in ("tomcat", "jboss", "java-jar", "pm2", "node", "python-wsgi", "python-worker", "php", "ruby", "dotnet",
              "postgresql", "mysql", "redis", "webserver", "listening-process"):
        assert n in names
    assert names[-1] == "listening-process"
    orders = [d.order for d in detectors()]
    assert orders == sorted(orders)


def test_register_needs_a_unique_name():
    with pytest.raises(ValueError):
        @register
        class Nameless(Detector):
            pass

    with pytest.raises(ValueError):
        @register
        class Clash(Detector):
            name = "tomcat"


def test_slug_and_unique():
    assert slug("My_App.Service") == "my-app-service"
    assert slug("3d-viewer") == "app-3d-viewer"
    assert slug("¡¡") == "app"
    assert len(slug("x" * 100)) == 63
    taken: set[str] = set()
    assert [unique("web", taken), unique("web", taken, "django"), unique("web", taken, "django")] == ["web", "web-django", "web-2"]
