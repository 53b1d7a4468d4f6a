"""Fast checks (no engine) of the generator fixes the legacy-VM runs needed:
the VM's Debian Python packages instead of pip, runtime env noise dropped,
Tomcat and Apache on the Debian slim base."""

from __future__ import annotations

from mta.model import App, EnvVar, HostFacts, Package, PortSpec, Process
from mta.plan import make_plan
from mta.render.dockerfile import dockerfile_view


def _facts(packages: list[str], proc: Process) -> HostFacts:
    return HostFacts(host="vm", packages=[Package(name=n, version="1", manager="dpkg") for n in packages],
                     processes=[proc])


def _flask(command: list[str]) -> tuple[HostFacts, App]:
    proc = Process(pid=10, name="python3", exe="/usr/bin/python3.11", cmdline=command, cwd="/srv/notes")
    facts = _facts(["python3", "python3-flask", "python3-redis", "python3-minimal", "gunicorn",
                    "python3-gunicorn", "python3-apt"], proc)
    app = App(name="web", role="app", stack="flask", runtime="python", pids=[10], command=command,
              workdir="/srv/notes", code_paths=["/srv/notes"], ports=[PortSpec(port=8000, http=True)],
              env=[EnvVar(name="container", value="podman"), EnvVar(name="REDIS_URL", value="redis://x:6379/0")])
    return facts, app


def test_system_python_app_gets_the_vms_debian_packages_not_pip():
    facts, app = _flask(["/usr/bin/python3", "/usr/bin/gunicorn", "--bind", "127.0.0.1:8000", "app:app"])
    ap = make_plan(facts, [app], base="debian").apps[0]
    assert not ap.build.builder_image and not ap.build.builder_steps
    assert {"python3-flask", "python3-redis", "gunicorn", "python-is-python3"} <= set(ap.build.packages)
    assert not {"python3-minimal", "python3-apt"} & set(ap.build.packages)
    assert [e.name for e in ap.env] == ["REDIS_URL"]  # container=podman is the VM runtime's, not the app's


def test_venv_app_still_builds_its_venv():
    facts, app = _flask(["/srv/notes/venv/bin/python", "/srv/notes/venv/bin/gunicorn", "app:app"])
    ap = make_plan(facts, [app], base="debian").apps[0]
    assert ap.build.builder_image and "python3-flask" not in ap.build.packages
    official = make_plan(_flask(["/usr/bin/python3", "/usr/bin/gunicorn", "app:app"])[0],
                         [_flask(["/usr/bin/python3", "/usr/bin/gunicorn", "app:app"])[1]]).apps[0]
    assert official.build.builder_image.startswith("python:")


def test_tomcat_on_debian_slim_installs_and_reads_its_conf():
    proc = Process(pid=5, name="java", exe="/usr/lib/jvm/java-17-openjdk-amd64/bin/java", cmdline=["java"])
    app = App(name="tomcat", role="app", stack="tomcat", runtime="java", pids=[5],
              code_paths=["/var/lib/tomcat10/webapps"], ports=[PortSpec(port=8080, http=True)])
    ap = make_plan(_facts(["tomcat10"], proc), [app], base="debian").apps[0]
    view = dockerfile_view("vm", ap)
    assert view.pre_runs[0].text.startswith("mkdir -p /usr/share/man/man1 && ")
    assert any("chmod -R a+rX /etc/tomcat10" in r.text for r in view.post_runs)


def test_php_on_debian_drops_only_the_package_default_index():
    proc = Process(pid=7, name="apache2", exe="/usr/sbin/apache2", cmdline=["/usr/sbin/apache2", "-k", "start"])
    app = App(name="web", role="app", stack="php-apache", runtime="php", pids=[7],
              code_paths=["/var/www/html"], ports=[PortSpec(port=80, http=True)])
    ap = make_plan(_facts(["apache2", "libapache2-mod-php", "php-mysql"], proc), [app], base="debian").apps[0]
    step = next(s for s in ap.build.steps if "index.html" in s)
    assert "grep -qs 'Apache2 Debian Default Page'" in step
