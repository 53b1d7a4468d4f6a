"""nginx and Apache configuration as fetched from the VM: which files, which sites."""

from __future__ import annotations

import fnmatch
import re

from ..model import HostFacts, Process
from .common import argv, join, opt, prog, uniq
from .configs import WebSite, apache_sites, nginx_sites

NGINX_DEFAULTS = ["/etc/nginx/nginx.conf", "/etc/nginx/conf.d/*.conf", "/etc/nginx/sites-enabled/*",
                  "/etc/nginx/default.d/*.conf"]
APACHE_DEFAULTS = {
    "apache2": ["/etc/apache2/apache2.conf", "/etc/apache2/ports.conf", "/etc/apache2/sites-enabled/*",
                "/etc/apache2/conf-enabled/*.conf", "/etc/apache2/mods-enabled/php*.load",
                "/etc/apache2/mods-enabled/proxy_fcgi.load"],
    "httpd": ["/etc/httpd/conf/httpd.conf", "/etc/httpd/conf.d/*.conf", "/etc/httpd/conf.modules.d/*.conf"],
}


def is_nginx(p: Process) -> bool:
    return prog(p) == "nginx" or p.name == "nginx"


def is_apache(p: Process) -> bool:
    return prog(p) in ("httpd", "apache2", "httpd.worker", "httpd.event") or p.name in ("httpd", "apache2")


def apache_flavour(p: Process) -> str:
    return "apache2" if "apache2" in (prog(p), p.name) or "apache2" in p.exe else "httpd"


def _matches(facts: HostFacts, pattern: str) -> list[str]:
    if "*" not in pattern and "?" not in pattern:
        return [pattern] if facts.file(pattern) else []
    return sorted(f.path for f in facts.files if fnmatch.fnmatch(f.path, pattern) and "/" not in f.path[len(pattern.rsplit("/", 1)[0]) + 1 :])


def nginx_roots(p: Process) -> list[str]:
    conf = opt(argv(p), "-c") or "/etc/nginx/nginx.conf"
    return uniq([conf] + NGINX_DEFAULTS[1:])


def apache_roots(p: Process) -> tuple[str, list[str]]:
    flav = apache_flavour(p)
    args = argv(p)
    server_root = opt(args, "-d") or ("/etc/apache2" if flav == "apache2" else "/etc/httpd")
    conf = opt(args, "-f")
    paths = list(APACHE_DEFAULTS[flav])
    if conf:
        paths.insert(0, conf if conf.startswith("/") else join(server_root, conf))
    return server_root, paths


def _expand(facts: HostFacts, server_root: str, patterns: list[str], parse) -> tuple[list[str], list[str]]:
    """Follow includes through fetched files. Returns (files read, paths still wanted)."""
    read: list[str] = []
    wanted: list[str] = []
    todo = list(patterns)
    seen: set[str] = set()
    while todo:
        pat = todo.pop(0)
        if not pat.startswith("/"):
            pat = join(server_root, pat)
        if pat in seen:
            continue
        seen.add(pat)
        wanted.append(pat)
        for path in _matches(facts, pat):
            if path in read:
                continue
            read.append(path)
            for inc in parse(path, facts.file(path).content):
                if inc.endswith("mime.types"):
                    continue
                todo.append(inc if inc.endswith(("*", ".conf", ".load")) or "." in inc.rsplit("/", 1)[-1] else inc.rstrip("/") + "/*")
    return read, wanted


def nginx_files(facts: HostFacts, p: Process) -> tuple[list[str], list[str]]:
    return _expand(facts, "/etc/nginx", nginx_roots(p), lambda path, text: nginx_sites(path, text)[1])


def apache_files(facts: HostFacts, p: Process) -> tuple[list[str], list[str]]:
    root, pats = apache_roots(p)
    return _expand(facts, root, pats, lambda path, text: apache_sites(path, text)[1])


def nginx_config(facts: HostFacts, p: Process) -> tuple[list[WebSite], list[str], list[str]]:
    """(sites, global log paths, files read)."""
    files, _ = nginx_files(facts, p)
    sites, logs = [], []
    for f in files:
        s, _, lg = nginx_sites(f, facts.file(f).content)
        sites += s
        logs += lg
    return sites, logs, files


def apache_config(facts: HostFacts, p: Process) -> tuple[list[WebSite], dict[str, str], list[str]]:
    """(sites, global directives merged, files read)."""
    files, _ = apache_files(facts, p)
    sites: list[WebSite] = []
    glob: dict[str, str] = {}
    for f in files:
        s, _, g = apache_sites(f, facts.file(f).content)
        sites += s
        for k, v in g.items():
            glob[k] = (glob[k] + "\n" + v) if k in glob and k in ("loadmodule", "listen") else v
    return sites, glob, files


def upstreams(facts: HostFacts, files: list[str]) -> dict[str, list[str]]:
    """nginx ``upstream name { server host:port; }`` blocks."""
    out: dict[str, list[str]] = {}
    for f in files:
        text = facts.file(f).content
        for m in re.finditer(r"upstream\s+([\w.-]+)\s*\{([^}]*)\}", text):
            out[m.group(1)] = re.findall(r"^\s*server\s+([^\s;]+)", m.group(2), re.M)
    return out


def target_of(url: str, ups: dict[str, list[str]]) -> list[str]:
    """``http://app:8000/x`` -> ``["127.0.0.1:8000"]`` via upstreams; ``unix:/run/x.sock`` kept."""
    u = re.sub(r"^[a-z]+://", "", url).split("/", 1)[0]
    if url.startswith("unix:") or u.startswith("unix:"):
        return [url if url.startswith("unix:") else u]
    if u in ups:
        return ups[u]
    if ":" not in u:
        u += ":443" if url.startswith("https") else ":80"
    return [u]
