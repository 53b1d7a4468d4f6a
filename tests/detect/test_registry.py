"""The registry: decorator registration, order, names."""

from __future__ import annotations

import pytest

from mta.detect import Detector, detectors, register
from mta.detect.names import slug, unique


def test_registry_lists_every_stack_in_order():
    names = [d.name for d in detectors()]
    for n in ("tomcat", "jboss", "java-jar", "pm2", "node", "python-wsgi", "python-script", "python-worker", "php", "ruby", "dotnet",
              "memcached", "mongodb", "rabbitmq", "java-servers",
              "postgresql", "mysql", "redis", "webserver", "listening-process"):
        assert n in names
    assert names[-1] == "listening-process"
    assert "service-worker" in names
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


def test_globs_come_with_concrete_guesses(samples):
    from mta.detect import split_globs, wanted_files

    facts = samples["debian10-lamp"].model_copy(update={"files": []})
    wanted = wanted_files(facts, strict=True)
    exact, globs = split_globs(wanted)
    assert "/etc/apache2/sites-enabled/*" in globs
    # the vhost is named after the host (blog), so a fetcher without globs still finds it
    assert "/etc/apache2/sites-enabled/blog.conf" in exact
    assert "/etc/apache2/sites-enabled/000-default.conf" in exact
    tomcat = wanted_files(samples["centos7-tomcat"].model_copy(update={"files": []}), strict=True)
    assert "/opt/tomcat/webapps/ROOT/WEB-INF/web.xml" in tomcat
    assert all(p.startswith("/") and "\0" not in p for p in wanted + tomcat)


def test_alt_name_does_not_repeat_the_base():
    taken = {"static"}
    assert unique("static", taken, "static-apache") == "static-apache"
