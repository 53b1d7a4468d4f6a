"""A Python app run by Debian's python3 (a packaged service under uWSGI, and its
worker): the image installs what the VM ran it with, from the same distribution."""

from __future__ import annotations

from mta.detect import detect_apps
from mta.model import Package
from mta.plan import make_plan

from ..detect.test_service_worker import _facts


def test_debian_uwsgi_app_and_its_worker_install_their_packages():
    facts = _facts()
    facts.packages += [Package(name=n, version="1", manager="dpkg") for n in (
        "barbican-api", "barbican-worker", "python3-barbican", "python3-oslo.config", "python3",
        "uwsgi-core", "uwsgi-plugin-python3")]
    plan = make_plan(facts, detect_apps(facts, strict=True), base="debian", discovery_path="discovery.yaml")
    web = next(a for a in plan.apps if a.command[:1] == ["/usr/bin/uwsgi_python311"])
    assert {"uwsgi-core", "uwsgi-plugin-python3", "python3-barbican", "python3-oslo.config",
            "barbican-api"} <= set(web.build.packages), web.build.packages
    worker = plan.app("barbican-worker")
    assert worker.role == "worker" and worker.build.cmd[1] == "/usr/bin/barbican-worker"
    assert {"barbican-worker", "python3-barbican"} <= set(worker.build.packages), worker.build.packages
    assert "uwsgi-core" not in worker.build.packages
