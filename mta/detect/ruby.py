"""Ruby web apps: puma, unicorn, thin, Passenger (Rack / Rails / Sinatra).

Passenger loaded into Apache (mod_passenger) is part of that Apache, as mod_php
is: the app is the Apache tree (stack ``passenger-apache``), answering on
Apache's ports with the VM's virtual host; Passenger's own loopback ports are
internal. Passenger inside nginx (a separate agent) stays an app of its own
behind the nginx proxy."""

from __future__ import annotations

import re
from typing import Optional

from ..model import App, Evidence, HostFacts, Process
from . import packaged, versions
from .common import (
    app_env, argv, clamp, descendants, ev_file, ev_package, ev_port, ev_process, ev_service, existing, join, listening,
    major_minor, opt, package, packages_matching, port_spec, prog, roots, service_env_files, service_of, service_name,
    text_of, tree, uniq, wrapper_parent,
)
from .php import database_of
from .registry import Detector, register
from .websites import apache_config, is_apache

SERVERS = ("puma", "unicorn", "unicorn_rails", "thin", "passenger", "PassengerAgent", "Passenger", "rackup", "sidekiq")


_HINTS = ("puma", "unicorn", "thin", "sidekiq", "assenger", "rackup", "rails")


def ruby_version(facts: HostFacts, p: Process) -> versions.Found:
    """The Ruby line: from the interpreter's path (rbenv, rvm, ruby2.7), else the ruby package."""
    for rx in (r"ruby-(\d)\.(\d)", r"rubies/(?:ruby-)?(\d)\.(\d)", r"versions/(\d)\.(\d)\.\d+/bin", r"ruby(\d)\.(\d)"):
        ver, ev = versions.from_path(p, rx, "ruby")
        if ver:
            return ver, ev
    pk = package(facts, "ruby", "ruby-full") or next(iter(packages_matching(facts, r"ruby\d\.\d")), None)
    if pk:
        m = re.search(r"ruby(\d\.\d)", pk.name)
        v = m.group(1) if m else major_minor(pk.version)
        return v, ev_package(pk, f"ruby {v} installed ({pk.name} {pk.version})")
    return "", None


def server_of(p: Process) -> str:
    text = " ".join(p.cmdline) if p.cmdline else p.name
    if not any(h in text or h in p.exe for h in _HINTS):
        return ""  # every test below needs one of these words
    first = text.split()[0] if text.split() else ""
    for s in ("puma", "unicorn", "thin", "sidekiq"):
        if first.startswith(s) or re.search(rf"(^|/)({s})(_rails)?(\s|$)", " ".join(argv(p)[:3])):
            return s
    if "Passenger" in first or first.startswith("Passenger") or prog(p) in ("PassengerAgent", "passenger"):
        return "passenger"
    if re.match(r"ruby[\d.]*$", prog(p)) and any(a.endswith(("rackup", "rails")) for a in argv(p)[1:3]):
        return "rackup"
    return ""


def _workdir(facts: HostFacts, p: Process, strays: list[Process] = ()) -> str:
    """The app root: Passenger names it in its app process titles (or they run in it), the others run in it."""
    for x in [p] + descendants(facts, p.pid) + list(strays):
        m = re.search(r"Passenger (?:RubyApp|RackApp|AppPreloader): (/\S+)", " ".join(x.cmdline))
        if m:
            return m.group(1).removesuffix("/public")
    for x in [p] + list(strays):
        if x.cwd and x.cwd != "/":
            return x.cwd
    m = re.search(r"\[(/[^\]]+)\]", " ".join(p.cmdline))
    return m.group(1) if m else ""


def _passenger_agent(p: Process) -> bool:
    """Passenger's own watchdog/core (not an app process it spawned)."""
    return p.exe.endswith("/PassengerAgent") or " ".join(p.cmdline[:2]) in (
        "Passenger watchdog", "Passenger core", "PassengerAgent watchdog", "PassengerAgent core")


def apache_host(facts: HostFacts, p: Process) -> Optional[Process]:
    """The Apache parent process a Passenger agent runs under (mod_passenger), if any."""
    if server_of(p) != "passenger":
        return None
    host, cur = None, facts.process(p.ppid)
    while cur is not None and is_apache(cur):
        host, cur = cur, facts.process(cur.ppid) if cur.ppid and cur.ppid != cur.pid else None
    return host


@register
class Ruby(Detector):
    name = "ruby"
    stacks = ("puma", "unicorn", "thin", "sidekiq", "passenger", "rackup")
    order = 20

    def wants(self, facts: HostFacts) -> list[str]:
        out: list[str] = []
        for p in roots(facts, lambda x: bool(server_of(x))):
            wd = _workdir(facts, p)
            if wd:
                out += [join(wd, f) for f in ("Gemfile", "Gemfile.lock", "config.ru", "config/puma.rb", "config/unicorn.rb",
                                              "config/database.yml", ".ruby-version", ".env", "config/sidekiq.yml")]
            cfg = opt(argv(p), "-c", "-C", "--config")
            if cfg:
                out.append(cfg if cfg.startswith("/") else join(wd, cfg))
            out += service_env_files(facts, [p])
        if out:  # a distro-packaged Rails app (Debian's redmine) keeps its settings in /etc/<app>/
            out += packaged.wanted(facts)
        return uniq(out)

    def detect(self, facts: HostFacts) -> list[App]:
        found = roots(facts, lambda x: bool(server_of(x)))
        agents = [p for p in found if _passenger_agent(p)]
        # app processes whose preloader exited (idle) are reparented to init: they belong to
        # the Passenger instance on the host, not to an app of their own
        strays = [p for p in found if agents and server_of(p) == "passenger" and not _passenger_agent(p)]
        return [self._one(facts, p, strays if p is (agents[0] if agents else None) else [])
                for p in found if p not in strays]

    def _one(self, facts: HostFacts, p: Process, strays: list[Process] = ()) -> App:
        server = server_of(p)
        agents = tree(facts, p) + [x for s in strays for x in tree(facts, s)]
        host = apache_host(facts, p)
        procs = (tree(facts, host) + [x for s in strays for x in tree(facts, s)]) if host else agents
        wrapper = None if host else wrapper_parent(facts, p)
        if wrapper:
            procs.insert(0, wrapper)
        svc = service_of(facts, procs)
        wd = _workdir(facts, p, strays) or (svc.working_directory if svc else "")
        ev = [ev_process(p, f"{server}")]
        apache_files: list[str] = []
        if host:  # mod_passenger: the app answers where Apache listens, with the VM's virtual host
            ev.insert(0, ev_process(host, "apache parent; Passenger runs inside it (mod_passenger)"))
            ev += [ev_package(pk, f"mod_passenger provided by {pk.name} {pk.version}")
                   for pk in packages_matching(facts, r"libapache2-mod-passenger|mod_passenger|passenger")]
            apache_files = apache_config(facts, host)[2]
        if len(procs) > 1:
            ev.append(Evidence(kind="process", ref=", ".join(f"pid {x.pid}" for x in procs[1:9]),
                               detail=f"{len(procs) - 1} worker process(es)"))
        if svc:
            ev.append(ev_service(svc))
        lock = text_of(facts, join(wd, "Gemfile.lock"))
        gem = text_of(facts, join(wd, "Gemfile"))
        fw = ""
        m = re.search(r"^\s{4}rails \((\d+\.\d+)", lock, re.M)
        if m or re.search(r"gem ['\"]rails['\"]", gem):
            fw = "rails"
            ev.append(ev_file(join(wd, "Gemfile.lock" if m else "Gemfile"), f"rails {m.group(1) if m else ''}".strip()))
        elif re.search(r"gem ['\"]sinatra['\"]", gem) or "sinatra (" in lock:
            fw = "sinatra"
            ev.append(ev_file(join(wd, "Gemfile"), "sinatra"))
        rv = text_of(facts, join(wd, ".ruby-version")).strip().removeprefix("ruby-")
        rver, rev = ruby_version(facts, next((x for x in procs if "ruby" in x.exe.rsplit("/", 1)[-1]), p))
        if rv and not rver:
            rver = ".".join(rv.split(".")[:2])
            ev.append(ev_file(join(wd, ".ruby-version"), rv))
        elif rev:
            ev.append(rev)
        ports = []
        # under Apache, Passenger's app processes listen on loopback ports of its own choosing
        inner = {x.pid for x in agents} if host else set()
        for s in listening(facts, [x.pid for x in procs if x.pid not in inner]):
            ev.append(ev_port(s))
            ports.append(port_spec(facts, s, name="https" if host and s.port == 443 else "http", http=True))
        role = "worker" if server == "sidekiq" else "app"
        code, configs, data = [wd] if wd else [], existing(facts, [join(wd, f) for f in (
            "config/puma.rb", "config/unicorn.rb", "config/database.yml", ".env", "config/sidekiq.yml")] if wd else []), []
        logs = [join(wd, "log")] if wd else []
        lay = packaged.layout_of(facts, [wd]) if wd else None
        if lay:  # the package's trees, and the admin's settings and files outside them, follow the app
            ev += packaged.evidence(facts, lay)
            code = uniq(code + list(lay.code))
            configs = uniq([c for c in configs if not c.endswith("/config/database.yml")] + packaged.matching(facts, lay.config))
            data = packaged.data_paths(facts, lay)
            logs = list(lay.logs) or logs
        configs = uniq(configs + apache_files)
        if host:
            logs.append("/var/log/apache2" if "apache2" in (host.exe + host.name) else "/var/log/httpd")
        db, db_env, dev = database_of(facts, [], (packaged.matching(facts, lay.db_config) if lay else [])
                                      + ([join(wd, "config/database.yml")] if wd else []))
        ev += dev
        return App(
            name="worker" if role == "worker" else "web",
            role=role,
            stack="passenger-apache" if host else server,
            runtime="ruby",
            runtime_version=rver,
            framework=fw,
            confidence=clamp(0.75 + 0.1 * bool(fw) + 0.05 * bool(ports)),
            evidence=ev,
            pids=[x.pid for x in procs],
            ports=ports,
            command=list((host or p).cmdline),
            workdir=wd,
            user=next((x.user for x in procs if "App" in " ".join(x.cmdline[:2]) and x.user), p.user or (svc.user if svc else "")),
            # under Apache, the server's environment (Passenger's agents add their own internals)
            env=app_env(facts, host or p, svc) + [e for e in db_env if e.name not in {x.name for x in app_env(facts, host or p, svc)}],
            database=db,
            code_paths=code,
            config_files=configs,
            data_paths=data,
            log_paths=logs,
            service=service_name(svc),
            notes=["vendor/bundle: reinstall with bundle install from Gemfile.lock instead of copying"] if lock and not lay
            else [f"gems come from the distribution's packages ({lay.package} depends on ruby-rails & co.), "
                  "not from a bundle"] if lay else [],
        )
