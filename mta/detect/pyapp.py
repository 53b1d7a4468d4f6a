"""What Python apps share: virtualenv, project dir, requirements, framework."""

from __future__ import annotations

import re
from typing import Optional

from ..model import Evidence, HostFacts, Process
from .common import argv, basename, ev_file, join, script_arg, text_of, uniq


def venv_of(p: Process) -> str:
    """The virtualenv a process runs from (``/srv/app/venv``), or ''."""
    candidates = [p.cmdline[0] if p.cmdline else "", p.exe]
    _, script = script_arg(p)
    candidates.append(script)
    for path in candidates:
        m = re.match(r"(/.+?)/bin/[^/]+$", path or "")
        if not m or m.group(1).startswith(("/usr", "/bin", "/opt/rh/")) or m.group(1) in ("", "/"):
            continue
        # pyenv / a self-built interpreter (/opt/python3.8, ~/.pyenv/versions/3.11.7) is not a virtualenv
        if re.fullmatch(r"(python-?)?\d+(\.\d+)*[a-z0-9.-]*", basename(m.group(1))) or basename(m.group(1)).startswith("python"):
            continue
        return m.group(1)
    return ""


def requirement_files(workdir: str) -> list[str]:
    if not workdir:
        return []
    parent = workdir.rsplit("/", 1)[0] or "/"
    return uniq([join(workdir, "requirements.txt"), join(workdir, "requirements/production.txt"),
                 join(workdir, "requirements/base.txt"), join(workdir, "Pipfile.lock"), join(workdir, "pyproject.toml"),
                 join(parent, "requirements.txt")])


def requirement(facts: HostFacts, workdir: str, name: str) -> tuple[str, Optional[Evidence]]:
    """(version or '*', evidence) when ``name`` is pinned in a requirements file; ('', None) otherwise."""
    rx = re.compile(rf"^\s*{re.escape(name)}\s*(?:\[[^\]]*\])?\s*(?:[=~<>!]=?\s*([\w.*]+))?", re.I | re.M)
    for path in requirement_files(workdir):
        m = rx.search(text_of(facts, path))
        if m:
            ver = m.group(1) or "*"
            return ver, ev_file(path, f"requires {name} {ver}")
    return "", None


def module_file(workdir: str, module: str) -> str:
    """``shop.wsgi:application`` -> ``<workdir>/shop/wsgi.py``."""
    mod = module.split(":", 1)[0]
    if not mod or not re.fullmatch(r"[\w.]+", mod):
        return ""
    return join(workdir, mod.replace(".", "/") + ".py")


def settings_files(workdir: str, module: str, settings_module: str = "") -> list[str]:
    out = []
    if settings_module:
        out.append(join(workdir, settings_module.replace(".", "/") + ".py"))
    pkg = module.split(":", 1)[0].rsplit(".", 1)[0] if "." in module.split(":", 1)[0] else ""
    if pkg:
        out += [join(workdir, pkg.replace(".", "/") + "/settings.py"),
                join(workdir, pkg.replace(".", "/") + "/settings/production.py")]
    return uniq(out)


def framework(facts: HostFacts, workdir: str, texts: list[tuple[str, str]], settings_module: str = "") -> tuple[str, list[Evidence], str]:
    """(framework, evidence, version) from requirements, module sources, env."""
    ev: list[Evidence] = []
    dj_ver, dj_ev = requirement(facts, workdir, "Django")
    fl_ver, fl_ev = requirement(facts, workdir, "Flask")
    if settings_module:
        ev.append(Evidence(kind="other", ref="DJANGO_SETTINGS_MODULE", detail=f"set to {settings_module}"))
    for path, text in texts:
        if re.search(r"^\s*(from|import)\s+django\b", text, re.M):
            ev.append(ev_file(path, "imports django"))
            settings_module = settings_module or "x"
        if re.search(r"^\s*(from|import)\s+flask\b", text, re.M):
            ev.append(ev_file(path, "imports flask"))
            fl_ver = fl_ver or "*"
    if dj_ev:
        ev.append(dj_ev)
    if fl_ev:
        ev.append(fl_ev)
    if dj_ver or settings_module:
        return "django", ev, "" if dj_ver in ("", "*") else dj_ver
    if fl_ver:
        return "flask", ev, "" if fl_ver == "*" else fl_ver
    return "", ev, ""


def positional(args: list[str], value_opts: set[str]) -> list[str]:
    """Non-option arguments, skipping the values of options that take one."""
    out = []
    skip = False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a.startswith("-"):
            if a in value_opts:
                skip = True
            continue
        out.append(a)
    return out


def script_args(p: Process) -> list[str]:
    """argv from the script on (drops ``python`` and its options)."""
    args = argv(p)
    name = basename(args[0]) if args else ""
    if re.match(r"python[\d.]*$", name):
        i, _ = script_arg(p)
        return args[i:] if i > 0 else args
    return args
