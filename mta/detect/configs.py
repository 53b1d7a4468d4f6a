"""Small tolerant parsers for the config files detectors read.

They never raise on odd input: a config we cannot parse just yields less.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional


def strip_comments(text: str, marker: str = "#") -> str:
    out = []
    for line in text.splitlines():
        idx = line.find(marker)
        out.append(line if idx < 0 else line[:idx])
    return "\n".join(out)


# --- key/value formats -----------------------------------------------------


def keyvalues(text: str, sep: str = "=") -> dict[str, str]:
    """``key = value`` / ``key value`` lines (postgresql.conf, redis.conf, php.ini, properties)."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;!":
            continue
        if sep in line:
            k, v = line.split(sep, 1)
        elif sep == "=" and " " in line:
            k, v = line.split(None, 1)
        else:
            continue
        v = re.sub(r"\s+#.*$", "", v.strip())
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            v = v[1:-1]
        out[k.strip()] = v
    return out


def ini_sections(text: str) -> dict[str, dict[str, str]]:
    """INI sections (my.cnf, php-fpm pools, uwsgi)."""
    out: dict[str, dict[str, str]] = {}
    cur = out.setdefault("", {})
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        m = re.fullmatch(r"\[([^\]]+)\]", line)
        if m:
            cur = out.setdefault(m.group(1).strip(), {})
            continue
        if "=" in line:
            k, v = line.split("=", 1)
            v = v.strip().strip("'\"")
            cur[k.strip()] = v
        else:
            cur[line] = ""
    return out


def redis_conf(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        out[parts[0].lower()] = parts[1].strip().strip('"') if len(parts) > 1 else ""
    return out


# --- nginx -----------------------------------------------------------------


@dataclass
class WebSite:
    """One nginx server / Apache VirtualHost, reduced to what placement needs."""

    source: str
    listen: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)  # root / alias / DocumentRoot
    proxies: list[str] = field(default_factory=list)  # proxy_pass / ProxyPass targets
    fastcgi: list[str] = field(default_factory=list)  # fastcgi_pass / proxy:fcgi / SetHandler
    uwsgi: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    php: bool = False  # \.php$ handling present
    passenger: bool = False  # passenger_enabled on / PassengerAppRoot


def _nginx_tokens(text: str) -> list[str]:
    text = strip_comments(text)
    return re.findall(r"\"[^\"]*\"|'[^']*'|[{};]|[^\s{};]+", text)


def nginx_sites(path: str, text: str) -> tuple[list[WebSite], list[str], list[str]]:
    """Server blocks, ``include`` targets and http-level log paths of one nginx file."""
    toks = _nginx_tokens(text)
    sites: list[WebSite] = []
    includes: list[str] = []
    logs: list[str] = []
    stack: list[str] = []
    stmt: list[str] = []
    cur: Optional[WebSite] = None
    for t in toks:
        if t == "{":
            ctx = stmt[0] if stmt else ""
            stack.append(ctx)
            if ctx == "server" and "http" in stack[:-1] or ctx == "server" and not stack[:-1]:
                cur = WebSite(source=path)
                sites.append(cur)
            if ctx == "location" and cur is not None and any(".php" in s for s in stmt[1:]):
                cur.php = True
            stmt = []
        elif t == "}":
            if stack and stack.pop() == "server":
                cur = None
            stmt = []
        elif t == ";":
            if stmt:
                key, args = stmt[0], [a.strip("\"'") for a in stmt[1:]]
                if key == "include" and args:
                    includes.append(args[0])
                elif key in ("access_log", "error_log") and args and args[0] not in ("off", "syslog"):
                    (cur.logs if cur else logs).append(args[0])
                elif cur is not None and args:
                    if key == "listen":
                        m = re.search(r"(\d+)(?!.*:)", args[0].split("]")[-1])
                        if m:
                            cur.listen.append(int(m.group(1)))
                    elif key == "server_name":
                        cur.names.extend(a for a in args if a != "_")
                    elif key in ("root", "alias"):
                        cur.roots.append(args[0].rstrip("/") or "/")
                    elif key == "proxy_pass":
                        cur.proxies.append(args[0])
                    elif key == "fastcgi_pass":
                        cur.fastcgi.append(args[0])
                    elif key == "uwsgi_pass":
                        cur.uwsgi.append(args[0])
                    elif key == "passenger_enabled" and args[0] == "on":
                        cur.passenger = True
            stmt = []
        else:
            stmt.append(t)
    for s in sites:
        if not s.listen:
            s.listen.append(80)
    return sites, includes, logs


# --- apache ----------------------------------------------------------------


def apache_sites(path: str, text: str) -> tuple[list[WebSite], list[str], dict[str, str]]:
    """VirtualHosts, Include targets and global directives of one Apache file."""
    sites: list[WebSite] = []
    includes: list[str] = []
    glob: dict[str, str] = {}
    cur: Optional[WebSite] = None
    in_php = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        low = line.lower()
        m = re.match(r"<virtualhost\s+([^>]*)>", low)
        if m:
            cur = WebSite(source=path)
            for addr in m.group(1).split():
                pm = re.search(r":(\d+)$", addr)
                cur.listen.append(int(pm.group(1)) if pm else 80)
            sites.append(cur)
            continue
        if low.startswith("</virtualhost"):
            cur = None
            continue
        if re.match(r"<filesmatch\s+.*\.php|<files\s+.*\.php", low):
            in_php = True
        if low.startswith("</filesmatch") or low.startswith("</files"):
            in_php = False
        parts = re.findall(r"\"[^\"]*\"|\S+", line)
        key = parts[0].lower()
        args = [a.strip('"') for a in parts[1:]]
        if key in ("include", "includeoptional") and args:
            includes.append(args[0])
            continue
        if key in ("listen",) and args and cur is None:
            glob.setdefault("listen", "")
            glob["listen"] = (glob["listen"] + " " + args[0]).strip()
            continue
        if key in ("serverroot", "documentroot", "user", "group", "errorlog", "customlog", "loadmodule") and cur is None and args:
            glob[key] = (glob.get(key, "") + "\n" + " ".join(args)).strip() if key == "loadmodule" else args[0]
        if cur is None:
            continue
        if key == "documentroot" and args:
            cur.roots.append(args[0].rstrip("/") or "/")
        elif key == "alias" and len(args) >= 2:
            cur.roots.append(args[1].rstrip("/"))
        elif key in ("servername", "serveralias") and args:
            cur.names.extend(args)
        elif key in ("proxypass",) and len(args) >= 2 and args[1] != "!":
            target = args[1]
            (cur.fastcgi if target.startswith("fcgi://") else cur.proxies).append(target)
        elif key == "sethandler" and args and "proxy:" in args[0]:
            cur.fastcgi.append(args[0].split("proxy:", 1)[1].strip('"'))
            cur.php = cur.php or in_php
        elif key in ("errorlog", "customlog") and args:
            cur.logs.append(args[0])
        elif key in ("passengerapproot", "passengerruby", "passengerenabled") and args and args[0].lower() != "off":
            cur.passenger = True
    return sites, includes, glob


# --- endpoints: where an app connects --------------------------------------

_DEFAULT_PORTS = {
    "postgres": 5432, "postgresql": 5432, "mysql": 3306, "mariadb": 3306, "redis": 6379, "rediss": 6379,
    "amqp": 5672, "mongodb": 27017, "memcached": 11211, "http": 80, "https": 443, "sqlserver": 1433,
    "oracle": 1521, "ldap": 389,
}


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    scheme: str
    where: str  # "DATABASE_URL in env", "/srv/app/settings.py"


def endpoints(text: str, where: str) -> list[Endpoint]:
    """Host:port pairs a config names: URLs, JDBC URLs, Django DATABASES, wp-config DB_HOST."""
    out: list[Endpoint] = []
    for m in re.finditer(r"(?:jdbc:)?([a-z][a-z0-9+]*)://(?:[^@/\s'\"]*@)?(\[[^\]]+\]|[A-Za-z0-9_.-]+)(?::(\d+))?", text):
        scheme = m.group(1).split("+")[0].lower()
        if scheme == "jdbc":
            continue
        port = int(m.group(3)) if m.group(3) else _DEFAULT_PORTS.get(scheme)
        if port:
            out.append(Endpoint(m.group(2).strip("[]"), port, scheme, where))
    # Django DATABASES: 'ENGINE': '...postgresql...', 'HOST': 'x', 'PORT': '5432'
    for block in re.finditer(r"['\"]ENGINE['\"]\s*:\s*['\"][\w.]*?(postgresql|mysql|oracle)[\w.]*['\"](.*?)(?:\}|$)", text, re.S):
        kind = block.group(1)
        body = block.group(2)
        host = re.search(r"['\"]HOST['\"]\s*:\s*['\"]([^'\"]*)['\"]", body)
        port = re.search(r"['\"]PORT['\"]\s*:\s*['\"]?(\d+)", body)
        h = host.group(1) if host and host.group(1) else "localhost"
        out.append(Endpoint(h, int(port.group(1)) if port else _DEFAULT_PORTS[kind], kind, where))
    # WordPress / PHP: define('DB_HOST', 'localhost:3306');
    for m in re.finditer(r"define\(\s*['\"]DB_HOST['\"]\s*,\s*['\"]([^'\":]+)(?::(\d+))?['\"]", text):
        out.append(Endpoint(m.group(1), int(m.group(2)) if m.group(2) else 3306, "mysql", where))
    # Rails database.yml / generic host:+port: lines
    for m in re.finditer(r"adapter:\s*(postgresql|mysql2?)\b(.*?)(?:\n\S|\Z)", text, re.S):
        body = m.group(2)
        host = re.search(r"\bhost:\s*['\"]?([\w.-]+)", body)
        port = re.search(r"\bport:\s*(\d+)", body)
        kind = "postgresql" if m.group(1).startswith("postgres") else "mysql"
        out.append(Endpoint(host.group(1) if host else "localhost", int(port.group(1)) if port else _DEFAULT_PORTS[kind], kind, where))
    # Spring-style host/port properties for redis etc.
    props = keyvalues(text)
    for key, val in props.items():
        mk = re.fullmatch(r"(?:spring\.)?(redis|data\.redis|rabbitmq|datasource)\.host", key)
        if mk:
            port_key = key[: -len("host")] + "port"
            port = props.get(port_key, "")
            kind = mk.group(1).split(".")[-1]
            dport = {"redis": 6379, "rabbitmq": 5672}.get(kind)
            if port.isdigit() or dport:
                out.append(Endpoint(val, int(port) if port.isdigit() else dport, kind, where))
    return out
