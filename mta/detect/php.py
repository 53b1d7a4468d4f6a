"""PHP apps: Apache with mod_php, and php-fpm (behind nginx or Apache).

The web server process of a mod_php site IS the app. For php-fpm the pool
master is the app and the web server in front becomes its proxy.
"""

from __future__ import annotations

import re
from typing import Optional

from ..model import App, EnvVar, Evidence, HostFacts, Process
from ..model.plan import DbSettings
from . import packaged, versions
from .common import (
    app_env, clamp, ev_file, ev_package, ev_port, ev_process, ev_service, existing, join, listening,
    packages_matching, port_spec, roots, service_of, service_name, tree, uniq,
)
from .configs import db_config, ini_sections
from .registry import Detector, register
from .websites import apache_config, apache_files, apache_flavour, is_apache, is_nginx, nginx_config

APPS = (  # (file under the document root, framework)
    ("wp-config.php", "wordpress"), ("sites/default/settings.php", "drupal"), ("configuration.php", "joomla"),
    ("artisan", "laravel"), ("app/etc/env.php", "magento"), ("app/etc/local.xml", "magento"),
    ("config/config.php", "nextcloud"), ("index.php", ""),
)


def is_fpm(p: Process) -> bool:
    text = " ".join(p.cmdline) if p.cmdline else p.name
    return text.startswith("php-fpm") or p.name.startswith("php-fpm") or bool(re.match(r"php\d?(\.\d)?-fpm", p.name))


def _fpm_conf(p: Process) -> str:
    m = re.search(r"master process \(([^)]+)\)", " ".join(p.cmdline))
    if m:
        return m.group(1)
    v = re.search(r"(\d\.\d)", p.exe or p.name)
    return f"/etc/php/{v.group(1)}/fpm/php-fpm.conf" if v else "/etc/php-fpm.conf"


def _pool_globs(conf: str) -> list[str]:
    d = conf.rsplit("/", 1)[0]
    return [join(d, "pool.d/*.conf"), join(d, "php-fpm.d/*.conf"), "/etc/php-fpm.d/*.conf"]


#: where plain PHP apps keep their database settings, relative to the document root
#: (and its parent, for apps that keep .env / config beside a public/ docroot)
DB_CONFIGS = ("config.php", ".env", "config/database.php", "includes/config.php", "inc/config.php",
              "config.inc.php", "include/config.php", "app/config.php", "db.php", "includes/db.php")


def _docroot_wants(root: str) -> list[str]:
    parent = root.rsplit("/", 1)[0] if root.rstrip("/").endswith("/public") else ""
    return ([join(root, f) for f, _ in APPS if f != "index.php"] + [join(root, "composer.json"), join(root, ".htaccess")]
            + [join(root, f) for f in DB_CONFIGS] + ([join(parent, f) for f in DB_CONFIGS] if parent else []))


def database_of(facts: HostFacts, roots_: list[str], first: Optional[list[str]] = None,
                ) -> tuple[Optional[DbSettings], list[EnvVar], list[Evidence]]:
    """The app's DB settings from the first fetched config that names them (``first``, then
    the configs under the roots), the env vars the config reads them from (so a container
    can point them elsewhere), and the evidence."""
    cands = list(first or [])
    for root in roots_:
        parent = root.rsplit("/", 1)[0] if root.rstrip("/").endswith("/public") else ""
        cands += [join(root, m) for m, fw in APPS if fw] + [join(root, f) for f in DB_CONFIGS]
        cands += [join(parent, f) for f in DB_CONFIGS] if parent else []
    for path in cands:
        f = facts.file(path)
        dbc = db_config(path, f.content) if f else None
        if not dbc:
            continue
        env = dbc.env
        db = DbSettings(file=path, kind=dbc.kind, host=dbc.host, port=dbc.port, name=dbc.name, user=dbc.user,
                        host_env=env.get("host", ""), name_env=env.get("name", ""), user_env=env.get("user", ""),
                        password_env=env.get("password", "") if dbc.has_password else "")
        vars_ = [EnvVar(name=env[r], value=v) for r, v in (("host", dbc.host), ("name", dbc.name), ("user", dbc.user))
                 if env.get(r) and v]
        if db.password_env:
            vars_.append(EnvVar(name=db.password_env, value=None))  # a secret: supplied, never copied
        where = ", ".join(x for x in (f"host {dbc.host}" if dbc.host else "", f"database {dbc.name}" if dbc.name else "",
                                      f"user {dbc.user}" if dbc.user else "") if x)
        reads = f" (read from env {', '.join(env.values())} first)" if env else ""
        return db, vars_, [ev_file(path, f"{dbc.kind} settings: {where}{reads}"[:300])]
    return None, [], []


def app_in(facts: HostFacts, roots_: list[str]) -> tuple[str, str, list[Evidence]]:
    """(framework, the document root holding it, evidence) for fetched marker files."""
    for root in roots_:
        for marker, fw in APPS:
            path = join(root, marker)
            if fw and facts.file(path):
                return fw, root, [ev_file(path, f"{fw} installation")]
    return "", roots_[0] if roots_ else "", []


def mod_php(facts: HostFacts, apache: Process) -> list[Evidence]:
    ev: list[Evidence] = []
    for pk in packages_matching(facts, r"libapache2-mod-php[\d.]*|php|mod_php|php\d\d?-php|rh-php\d\d-php"):
        if pk.name.startswith("libapache2-mod-php") or pk.name in ("php", "mod_php") or pk.name.endswith("-php"):
            ev.append(ev_package(pk, f"mod_php provided by {pk.name} {pk.version}"))
    _, glob, files = apache_config(facts, apache)
    for line in glob.get("loadmodule", "").splitlines():
        if re.match(r"php\d?_module", line):
            ev.append(Evidence(kind="file", ref="LoadModule", detail=line))
    for f in files:
        if re.search(r"mods-enabled/php[\d.]*\.load$", f):
            ev.append(ev_file(f, "mod_php enabled"))
        elif "LoadModule php" in facts.file(f).content and not any(e.ref == f for e in ev):
            ev.append(ev_file(f, "LoadModule php"))
    return ev


@register
class Php(Detector):
    name = "php"
    stacks = ("php-apache", "php-fpm")
    order = 20

    def wants(self, facts: HostFacts) -> list[str]:
        out: list[str] = []
        for p in roots(facts, is_fpm):
            conf = _fpm_conf(p)
            out += [conf] + _pool_globs(conf)
        pv, _ = versions.php(facts)
        out += [f"/etc/php/{pv}/apache2/php.ini", f"/etc/php/{pv}/fpm/php.ini"] if pv else []
        if pv or any(is_fpm(p) for p in facts.processes):
            out.append("/etc/php.ini")
        # distro-packaged apps (Debian's wordpress, mediawiki) keep their settings in /etc/<app>/
        out += packaged.wanted(facts)
        # document roots of every web server: WordPress & co. are recognised by marker files
        has_php = bool(pv) or bool(packages_matching(facts, r"php.*|mod_php|libapache2-mod-php.*"))
        for p in roots(facts, is_apache) if has_php else []:
            sites, _, _ = apache_config(facts, p)
            for s in sites:
                for r in s.roots:
                    out += _docroot_wants(r)
            out += apache_files(facts, p)[1]
        for p in roots(facts, is_nginx):
            sites, _, _ = nginx_config(facts, p)
            for s in sites:
                if s.fastcgi or s.php:
                    for r in s.roots:
                        out += _docroot_wants(r)
        # Site configs arrive in the same round trip as these wants, so their docroots are
        # usually unknown here: ask for the distributions' default docroot as well.
        if has_php and any(is_apache(p) or is_nginx(p) or is_fpm(p) for p in facts.processes):
            out += _docroot_wants("/var/www/html")
        return uniq(out)

    def detect(self, facts: HostFacts) -> list[App]:
        apps = []
        for p in roots(facts, is_apache):
            ev = mod_php(facts, p)
            if ev:
                apps.append(self._apache(facts, p, ev))
        for p in roots(facts, is_fpm):
            apps.append(self._fpm(facts, p))
        return apps

    def _apache(self, facts: HostFacts, p: Process, php_ev: list[Evidence]) -> App:
        procs = tree(facts, p)
        svc = service_of(facts, procs)
        sites, glob, files = apache_config(facts, p)
        flav = apache_flavour(p)
        ev = [ev_process(p, f"{flav} parent"), Evidence(kind="process", ref=", ".join(f"pid {x.pid}" for x in procs[1:9]),
                                                        detail=f"{len(procs) - 1} {flav} child process(es)")] + php_ev
        if svc:
            ev.append(ev_service(svc))
        docroots = uniq([r for s in sites for r in s.roots] + ([glob["documentroot"]] if glob.get("documentroot") else []))
        fw, root, fev = app_in(facts, docroots or ["/var/www/html"])
        ev += fev
        lay = packaged.layout_of(facts, docroots)
        if lay:
            fw, ev = lay.framework, ev + packaged.evidence(facts, lay)
        pv, pev = versions.php(facts)
        if pev:
            ev.append(pev)
        av, aev = versions.from_packages(facts, "apache2", "httpd", label="apache")
        if aev:
            ev.append(aev)
        ports = []
        for s in listening(facts, [x.pid for x in procs]):
            ev.append(ev_port(s))
            ports.append(port_spec(facts, s, name="https" if s.port == 443 else "http", http=True))
        ini = existing(facts, [f"/etc/php/{pv}/apache2/php.ini", "/etc/php.ini"])
        data = [join(root, "wp-content/uploads")] if fw == "wordpress" else []
        if fw == "drupal":
            data = [join(root, "sites/default/files")]
        marker = {f: m for m, f in APPS}.get(fw, "")
        configs = ini + files + existing(facts, [join(root, marker)] if marker else [])
        if lay:  # the package's trees and the admin's settings outside them follow the app
            docroots, data = uniq(docroots + list(lay.code)), list(lay.data)
            configs += packaged.matching(facts, lay.config)
        db, db_env, dev = database_of(facts, docroots or ["/var/www/html"],
                                      packaged.matching(facts, lay.db_config) if lay else None)
        ev += dev
        configs += [db.file] if db else []
        return App(
            name="web",
            stack="php-apache",
            runtime="php",
            runtime_version=pv,
            framework=fw,
            stack_version=av,
            confidence=clamp(0.75 + 0.1 * bool(sites) + 0.1 * bool(fw)),
            evidence=ev,
            pids=[x.pid for x in procs],
            ports=ports,
            command=list(p.cmdline),
            workdir=root,
            user=_worker_user(procs, glob, p),
            env=_merge_env(app_env(facts, p, svc), db_env),
            code_paths=docroots or ["/var/www/html"],
            config_files=uniq(configs),
            data_paths=data,
            log_paths=[f"/var/log/{flav}"],
            service=service_name(svc),
            database=db,
        )

    def _fpm(self, facts: HostFacts, p: Process) -> App:
        procs = tree(facts, p)
        svc = service_of(facts, procs)
        conf = _fpm_conf(p)
        ev = [ev_process(p, "php-fpm master")]
        pools = sorted({re.sub(r"^php-fpm: pool ", "", " ".join(c.cmdline)) for c in procs[1:] if c.cmdline})
        if len(procs) > 1:
            ev.append(Evidence(kind="process", ref=", ".join(f"pid {x.pid}" for x in procs[1:9]),
                               detail=f"{len(procs) - 1} pool worker(s): {', '.join(pools)[:120]}"))
        if svc:
            ev.append(ev_service(svc))
        pool_files = [f.path for f in facts.files if any(_fnmatch(f.path, g) for g in _pool_globs(conf))]
        listens, users, chdirs = [], [], []
        for f in pool_files:
            for name, sec in ini_sections(f and facts.file(f).content).items():
                if name and sec.get("listen"):
                    listens.append(sec["listen"])
                    users.append(sec.get("user", ""))
                    if sec.get("chdir"):
                        chdirs.append(sec["chdir"])
                    ev.append(ev_file(f, f"pool [{name}] listens on {sec['listen']}"))
        pv, pev = versions.php(facts, p)
        if pev:
            ev.append(pev)
        ports = []
        for s in listening(facts, [x.pid for x in procs]):
            ev.append(ev_port(s, f"FastCGI on {s.address}:{s.port}"))
            ports.append(port_spec(facts, s, name="fastcgi", http=False))
        # Document roots come from the web server that passes PHP here.
        roots_: list[str] = []
        for w in roots(facts, is_nginx):
            sites, _, _ = nginx_config(facts, w)
            roots_ += [r for s in sites if s.fastcgi or s.php for r in s.roots]
        for w in roots(facts, is_apache):
            sites, _, _ = apache_config(facts, w)
            roots_ += [r for s in sites if s.fastcgi for r in s.roots]
        roots_ = uniq(roots_ + chdirs)
        fw, root, fev = app_in(facts, roots_)
        ev += fev
        marker = {f: m for m, f in APPS}.get(fw, "")
        data = [join(root, "wp-content/uploads")] if fw == "wordpress" else []
        lay = packaged.layout_of(facts, roots_)
        layout_configs: list[str] = []
        if lay:  # the package's trees and the admin's settings outside them follow the app
            fw, ev = lay.framework, ev + packaged.evidence(facts, lay)
            roots_, data = uniq(roots_ + list(lay.code)), list(lay.data)
            layout_configs = packaged.matching(facts, lay.config)
        db, db_env, dev = database_of(facts, roots_, packaged.matching(facts, lay.db_config) if lay else None)
        ev += dev
        unix = [x for x in listens if x.startswith("/")]
        notes = [f"listens on unix socket {u}; the container listens on TCP 9000 instead" for u in unix]
        return App(
            name="web",
            stack="php-fpm",
            runtime="php",
            runtime_version=pv,
            framework=fw,
            confidence=clamp(0.8 + 0.1 * bool(pool_files) + 0.05 * bool(fw)),
            evidence=ev,
            pids=[x.pid for x in procs],
            ports=ports,
            command=list(p.cmdline),
            workdir=root,
            user=next((u for u in users if u), procs[-1].user if len(procs) > 1 else p.user),
            env=_merge_env(app_env(facts, p, svc), db_env),
            code_paths=roots_,
            config_files=uniq(existing(facts, [conf]) + pool_files + existing(facts, [f"/etc/php/{pv}/fpm/php.ini", "/etc/php.ini"])
                              + existing(facts, [join(root, marker)] if marker else []) + layout_configs
                              + ([db.file] if db else [])),
            data_paths=data,
            log_paths=["/var/log/php-fpm" if "/etc/php-fpm" in conf else f"/var/log/php{pv}-fpm.log"],
            service=service_name(svc),
            notes=notes,
            database=db,
        )


def _merge_env(env: list[EnvVar], extra: list[EnvVar]) -> list[EnvVar]:
    """The process environment wins: it is what the app really read."""
    have = {e.name for e in env}
    return env + [e for e in extra if e.name not in have]


def _fnmatch(path: str, pattern: str) -> bool:
    import fnmatch

    return fnmatch.fnmatch(path, pattern) and path.count("/") == pattern.count("/")


def _worker_user(procs: list[Process], glob: dict[str, str], p: Process) -> str:
    kids = [x.user for x in procs[1:] if x.user]
    return kids[0] if kids else (glob.get("user", "") or p.user)
