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


def test_the_account_the_app_relies_on_becomes_the_containers_user():
    """barbican-api and barbican-worker ran as barbican, which their own packages make (with
    /etc/barbican 0750 root:barbican) and uWSGI's ini names (uid = barbican): the image gives
    barbican the container's uid and gid, so the non-root container is barbican. A uWSGI app
    whose ini names no account, or an app run as a shared account, is left alone."""
    from mta.model import FileContent
    from mta.render.dockerfile import dockerfile_view

    facts = _facts()
    facts.packages += [Package(name=n, version="1", manager="dpkg") for n in (
        "barbican-api", "barbican-worker", "python3-barbican", "python3", "uwsgi-core", "uwsgi-plugin-python3")]
    plan = make_plan(facts, detect_apps(facts, strict=True), base="debian", discovery_path="discovery.yaml")
    web = next(a for a in plan.apps if a.command[:1] == ["/usr/bin/uwsgi_python311"])
    for app in (web, plan.app("barbican-worker")):
        step = next(s for s in app.build.steps if "usermod" in s)
        assert "usermod -u 10001 barbican" in step and "groupmod -g 10001 barbican" in step
        assert "useradd -u 10001 -g 10001" in step  # made when no package made it
        assert any("runs as barbican" in n for n in app.notes)
        view = dockerfile_view(plan.host, app)
        assert view.user == "10001" and "usermod" in view.post_runs[-1].text  # after the packages made it

    # no package of its own: only a server that switches to the account by name needs it
    facts = _facts()
    facts.packages += [Package(name=n, version="1", manager="dpkg") for n in ("python3-flask", "uwsgi-core")]
    facts.files = [FileContent(path="/etc/barbican/barbican-api-uwsgi.ini", content="[uwsgi]\nprocesses = 2\n")]
    plan = make_plan(facts, detect_apps(facts, strict=True), base="debian", discovery_path="discovery.yaml")
    web = next(a for a in plan.apps if a.command[:1] == ["/usr/bin/uwsgi_python311"])
    assert not any("usermod" in s for s in web.build.steps)
    facts.files = [FileContent(path="/etc/barbican/barbican-api-uwsgi.ini", content="[uwsgi]\nuid = barbican\n")]
    plan = make_plan(facts, detect_apps(facts, strict=True), base="debian", discovery_path="discovery.yaml")
    web = next(a for a in plan.apps if a.command[:1] == ["/usr/bin/uwsgi_python311"])
    assert any("usermod -u 10001 barbican" in s for s in web.build.steps)
    for p in facts.processes:
        p.user = "nobody" if p.pid == 423 else p.user
    plan = make_plan(facts, detect_apps(facts, strict=True), base="debian", discovery_path="discovery.yaml")
    web = next(a for a in plan.apps if a.command[:1] == ["/usr/bin/uwsgi_python311"])
    assert not any("usermod" in s for s in web.build.steps)
