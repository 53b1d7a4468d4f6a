"""Python: WSGI/ASGI apps (Django, Flask, FastAPI…), workers (Celery, RQ…) and
plain scripts, in a venv built in a builder stage; or Debian's python3-* packages
when the VM ran the system Python.
"""

from __future__ import annotations

import posixpath
import re
from typing import Optional

from ...model import Build, ConfigFile
from .. import images
from ..paths import context_path
from ..shell import apt, q
from .common import MB, app_root, code_files
from .registry import Recipe, register


NAIVE = (1010 * MB, "python:3.11 (full Debian + build toolchain)")


PYTHON = [(2, 7)] + [(3, m) for m in range(4, 14)]


def python_line(version: str) -> tuple[tuple[int, int], list[str]]:
    v = images.version_tuple(version)[:2]
    if len(v) < 2:
        return (3, 11), ["Python version unknown; assuming 3.11"]
    got = images.closest(v, PYTHON)
    return got, images.moved("Python", "%d.%d" % v, "%d.%d" % got)


def _python_requirements(facts, root: str) -> Optional[str]:
    f = facts.file(posixpath.join(root, "requirements.txt"))
    return f.content if f else None


_PY_SERVERS = {"gunicorn": ("gunicorn==19.10.0", "gunicorn==20.1.0", "gunicorn==23.0.0"),
               "uwsgi": ("uwsgi==2.0.21", "uwsgi==2.0.21", "uwsgi==2.0.28"),
               "waitress-serve": ("waitress==1.4.4", "waitress==2.0.0", "waitress==3.0.2")}


def _server_pin(server: str, pyver: tuple[int, int]) -> str:
    pins = _PY_SERVERS[server]
    return pins[0] if pyver[0] == 2 else pins[1] if pyver < (3, 8) else pins[2]


#: Debian python3-* packages that are the interpreter or system tooling, not an app's libraries
_PY_SYSTEM = {"python3", "python3-minimal", "python3-distutils", "python3-lib2to3", "python3-venv", "python3-pip",
              "python3-dev", "python3-apt", "python3-debian", "python3-debconf", "python3-dbus", "python3-gi",
              "python3-software-properties", "python3-distro-info", "python3-pkg-resources", "python3-setuptools",
              "python3-wheel", "python3-certifi", "python3-chardet", "python3-idna", "python3-urllib3",
              "python3-requests-unixsocket", "python3-netifaces", "python3-systemd", "python3-cloud-init"}


def _distro_python(app, facts) -> list[str]:
    """The Debian packages behind an app run by the system python (/usr/bin/python3,
    /usr/bin/gunicorn): its libraries came from apt, not pip, so the image does the same.
    The service's own package, when it is one, comes last."""
    exes = list(app.command[:2])
    for pid in app.pids:
        proc = facts.process(pid)
        if proc:
            exes += [proc.exe, *proc.cmdline[:2]]
    if not any(e.startswith(("/usr/bin/python3", "/usr/bin/gunicorn", "/usr/bin/uwsgi")) for e in exes if e) \
            or any(re.search(r"/(venv|\.venv|env|virtualenv)[^/]*/bin/", e or "") for e in exes):
        return []
    names = {p.name for p in facts.packages}
    libs = sorted(n for n in names if n.startswith("python3-") and n not in _PY_SYSTEM
                  and not n.endswith(("-dev", "-doc", "-dbg")))
    if not libs:
        return []
    servers = sorted(n for n in names if n in ("gunicorn", "gunicorn3", "uwsgi")
                     and any(n.rstrip("3") in e for e in exes if e))
    if any("uwsgi" in (e or "") for e in exes):
        # Debian's uWSGI: the server (uwsgi-core, /usr/bin/uwsgi_python3*) and its Python plugin
        servers += [n for n in ("uwsgi-core", "uwsgi-plugin-python3") if n in names and n not in servers]
    # the service came from a package of its own name (Debian's barbican-api, gnocchi-metricd): the image
    # installs it too, for its program, its account and its directories
    own = [app.service] if app.service and app.service in names and app.service not in libs + servers else []
    return libs + servers + own


@register("python", stacks=("python", "wsgi", "django", "flask", "fastapi", "gunicorn", "bottle", "tornado",
                             "aiohttp", "cherrypy", "twisted", "celery", "celery-beat", "rq", "dramatiq",
                             "huey"), naive=NAIVE)
def _python(app, facts, debian: bool) -> Recipe:
    root = app_root(app)
    pyver, notes = python_line(app.runtime_version)
    distro = _distro_python(app, facts) if debian else []
    if distro:
        # python-is-python3: the command and healthcheck say `python`, as with the official image
        b = Build(base_image=images.DEBIAN_IMAGE, packages=["python3", "python-is-python3"] + distro,
                  env={"PYTHONUNBUFFERED": "1"}, workdir=root)
        b.files = code_files(app, lambda p: p)
        notes.append("the VM's Python libraries came from Debian packages; the image installs the same packages "
                     "(" + ", ".join(distro) + ") instead of pip install -r requirements.txt")
        return Recipe(build=b, tool="python", notes=notes, own_account=distro[-1] == app.service)
    env = {"PATH": "/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "PYTHONUNBUFFERED": "1"}
    if debian:
        final = builder = images.DEBIAN_IMAGE
        pkgs = ["python3", "python3-venv"]
        make_venv = [apt(pkgs + ["python3-dev", "build-essential"]), "python3 -m venv /opt/venv"]
        if pyver != (3, 11):
            notes.append(f"VM ran Python {pyver[0]}.{pyver[1]}; Debian 12 ships 3.11 - test, or use --base official")
        packages = pkgs
    else:
        tag = "%d.%d" % pyver
        final, builder, packages = f"python:{tag}-slim", f"python:{tag}", []
        make_venv = (["pip install --no-cache-dir virtualenv==20.15.1 && virtualenv /opt/venv"] if pyver[0] == 2
                     else ["python -m venv /opt/venv"])
    install = ["if [ -f requirements.txt ]; then /opt/venv/bin/pip install --no-cache-dir -r requirements.txt; fi"]
    reqs = _python_requirements(facts, root)
    if reqs is not None:
        install = ["/opt/venv/bin/pip install --no-cache-dir -r requirements.txt"]
    server = (app.command[:1] or [""])[0].rsplit("/", 1)[-1]
    if server in _PY_SERVERS:
        pin = _server_pin(server, pyver)
        module = pin.split("==")[0]
        if reqs is None or module not in reqs.lower():
            install.append(f"if ! /opt/venv/bin/python -c {q('import ' + module)} 2>/dev/null;"
                           f" then /opt/venv/bin/pip install --no-cache-dir {q(pin)}; fi")
            notes.append(f"{module} is installed ({pin}) unless requirements.txt brings it")
    b = Build(base_image=final, builder_image=builder, packages=packages, env=env, workdir=root,
              builder_files=[ConfigFile(source=context_path(root), target="/src", configmap=False)],
              builder_steps=[" && ".join(make_venv + install)],
              artifacts=[ConfigFile(source="/opt/venv", target="/opt/venv", configmap=False)])
    b.files = code_files(app, lambda p: p)
    if reqs is None:
        notes.append("requirements.txt was not seen; the build installs it when the extracted code has one")
    tool = "python" if pyver[0] >= 3 else "bash"
    return Recipe(build=b, tool=tool, notes=notes)
