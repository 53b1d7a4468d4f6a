"""nginx and Apache on their own: a static site, or the reverse proxy of an app.

A server that passes requests to a local app (proxy_pass, fastcgi_pass,
uwsgi_pass, ProxyPass) becomes role ``proxy``; its upstreams are named in
evidence ("passes HTTP to 127.0.0.1:8000") and resolved to apps afterwards.
A server with only document roots is a static site.
"""

from __future__ import annotations

from ..model import App, Evidence, HostFacts, Process
from . import packaged, versions
from .common import (
    app_env, clamp, ev_file, ev_port, ev_process, ev_service, listening, port_spec, roots, service_of,
    service_name, tree, uniq,
)
from .configs import WebSite
from .registry import Detector, register
from .websites import apache_config, apache_files, apache_flavour, is_apache, is_nginx, nginx_config, nginx_files, target_of, upstreams

DEFAULT_ROOTS = {"/usr/share/nginx/html", "/var/www/html", "/usr/share/nginx/www", "/var/www"}


@register
class WebServer(Detector):
    name = "webserver"
    stacks = ("static-nginx", "static-apache", "nginx-proxy", "apache-proxy")
    order = 40

    def wants(self, facts: HostFacts) -> list[str]:
        out: list[str] = []
        for p in roots(facts, is_nginx):
            out += nginx_files(facts, p)[1]
        for p in roots(facts, is_apache):
            out += apache_files(facts, p)[1]
        return uniq(out)

    def detect(self, facts: HostFacts) -> list[App]:
        apps = []
        for p in roots(facts, is_nginx):
            sites, logs, files = nginx_config(facts, p)
            ups = upstreams(facts, files)
            apps.append(self._one(facts, p, "nginx", sites, files, ups, logs or ["/var/log/nginx"]))
        for p in roots(facts, is_apache):
            sites, glob, files = apache_config(facts, p)
            flav = apache_flavour(p)
            extra = [] if sites or not glob.get("documentroot") else [WebSite(source=files[0], roots=[glob["documentroot"]])]
            apps.append(self._one(facts, p, flav, sites + extra, files, {}, [f"/var/log/{flav}"]))
        return apps

    def _one(self, facts: HostFacts, p: Process, server: str, sites: list[WebSite], files: list[str],
             ups: dict[str, list[str]], logs: list[str]) -> App:
        procs = tree(facts, p)
        svc = service_of(facts, procs)
        kind = "nginx" if server == "nginx" else "apache"
        ev = [ev_process(p, f"{server} master" if server == "nginx" else f"{server} parent")]
        if len(procs) > 1:
            ev.append(Evidence(kind="process", ref=", ".join(f"pid {x.pid}" for x in procs[1:9]),
                               detail=f"{len(procs) - 1} worker/child process(es)"))
        if svc:
            ev.append(ev_service(svc))
        version, vev = versions.from_packages(facts, *(("nginx", "nginx-core", "nginx-full", "nginx-light") if kind == "nginx"
                                                       else ("apache2", "httpd")), label=kind)
        if vev:
            ev.append(vev)
        passes = 0
        doc_roots: list[str] = []
        for s in sites:
            label = f"server {' '.join(s.names) or '_'} on :{','.join(map(str, s.listen))}"
            for url in s.proxies:
                proto = url.split("://", 1)[0].upper() if "://" in url else "HTTP"
                for t in target_of(url, ups):
                    ev.append(ev_file(s.source, f"{label} passes {proto} to {t}"))
                    passes += 1
            for url in s.fastcgi:
                for t in target_of(url, ups):
                    ev.append(ev_file(s.source, f"{label} passes FastCGI to {t}"))
                    passes += 1
            for url in s.uwsgi:
                for t in target_of(url, ups):
                    ev.append(ev_file(s.source, f"{label} passes uwsgi to {t}"))
                    passes += 1
            if s.passenger:
                for r in s.roots or ["?"]:
                    ev.append(ev_file(s.source, f"{label} passes Passenger to app {r}"))
                    passes += 1
            for r in s.roots:
                ev.append(ev_file(s.source, f"{label} serves files from {r}"))
            doc_roots += s.roots
            logs += [_log_path(x, kind) for x in s.logs]
        lay = packaged.layout_of(facts, doc_roots)
        if lay and lay.code[0] in doc_roots:
            # a packaged app's web root links into its other trees (Debian's /var/lib/mediawiki -> /usr/share/mediawiki)
            doc_roots += list(lay.code)
            ev += packaged.evidence(facts, lay)
        role = "proxy" if passes else "app"
        only_default = not files or (not passes and set(doc_roots) <= DEFAULT_ROOTS)
        conf = 0.8 if files else 0.45
        if only_default and role == "app":
            conf = 0.4
        ports = []
        for s in listening(facts, [x.pid for x in procs]):
            ev.append(ev_port(s))
            ports.append(port_spec(facts, s, name="https" if s.port == 443 else "http", http=True))
        notes = []
        if role == "proxy" and doc_roots:
            notes.append(f"also serves files from {', '.join(uniq(doc_roots))}")
        if not files:
            notes.append(f"{server} configuration was not fetched; document roots guessed")
            doc_roots = ["/usr/share/nginx/html" if kind == "nginx" else "/var/www/html"]
        stack = f"{kind}-proxy" if role == "proxy" else f"static-{kind}"
        return App(
            name=kind if role == "proxy" else "static",
            role=role,
            stack=stack,
            runtime=server if server != "apache2" else "httpd",
            runtime_version=version,
            stack_version=version,
            confidence=clamp(conf),
            evidence=ev,
            pids=[x.pid for x in procs],
            ports=ports,
            command=list(p.cmdline),
            workdir="",
            user=next((x.user for x in procs[1:] if x.user), p.user),
            env=app_env(facts, p, svc),
            code_paths=uniq(doc_roots),
            config_files=files,
            log_paths=uniq(x for x in logs if x),
            service=service_name(svc),
            notes=notes,
        )


def _log_path(path: str, kind: str) -> str:
    """Apache logs are often relative to ServerRoot or use ${APACHE_LOG_DIR}."""
    if path.startswith("|"):
        return ""
    path = path.replace("${APACHE_LOG_DIR}", "/var/log/apache2")
    if path.startswith("logs/"):
        return "/var/log/httpd/" + path[5:]
    return path if path.startswith("/") else ""
