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
    # PHP apps and .env files: $db_host = getenv('DB_HOST') ?: 'localhost'; DB_HOST=127.0.0.1
    app_conf = where.startswith("/") and (where.endswith(".php") or where.rsplit("/", 1)[-1].startswith(".env"))
    dbc = db_config(where, text) if app_conf else None
    host = dbc.host.partition(":")[0] if dbc else ""
    if dbc and host and not host.startswith("$") and not any((e.host, e.port) == (host, dbc.port) for e in out):
        out.append(Endpoint(host, dbc.port, "postgresql" if dbc.kind == "postgres" else "mysql", where))
    return out


# --- application database settings (PHP config.php, .env, config/database.php) ------

_Q = r"""(?P<q{n}>["'])(?P<v{n}>(?:\\.|(?!(?P=q{n})).)*)(?P=q{n})"""
# getenv('X') ?: 'd' | getenv('X') ?? 'd' | $_ENV['X'] ?? 'd' | $_SERVER['X'] ?? 'd' | env('X', 'd') | 'd'
_FROM_ENV = (r"""(?:getenv\(\s*["'](?P<e1>\w+)["']\s*\)|\$_(?:ENV|SERVER)\[\s*["'](?P<e2>\w+)["']\s*\])"""
             r"""(?:\s*(?:\?:|\?\?|\|\|)\s*""" + _Q.format(n=1) + ")?")
_LARAVEL_ENV = r"""env\(\s*["'](?P<e3>\w+)["']\s*(?:,\s*""" + _Q.format(n=2) + r")?\s*\)"
_VALUE = rf"(?:{_FROM_ENV}|{_LARAVEL_ENV}|{_Q.format(n=3)})"
_PHP_SETTING = re.compile(
    r"""(?:\$(?P<var>\w+)(?:\[\s*["'](?P<idx>\w+)["']\s*\])?\s*=(?!=)"""  # $db_host = … / $cfg['host'] = …
    r"""|\bdefine\(\s*["'](?P<const>\w+)["']\s*,"""  # define('DB_HOST', …)
    r"""|["'](?P<key>\w+)["']\s*=>)"""  # 'host' => …
    rf"""\s*{_VALUE}"""
)
_ENV_LINE = re.compile(r"""^\s*(?:export\s+)?(?P<key>[A-Za-z_]\w*)\s*=\s*(?P<val>"[^"]*"|'[^']*'|[^\s#]*)""", re.M)
_DB_WORD = re.compile(r"(?i)(?:^|_|\b)(db|database|mysql|mariadb|pg|pgsql|postgres|postgresql|sql)(?:_|$|[a-z]*(?:host|name|user|pass))")
_ROLES = (  # (role, endings of the squashed lower-case key)
    ("password", ("password", "passwd", "pass", "pwd")),
    ("user", ("username", "user", "login")),
    ("name", ("dbname", "databasename", "database", "schema")),
    ("host", ("hostname", "host", "server")),
    ("port", ("port",)),
)


@dataclass
class DbConfig:
    """What an app's own config says about its database; a password is only ever named, never kept."""

    path: str
    kind: str = "mysql"
    host: str = ""
    port: int = 0
    name: str = ""
    user: str = ""
    env: dict[str, str] = field(default_factory=dict)  # role -> env var the setting is read from
    has_password: bool = False


def _role(key: str) -> str:
    squashed = re.sub(r"[^a-z]", "", key.lower())
    for role, ends in _ROLES:
        if squashed.endswith(ends):
            return role
    return ""


def db_config(path: str, text: str) -> Optional[DbConfig]:
    """DB host/name/user (and which env vars supply them) from a PHP config or a .env file.

    Keys count only when they name a database (DB_HOST, $dbname, 'database') or the file
    itself is about one (config/database.php, .env with DB_* keys)."""
    base = path.rsplit("/", 1)[-1].lower()
    if base.endswith((".yml", ".yaml")):
        return _rails_database(path, text)
    db_file = "database" in base or base.startswith("db")
    out = DbConfig(path=path)
    found: dict[str, tuple[str, str]] = {}  # role -> (env var, literal default)

    def take(key: str, env: str, value: str) -> None:
        role = _role(key) or (_role(env) if env else "")
        if not role or role in found:
            return
        if not (db_file or _DB_WORD.search(key) or (env and _DB_WORD.search(env)) or role == "name" and "data" in key.lower()
                or key.startswith("wgDB")):  # MediaWiki's $wgDBserver, $wgDBname…
            return
        found[role] = (env, value)

    if base.endswith(".php") or text.lstrip().startswith("<?"):
        for m in _PHP_SETTING.finditer(text):
            key = m.group("const") or m.group("key") or m.group("idx") or m.group("var") or ""
            env = m.group("e1") or m.group("e2") or m.group("e3") or ""
            value = next((m.group(g) for g in ("v1", "v2", "v3") if m.group(g) is not None), "")
            take(key, env, value)
    else:
        for m in _ENV_LINE.finditer(text):
            val = m.group("val")
            if len(val) > 1 and val[0] in "'\"" and val[-1] == val[0]:
                val = val[1:-1]
            take(m.group("key"), m.group("key"), val)
    if "host" not in found and "name" not in found:
        return None
    mw_type = re.search(r"""\$wgDBtype\s*=\s*["'](\w+)["']""", text)
    if mw_type:
        if mw_type.group(1) not in ("mysql", "postgres"):
            return None  # sqlite: a file, not a server
        out.kind = mw_type.group(1)
    elif re.search(r"(?i)pgsql|postgres|pg_connect", text):
        out.kind = "postgres"
    for role, (env, value) in found.items():
        if env:
            out.env[role] = env
        if role == "password":
            out.has_password = True
        elif role == "port":
            out.port = int(value) if value.isdigit() else 0
        else:
            setattr(out, role, value)
    host, _, rest = out.host.partition(":")
    if rest.isdigit() and not out.port:
        out.port = int(rest)
    if not out.port and host:
        out.port = 5432 if out.kind == "postgres" else 3306
    return out


_YAML_SECTION = re.compile(r"^(?P<env>[A-Za-z_][\w-]*):[ \t]*(?:#.*)?\n(?P<body>(?:(?:[ \t]+.*|[ \t]*)(?:\n|$))*)", re.M)
_YAML_KEY = re.compile(r"^[ \t]+(?P<key>\w+):[ \t]*(?P<val>\"[^\"]*\"|'[^']*'|[^#\n]*?)[ \t]*(?:#.*)?$", re.M)
_RAILS_ADAPTERS = {"mysql2": "mysql", "mysql": "mysql", "trilogy": "mysql", "postgresql": "postgres", "postgis": "postgres"}


def _rails_database(path: str, text: str) -> Optional[DbConfig]:
    """A Rails config/database.yml: the production section (else the first that names a server)."""
    sections = {m.group("env"): m.group("body") for m in _YAML_SECTION.finditer(text)}
    for env in ["production"] + [e for e in sections if e != "production"]:
        keys = {m.group("key"): m.group("val").strip("\"'") for m in _YAML_KEY.finditer(sections.get(env, ""))}
        kind = _RAILS_ADAPTERS.get(keys.get("adapter", ""))
        if not kind:
            continue
        host = keys.get("host", "") if "<%" not in keys.get("host", "") else ""
        port = keys.get("port", "")
        return DbConfig(path=path, kind=kind, host=host or ("" if keys.get("socket") else "localhost"),
                        port=int(port) if port.isdigit() else (5432 if kind == "postgres" else 3306),
                        name=keys.get("database", ""), user=keys.get("username", ""), has_password="password" in keys)
    return None
