"""Discovery of real nginx, gunicorn, redis and PostgreSQL started by the suite."""

from __future__ import annotations

import pytest

from mta.discover.collect import discover
from mta.discover.local import discover_local
from mta.model import SECRET_MARKER, HostFacts
from mta.transport.local import LocalTransport

pytestmark = pytest.mark.services


def _check(facts: HostFacts, services) -> None:
    ports = services.ports
    by_port = {s.port: s for s in facts.sockets if s.protocol == "tcp"}
    for name in ("nginx", "gunicorn", "redis", "postgres"):
        sock = by_port.get(ports[name])
        assert sock is not None, f"{name} port {ports[name]} not seen"
        assert sock.pid is not None and facts.process(sock.pid) is not None, f"{name} socket owner"
    gun = facts.process(services.pids["gunicorn"])
    assert gun is not None and any("gunicorn" in a for a in gun.cmdline)
    assert gun.env["SECRET_KEY"] == SECRET_MARKER
    assert gun.env["DATABASE_URL"] == f"postgresql://app:{SECRET_MARKER}@127.0.0.1/app"
    assert gun.env["APP_MODE"] == "test"
    pg = facts.process(services.pids["postgres"])
    assert pg is not None and pg.user == "postgres"
    assert "s3cret-pw" not in facts.model_dump_json()


def test_probe_sees_real_services(services):
    ports = services.ports
    facts = discover(LocalTransport(), sample_seconds=1, http_ports=[ports["nginx"], ports["gunicorn"]])
    _check(facts, services)
    http = {h.port: h for h in facts.http}
    assert http[ports["nginx"]].status == 200 and http[ports["nginx"]].title == "mta static page"
    assert http[ports["gunicorn"]].status is not None
    assert not [e for e in facts.errors if e.section != "files"], facts.errors


def test_psutil_sees_real_services(services):
    facts = discover_local(sample_seconds=0, http_ports=[services.ports["nginx"]])
    _check(facts, services)
    assert [h.title for h in facts.http] == ["mta static page"]


def test_no_http_get_to_databases_on_any_port(services):
    """postgres and redis listen on random ports here: owned by non-HTTP daemons, not probed."""
    ports = services.ports
    facts = discover(LocalTransport(), sample_seconds=0, file_requests=False,
                     http_ports=[ports["nginx"], ports["postgres"], ports["redis"]])
    assert [h.port for h in facts.http] == [ports["nginx"]]
