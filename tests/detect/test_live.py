"""Detectors on a real host: nginx -> gunicorn/Flask, redis and PostgreSQL started by the suite,
discovered by the real probe over LocalTransport, then detected."""

from __future__ import annotations

import pytest

from mta.detect import detect_apps
from mta.model import HostFacts

pytestmark = [pytest.mark.services, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def live(services) -> tuple[HostFacts, list]:
    from mta.discover.collect import discover
    from mta.transport.local import LocalTransport

    facts = discover(LocalTransport(), host="live", sample_seconds=0.5)
    return facts, detect_apps(facts, strict=True)


def app_with_pid(apps, pid: int):
    found = [a for a in apps if pid in a.pids]
    assert found, f"no app holds pid {pid}: {[(a.name, a.stack, a.pids) for a in apps]}"
    return found[0]


def test_gunicorn_flask(services, live):
    facts, apps = live
    web = app_with_pid(apps, services.pids["gunicorn"])
    assert (web.role, web.stack, web.framework, web.runtime) == ("app", "flask", "flask", "python")
    assert web.workdir == str(services.app_dir)
    assert services.ports["gunicorn"] in [p.port for p in web.ports]
    assert len(web.pids) >= 2  # master + worker grouped
    secret = {e.name: e for e in web.env}
    assert secret["DATABASE_URL"].value is None and secret["DATABASE_URL"].secret
    assert any(e.kind == "file" and e.ref.endswith("hello.py") for e in web.evidence)


def test_nginx_is_the_proxy_of_gunicorn(services, live):
    facts, apps = live
    web = app_with_pid(apps, services.pids["gunicorn"])
    nginx = app_with_pid(apps, services.pids["nginx"])
    assert nginx.role == "proxy" and web.name in nginx.depends_on
    assert services.configs["nginx"] in nginx.config_files
    assert any(f"passes HTTP to 127.0.0.1:{services.ports['gunicorn']} ({web.name})" in e.detail for e in nginx.evidence)


def test_redis_and_postgres_are_backing(services, live):
    facts, apps = live
    redis = app_with_pid(apps, services.pids["redis"])
    assert (redis.role, redis.stack) == ("backing", "redis")
    assert redis.data_paths == [str(services.dir / "redis")]
    pg = app_with_pid(apps, services.pids["postgres"])
    assert (pg.role, pg.stack, pg.runtime_version) == ("backing", "postgresql", "15")
    assert pg.data_paths and pg.data_paths[0].startswith(str(services.dir))
    assert services.ports["postgres"] in [p.port for p in pg.ports]
