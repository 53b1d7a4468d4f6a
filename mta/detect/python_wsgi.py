"""Python web apps: gunicorn, uWSGI, uvicorn/daphne, ``manage.py runserver``; Django or Flask."""

from __future__ import annotations

import re

from ..model import App, Evidence, HostFacts, Process
from . import packaged, versions
from .common import (
    argv, basename, clamp, env_value, ev_port, ev_process, ev_service, existing, join, listening, opt,
    port_spec, process_fields, prog, roots, runs, script_arg, service_env_files, service_name, service_of,
    text_of, tree, uniq, wrapper_parent,
)
from .configs import ini_sections
from .pyapp import framework, module_file, positional, requirement_files, script_args, settings_files, venv_of
from .registry import Detector, register

SERVERS = ("gunicorn", "gunicorn3", "gunicorn_django", "uwsgi", "uwsgi-core", "uvicorn", "daphne", "hypercorn", "waitress-serve")
_GUNICORN_VALUE_OPTS = {
    "-b", "--bind", "-w", "--workers", "-k", "--worker-class", "-c", "--config", "--chdir", "-u", "--user", "-g",
    "--group", "-t", "--timeout", "--log-file", "--access-logfile", "--error-logfile", "--pid", "-p", "--threads",
    "--max-requests", "-e", "--env", "--pythonpath", "--log-level", "-n", "--name", "--graceful-timeout",
    "--keep-alive", "--worker-connections", "--log-config", "--paste", "--host", "--port", "--workers-count",
    "--app-dir", "--root-path", "--uds", "--fd", "--forwarded-allow-ips", "--limit-concurrency",
}


_PYTHON = re.compile(r"python[\d.]*$")


def server_of(p: Process) -> str:
    name = prog(p)
    if name.startswith("gunicorn") or runs(p, "gunicorn", "gunicorn3", "gunicorn_django"):
        return "gunicorn"
    if name.startswith("uwsgi") or runs(p, "uwsgi"):
        return "uwsgi"
    for s in ("uvicorn", "daphne", "hypercorn", "waitress-serve"):
        if runs(p, s):
            return s
    if _PYTHON.match(name) or _PYTHON.match(basename(p.exe)):
        _, script = script_arg(p)
        args = argv(p)
        if basename(script) == "manage.py" and "runserver" in args:
            return "runserver"
        if args[1:2] == ["-m"] and args[2:3] and args[2] in ("gunicorn", "uvicorn", "flask"):
            return args[2] if args[2] != "flask" else "flask-run"
    return ""


def _is_server(p: Process) -> bool:
    return bool(server_of(p))


@register
class PythonWsgi(Detector):
    name = "python-wsgi"
    stacks = ("django", "flask", "wsgi")
    order = 20

    def wants(self, facts: HostFacts) -> list[str]:
        out: list[str] = []
        for p in roots(facts, _is_server):
            info = self._info(facts, p)
            out += info["wanted"]
        return uniq(out)

    def detect(self, facts: HostFacts) -> list[App]:
        return [self._one(facts, p) for p in roots(facts, _is_server)]

    def _info(self, facts: HostFacts, p: Process) -> dict:
        server = server_of(p)
        args = script_args(p)
        svc = service_of(facts, [p])
        workdir = opt(args, "--chdir", "--app-dir") or p.cwd or (svc.working_directory if svc else "")
        module = ""
        config = ""
        ini: dict[str, str] = {}
        if server == "uwsgi":
            config = opt(args, "--ini", "--yaml", "--xml") or (args[1] if len(args) > 1 and args[1].endswith(".ini") else "")
            ini = ini_sections(text_of(facts, config)).get("uwsgi", {}) if config else {}
            workdir = opt(args, "--chdir") or ini.get("chdir") or workdir
            module = opt(args, "--module", "-w", "--wsgi") or ini.get("module") or ini.get("wsgi", "")
            wsgi_file = opt(args, "--wsgi-file") or ini.get("wsgi-file", "")
            if wsgi_file and not module:
                module = wsgi_file
        elif server == "runserver":
            module = ""
        else:
            config = opt(args, "-c", "--config") or ""
            pos = [a for a in positional(args, _GUNICORN_VALUE_OPTS) if not a.startswith("[")]
            # A renamed title, kept whole or split on spaces: "gunicorn: master [shop.wsgi:application]"
            title = " ".join(p.cmdline)
            if p.cmdline and p.cmdline[0].startswith("gunicorn:") and "[" in title:
                m = re.search(r"\[([\w.:]+)\]", title)
                pos = [m.group(1)] if m else pos
            module = next((a for a in reversed(pos) if re.fullmatch(r"[\w.]+(:[\w.()]+)?", a) and ("." in a or ":" in a)), "")
        if config and not config.startswith("/") and workdir:
            config = join(workdir, config)
        settings_module = env_value(facts, p, svc, "DJANGO_SETTINGS_MODULE") or ""
        mod_file = module if module.endswith(".py") else module_file(workdir, module)
        if mod_file and not mod_file.startswith("/"):
            mod_file = join(workdir, mod_file)
        wanted = [config, mod_file, join(workdir, "manage.py"), join(workdir, ".env")]
        wanted += settings_files(workdir, module, settings_module) + requirement_files(workdir)
        wanted += service_env_files(facts, [p]) + packaged.service_config_wanted(facts, service_name(svc))
        return {
            "server": server, "args": args, "svc": svc, "workdir": workdir, "module": module, "config": config,
            "ini": ini, "settings_module": settings_module, "mod_file": mod_file, "wanted": [w for w in wanted if w],
        }

    def _one(self, facts: HostFacts, p: Process) -> App:
        info = self._info(facts, p)
        server, svc, workdir = info["server"], info["svc"], info["workdir"]
        procs = tree(facts, p)
        wrapper = wrapper_parent(facts, p)
        if wrapper:
            procs.insert(0, wrapper)
        svc = svc or service_of(facts, procs)
        ev = [ev_process(p, f"{server} master" if len(procs) > 1 else server)]
        workers = [x for x in procs if x.pid != p.pid and x is not wrapper]
        if workers:
            ev.append(Evidence(kind="process", ref=", ".join(f"pid {w.pid}" for w in workers[:8]),
                               detail=f"{len(workers)} worker process(es) of pid {p.pid}"))
        if svc:
            ev.append(ev_service(svc))
        conf = 0.75
        texts = [(f, text_of(facts, f)) for f in [info["mod_file"], join(workdir, "manage.py")] + settings_files(workdir, info["module"], info["settings_module"])]
        texts = [(f, t) for f, t in texts if t]
        fw, fev, fw_ver = framework(facts, workdir, texts, info["settings_module"])
        ev += fev
        if server == "runserver":
            fw = "django"
            ev.append(Evidence(kind="process", ref=f"pid {p.pid}", detail="Django development server (manage.py runserver) in production"))
        if fw:
            conf += 0.15
        pv, pev = versions.python(facts, p)
        if pev:
            ev.append(pev)
        ports = []
        uwsgi_proto = server == "uwsgi" and not (opt(info["args"], "--http", "--http-socket") or info["ini"].get("http") or info["ini"].get("http-socket"))
        for s in listening(facts, [x.pid for x in procs]):
            ev.append(ev_port(s))
            ports.append(port_spec(facts, s, name="uwsgi" if uwsgi_proto else "http", http=not uwsgi_proto))
        if ports:
            conf += 0.05
        venv = venv_of(p)
        notes = []
        if venv:
            notes.append(f"virtualenv {venv}: rebuild it from the requirements file instead of copying it")
        if fw_ver:
            notes.append(f"{fw} {fw_ver}")
        if server == "runserver":
            notes.append("runs Django's development server; consider gunicorn in the image")
        settings = [f for f, _ in texts if f != info["mod_file"] and not f.endswith("manage.py")]
        configs = existing(facts, [info["config"], join(workdir, ".env")]) + settings
        configs += packaged.service_config_files(facts, service_name(svc))
        data, logs = [], []
        for f in settings:
            t = text_of(facts, f)
            m = re.search(r"^MEDIA_ROOT\s*=\s*['\"](/[^'\"]+)['\"]", t, re.M)
            if m:
                data.append(m.group(1))
        for flag in ("--access-logfile", "--error-logfile", "--log-file", "--logto"):
            v = opt(info["args"], flag) or info["ini"].get(flag.lstrip("-"))
            if v and v.startswith("/"):
                logs.append(v)
        return App(
            name="web",
            stack=fw or "wsgi",
            runtime="python",
            runtime_version=pv,
            framework=fw,
            stack_version="",
            confidence=clamp(conf),
            evidence=ev,
            **process_fields(facts, p, procs, svc),
            ports=ports,
            workdir=workdir,
            code_paths=[workdir] if workdir else [],
            config_files=uniq(configs),
            data_paths=uniq(data),
            log_paths=uniq(logs),
            service=service_name(svc),
            notes=notes,
        )


def _is_python(p: Process) -> bool:
    return bool(re.match(r"python[\d.]*$", prog(p)) or re.match(r"python[\d.]*$", basename(p.exe)))


@register
class PythonScript(Detector):
    """``python app.py`` owning a port: Flask/Bottle/Tornado dev servers and home-grown daemons."""

    name = "python-script"
    stacks = ("python", "django", "flask", "bottle", "tornado", "aiohttp", "fastapi",
              "cherrypy", "twisted")
    order = 23
    needs_port = True

    def _candidates(self, facts: HostFacts) -> list[Process]:
        listening_pids = {s.pid for s in facts.sockets if s.protocol == "tcp"}
        out = []
        for p in roots(facts, _is_python):
            if server_of(p):
                continue
            _, script = script_arg(p)
            if not script.endswith(".py") and argv(p)[1:2] != ["-m"]:
                continue
            # Only its own python processes count: a test runner that started nginx is not a web app.
            if {x.pid for x in tree(facts, p) if _is_python(x)} & listening_pids:
                out.append(p)
        return out

    def wants(self, facts: HostFacts) -> list[str]:
        out: list[str] = []
        for p in self._candidates(facts):
            _, script = script_arg(p)
            wd = p.cwd
            if script.endswith(".py"):
                out.append(script if script.startswith("/") else join(wd, script))
            out += requirement_files(wd) + [join(wd, ".env")] + service_env_files(facts, [p])
        return uniq(out)

    def detect(self, facts: HostFacts) -> list[App]:
        return [self._one(facts, p) for p in self._candidates(facts)]

    def _one(self, facts: HostFacts, p: Process) -> App:
        procs = tree(facts, p)
        wrapper = wrapper_parent(facts, p)
        if wrapper:
            procs.insert(0, wrapper)
        svc = service_of(facts, procs)
        _, script = script_arg(p)
        path = script if script.startswith("/") or not script.endswith(".py") else join(p.cwd, script)
        wd = p.cwd or (svc.working_directory if svc else "") or path.rsplit("/", 1)[0]
        ev = [ev_process(p, "python program owning a listening port")]
        if svc:
            ev.append(ev_service(svc))
        texts = [(path, text_of(facts, path))] if text_of(facts, path) else []
        fw, fev, fw_ver = framework(facts, wd, texts)
        ev += fev
        for lib in ("bottle", "tornado", "aiohttp", "fastapi", "cherrypy", "twisted"):
            if not fw and any(re.search(rf"^\s*(from|import)\s+{lib}\b", t, re.M) for _, t in texts):
                fw = lib
        pv, pev = versions.python(facts, p)
        if pev:
            ev.append(pev)
        ports = []
        for s in listening(facts, [x.pid for x in procs]):
            ev.append(ev_port(s))
            ports.append(port_spec(facts, s, http=True if fw else None))
        return App(
            name="web",
            stack=fw or "python",
            runtime="python",
            runtime_version=pv,
            framework=fw,
            confidence=clamp(0.55 + 0.2 * bool(fw) + 0.05 * bool(svc)),
            evidence=ev,
            **process_fields(facts, p, procs, svc),
            ports=ports,
            workdir=wd,
            code_paths=[wd] if wd and wd != "/" else ([path] if path.startswith("/") else []),
            config_files=existing(facts, [join(wd, ".env")]) if wd else [],
            service=service_name(svc),
            notes=([f"virtualenv {venv_of(p)}: rebuild it from the requirements file instead of copying it"] if venv_of(p) else [])
            + ([f"{fw} {fw_ver}"] if fw_ver else []),
        )
