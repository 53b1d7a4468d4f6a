"""One recipe per runtime family: base image, build stages, where code and
config go in the image, which dirs the non-root user must own.

Steps are shell text that a person reviews in plan.yaml; every discovered
value in them goes through ``shlex.quote``.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

from ..errors import InputError
from ..discover.secrets import env_is_secret
from ..model import Build, ConfigFile
from . import images

UID = 10001
# apt-get clean: a base without the official images' docker-clean hook would
# otherwise keep every downloaded .deb in the layer (100+ MB for a JRE)
APT_INSTALL = ("apt-get update && apt-get install -y --no-install-recommends {pkgs}"
               " && apt-get clean && rm -rf /var/lib/apt/lists/*")

BACKING_KINDS = {
    "postgresql": "postgres", "postgres": "postgres", "mysql": "mysql", "mariadb": "mariadb",
    "redis": "redis", "mongodb": "mongo", "mongo": "mongo", "memcached": "memcached", "rabbitmq": "rabbitmq",
}
FAMILIES = {
    "tomcat": "tomcat", "jboss": "wildfly", "wildfly": "wildfly", "springboot": "java", "java": "java", "jar": "java",
    "django": "python", "flask": "python", "wsgi": "python", "python": "python", "celery": "python",
    "fastapi": "python", "gunicorn": "python",
    "node": "node", "pm2": "node", "express": "node", "nodejs": "node",
    "php-apache": "php-apache", "php": "php-apache", "php-fpm": "php-fpm",
    "static-nginx": "nginx", "nginx": "nginx", "nginx-proxy": "nginx",
    "static-apache": "httpd", "apache": "httpd", "httpd": "httpd", "apache-proxy": "httpd",
    "puma": "ruby", "unicorn": "ruby", "thin": "ruby", "passenger": "ruby", "rackup": "ruby", "sidekiq": "ruby",
    "rails": "ruby", "sinatra": "ruby", "ruby": "ruby",
    "dotnet": "dotnet", "aspnetcore": "dotnet",
    "binary": "binary", "go": "binary", "golang": "binary",
}
FILE_SUFFIXES = (".jar", ".war", ".ear", ".py", ".js", ".mjs", ".cjs", ".php", ".html", ".sh", ".rb", ".pl")


def family_of(app) -> str:
    stack = (app.stack or "").lower()
    if stack in BACKING_KINDS:
        return "backing"
    if stack in FAMILIES:
        return FAMILIES[stack]
    runtime = (app.runtime or "").lower()
    for key in (runtime, stack.split("-")[0]):
        if key in FAMILIES:
            return FAMILIES[key]
    return "generic"


def context_path(vm_path: str) -> str:
    """Where ``mta extract`` puts a VM path inside apps/<app>/: context/<path>."""
    clean = safe_abs_path(vm_path, "path")
    return "context" + clean


def safe_abs_path(path: str, what: str) -> str:
    if not path or not path.startswith("/") or any(c in path for c in "\n\r\x00"):
        raise InputError(f"{what} {path!r}: expected an absolute path without control characters")
    norm = posixpath.normpath(path)
    if norm.startswith("//"):
        norm = "/" + norm.lstrip("/")
    if "/../" in norm + "/":
        raise InputError(f"{what} {path!r}: '..' is not allowed")
    return norm


def looks_like_file(path: str) -> bool:
    return path.lower().endswith(FILE_SUFFIXES)


def q(value: str) -> str:
    if any(c in value for c in "\n\r\x00"):
        raise InputError(f"refusing a value with a line break in a build step: {value!r}")
    return shlex.quote(value)


@dataclass
class Recipe:
    build: Optional[Build]
    image: str = ""  # backing services: the official image itself
    tool: str = "bash"  # what HEALTHCHECK can use in the image
    notes: list[str] = field(default_factory=list)
    code_target: Callable[[str], str] = lambda p: p
    config_target: Callable[[str], str] = lambda p: p
    run_as_user: int = UID
    default_cmd: list[str] = field(default_factory=list)
    server: bool = False  # the VM command is the distro's server; use the image's own
    drop_default_site: list[str] = field(default_factory=list)


# --- helpers -----------------------------------------------------------------

def _app_root(app) -> str:
    if app.workdir:
        return app.workdir
    for p in app.code_paths:
        return posixpath.dirname(p) if looks_like_file(p) else p
    return "/app"


def _apt(pkgs: list[str]) -> str:
    return APT_INSTALL.format(pkgs=" ".join(sorted(set(pkgs))))


def _python_requirements(facts, root: str) -> Optional[str]:
    f = facts.file(posixpath.join(root, "requirements.txt"))
    return f.content if f else None


_PY_SERVERS = {"gunicorn": ("gunicorn==19.10.0", "gunicorn==20.1.0", "gunicorn==23.0.0"),
               "uwsgi": ("uwsgi==2.0.21", "uwsgi==2.0.21", "uwsgi==2.0.28"),
               "waitress-serve": ("waitress==1.4.4", "waitress==2.0.0", "waitress==3.0.2")}


def _server_pin(server: str, pyver: tuple[int, int]) -> str:
    pins = _PY_SERVERS[server]
    return pins[0] if pyver[0] == 2 else pins[1] if pyver < (3, 8) else pins[2]


PHP_EXTENSIONS = {"mysql": ["mysqli", "pdo_mysql"], "mysqlnd": ["mysqli", "pdo_mysql"], "mysqli": ["mysqli"],
                  "pdo-mysql": ["pdo_mysql"], "opcache": ["opcache"], "bcmath": ["bcmath"], "exif": ["exif"],
                  "calendar": ["calendar"], "sockets": ["sockets"]}
PHP_NEEDS_LIBS = {"gd", "zip", "intl", "pgsql", "ldap", "imagick", "soap", "xsl", "imap", "tidy", "memcached", "redis"}


def _php_extensions(facts, debian: bool = False) -> tuple[list[str], list[str]]:
    exts, missing = set(), set()
    for pkg in facts.packages:
        m = re.match(r"^php[\d.]*(?:-php)?-(.+)$", pkg.name.lower())
        if not m:
            continue
        mod = m.group(1)
        if mod in PHP_EXTENSIONS:
            exts.update(PHP_EXTENSIONS[mod])
        elif mod in PHP_NEEDS_LIBS:
            missing.add(mod)
    notes = [f"PHP extensions {', '.join(sorted(missing))} were installed on the VM; add them with "
             "docker-php-ext-install plus their -dev libraries"] if missing and not debian else []
    return sorted(exts), notes


#: versioned Debian PHP packages that are not extensions a site loads
_DEBIAN_PHP_CORE = {"common", "cli", "fpm", "cgi", "opcache", "readline", "json", "phpdbg", "dev", "xdebug"}


def _debian_php_modules(facts) -> list[str]:
    """``php-<ext>`` for each versioned extension package on a Debian VM (php8.2-intl,
    php7.4-mysql): the same extensions from the image's own PHP."""
    mods = set()
    for pkg in facts.packages:
        m = re.match(r"^php\d+\.\d+-([a-z0-9]+)$", pkg.name.lower())
        if m and m.group(1) not in _DEBIAN_PHP_CORE:
            mods.add(f"php-{m.group(1)}")
    return sorted(mods)


def _version_from(facts, app, pattern: str) -> str:
    """A version hinted by packages, exe paths or command args (tomcat 8.5, jdk1.8)."""
    rx = re.compile(pattern, re.I)
    hay = [f"{p.name}-{p.version}" for p in facts.packages] + list(app.command)
    for pid in app.pids:
        proc = facts.process(pid)
        if proc:
            hay += [proc.exe, *proc.cmdline]
    for text in hay:
        m = rx.search(text or "")
        if m:
            return m.group(1)
    return ""


# --- recipes -----------------------------------------------------------------

def recipe(app, facts, base: str, mapping: dict[str, str]) -> Recipe:
    """The recipe for ``app`` on ``base`` (official | debian | an image ref)."""
    fam = family_of(app)
    explicit = base if base not in ("official", "debian") else ""
    if explicit:
        images.check_image_ref(explicit, f"base image for {app.name}")
    debian = base == "debian"
    if fam == "backing":
        r = _backing(app, debian)
        if explicit:
            r.image = explicit
    else:
        r = {"java": _java, "tomcat": _tomcat, "wildfly": _wildfly, "python": _python, "node": _node,
             "ruby": _ruby, "dotnet": _dotnet, "binary": _binary, "php-apache": _php_apache, "php-fpm": _php_fpm,
             "nginx": _nginx, "httpd": _httpd, "generic": _generic}[fam](app, facts, debian)
        if explicit:
            r.build.base_image = explicit
            if r.build.builder_image:
                r.build.builder_image = explicit
    if mapping:
        if r.image:
            r.image = images.apply_mapping(r.image, mapping)
        if r.build:
            r.build.base_image = images.apply_mapping(r.build.base_image, mapping)
            r.build.builder_image = images.apply_mapping(r.build.builder_image, mapping)
    return r


def _code_files(app, target: Callable[[str], str]) -> list[ConfigFile]:
    return [ConfigFile(source=context_path(p), target=target(p), configmap=False) for p in app.code_paths]


def _java(app, facts, debian: bool) -> Recipe:
    version = app.runtime_version if app.runtime in ("java", "") else ""
    version = version or _version_from(facts, app, r"(?:jdk|jre|java)-?(1\.\d+|\d+)")
    notes: list[str] = []
    if debian:
        b = Build(base_image=images.DEBIAN_IMAGE, packages=["openjdk-17-jre-headless"])
        major = images.java_major(version)
        if major and major != 17:
            notes.append(f"VM ran Java {major}; Debian 12 ships Java 17 - test, or use --base official")
    else:
        line, notes = images.java_line(version, default=17)
        b = Build(base_image=f"eclipse-temurin:{line}-jre")
    b.workdir = _app_root(app)
    b.files = _code_files(app, lambda p: p)
    return Recipe(build=b, tool="bash", notes=notes)


def _tomcat(app, facts, debian: bool) -> Recipe:
    tv = app.runtime_version if app.runtime == "tomcat" else ""
    tv = tv or _version_from(facts, app, r"tomcat-?(\d+\.\d+)") or _version_from(facts, app, r"tomcat(\d)")
    jv = app.runtime_version if app.runtime == "java" else ""
    jv = jv or _version_from(facts, app, r"(?:jdk|jre|java-)(1\.\d+|\d+)")
    if debian:
        home, cbase = "/usr/share/tomcat10", "/var/lib/tomcat10"
        b = Build(base_image=images.DEBIAN_IMAGE, packages=["tomcat10"],
                  env={"CATALINA_HOME": home, "CATALINA_BASE": cbase, "CATALINA_TMPDIR": "/tmp"},
                  writable=[f"{cbase}/webapps", f"{cbase}/work", "/var/cache/tomcat10", "/var/log/tomcat10"],
                  # the package's conf is root:tomcat 0640; the container's uid is not in group tomcat
                  steps=["chmod -R a+rX /etc/tomcat10"])
        notes = ["Debian 12 ships Tomcat 10.1 (jakarta.*): apps built for javax.* need migration; "
                 "--base official keeps the VM's Tomcat line"]
        cmd = [f"{home}/bin/catalina.sh", "run"]
        conf = f"{cbase}/conf"
    else:
        cbase = "/usr/local/tomcat"
        image, notes = images.tomcat_image(tv, jv)
        b = Build(base_image=image, writable=[f"{cbase}/{d}" for d in ("logs", "work", "temp", "webapps")])
        cmd = ["catalina.sh", "run"]
        conf = f"{cbase}/conf"

    def code_target(p: str) -> str:
        name = posixpath.basename(p.rstrip("/"))
        if p.endswith((".war", ".ear")) or posixpath.basename(posixpath.dirname(p)) == "webapps":
            return f"{cbase}/webapps/{name}"
        if name == "webapps":
            return f"{cbase}/webapps"
        return p

    def config_target(p: str) -> str:
        name = posixpath.basename(p)
        if name == "setenv.sh":
            return f"{cbase.replace('/var/lib/tomcat10', '/usr/share/tomcat10')}/bin/setenv.sh"
        if "/conf/" in p or p.startswith("/etc/tomcat"):
            return f"{conf}/{name}"
        return p

    b.workdir = cbase
    b.files = _code_files(app, code_target)
    return Recipe(build=b, tool="bash", notes=notes, code_target=code_target, config_target=config_target,
                  default_cmd=cmd, server=True)


#: Debian python3-* packages that are the interpreter or system tooling, not an app's libraries
_PY_SYSTEM = {"python3", "python3-minimal", "python3-distutils", "python3-lib2to3", "python3-venv", "python3-pip",
              "python3-dev", "python3-apt", "python3-debian", "python3-debconf", "python3-dbus", "python3-gi",
              "python3-software-properties", "python3-distro-info", "python3-pkg-resources", "python3-setuptools",
              "python3-wheel", "python3-certifi", "python3-chardet", "python3-idna", "python3-urllib3",
              "python3-requests-unixsocket", "python3-netifaces", "python3-systemd", "python3-cloud-init"}


def _distro_python(app, facts) -> list[str]:
    """The Debian packages behind an app run by the system python (/usr/bin/python3,
    /usr/bin/gunicorn): its libraries came from apt, not pip, so the image does the same."""
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
    servers = sorted(n for n in names if n in ("gunicorn", "gunicorn3", "uwsgi", "uwsgi-plugin-python3")
                     and any(n.rstrip("3") in e for e in exes if e))
    return libs + servers


def _python(app, facts, debian: bool) -> Recipe:
    root = _app_root(app)
    pyver, notes = images.python_line(app.runtime_version)
    distro = _distro_python(app, facts) if debian else []
    if distro:
        # python-is-python3: the command and healthcheck say `python`, as with the official image
        b = Build(base_image=images.DEBIAN_IMAGE, packages=["python3", "python-is-python3"] + distro,
                  env={"PYTHONUNBUFFERED": "1"}, workdir=root)
        b.files = _code_files(app, lambda p: p)
        notes.append("the VM's Python libraries came from Debian packages; the image installs the same packages "
                     "(" + ", ".join(distro) + ") instead of pip install -r requirements.txt")
        return Recipe(build=b, tool="python", notes=notes)
    env = {"PATH": "/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "PYTHONUNBUFFERED": "1"}
    if debian:
        final = builder = images.DEBIAN_IMAGE
        pkgs = ["python3", "python3-venv"]
        make_venv = [_apt(pkgs + ["python3-dev", "build-essential"]), "python3 -m venv /opt/venv"]
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
    b.files = _code_files(app, lambda p: p)
    if reqs is None:
        notes.append("requirements.txt was not seen; the build installs it when the extracted code has one")
    tool = "python" if pyver[0] >= 3 else "bash"
    return Recipe(build=b, tool=tool, notes=notes)


def _node(app, facts, debian: bool) -> Recipe:
    root = _app_root(app)
    install = ("if [ -f package-lock.json ]; then npm ci --production; else npm install --production; fi"
               " && npm cache clean --force")
    if debian:
        b = Build(base_image=images.DEBIAN_IMAGE, builder_image=images.DEBIAN_IMAGE, packages=["nodejs"],
                  builder_steps=[_apt(["nodejs", "npm", "build-essential", "python3"]) + " && " + install])
        notes = ["Debian 12 ships Node.js 18 - test, or use --base official"]
    else:
        major, distro, notes = images.node_line(app.runtime_version)
        b = Build(base_image=f"node:{major}-{distro}-slim", builder_image=f"node:{major}-{distro}",
                  builder_steps=[install])
    b.env = {"NODE_ENV": "production"}
    b.workdir = root
    b.builder_files = [ConfigFile(source=context_path(root), target="/src", configmap=False)]
    b.artifacts = [ConfigFile(source="/src", target=root, configmap=False)]
    extra = [p for p in app.code_paths if p != root]
    b.files = [ConfigFile(source=context_path(p), target=p, configmap=False) for p in extra]
    if app.stack == "pm2":
        notes.append("pm2 is not used in the container: one process, restarted by the orchestrator")
    return Recipe(build=b, tool="node", notes=notes)


def _php_apache(app, facts, debian: bool) -> Recipe:
    exts, notes = _php_extensions(facts, debian)
    steps: list[str] = []
    if debian:
        b = Build(base_image=images.DEBIAN_IMAGE, packages=["apache2", "libapache2-mod-php"] +
                  [f"php-{e.replace('pdo_', '')}" for e in exts if e in ("mysqli", "pdo_mysql", "bcmath")])
        b.packages = sorted(set(p.replace("php-mysqli", "php-mysql") for p in b.packages) | set(_debian_php_modules(facts)))
        steps.append("a2enmod rewrite && ln -sf /dev/stdout /var/log/apache2/access.log"
                     " && ln -sf /dev/stderr /var/log/apache2/error.log")
        cmd = ["apache2ctl", "-D", "FOREGROUND"]
        php_ini = "/etc/php/8.2/apache2/php.ini"
        notes.append("Debian 12 ships PHP 8.2 - test, or use --base official")
    else:
        line, vnotes = images.php_line(app.runtime_version)
        notes += vnotes
        b = Build(base_image=f"php:{line}-apache")
        if exts:
            steps.append("docker-php-ext-install " + " ".join(exts))
        steps.append("a2enmod rewrite")
        cmd = ["apache2-foreground"]
        php_ini = "/usr/local/etc/php/php.ini"
    b.steps = steps
    b.writable = ["/var/run/apache2", "/var/lock/apache2", "/var/log/apache2"]
    # Without the VM's vhost the image serves /var/www/html, so the docroot moves there.
    has_site = any(("/apache2/" in p or "/httpd/" in p) and p.endswith(".conf") for p in app.config_files)
    root = _app_root(app)

    def code_target(p: str) -> str:
        if has_site or not app.code_paths:
            return p
        return "/var/www/html" + p[len(root):] if p == root or p.startswith(root.rstrip("/") + "/") else p

    b.files = _code_files(app, code_target)
    b.workdir = code_target(root) if app.code_paths else "/var/www/html"
    if debian and b.workdir == "/var/www/html":
        # apache2's own index.html comes before index.php; the VM's copy (if it had one) overwrote it
        b.steps.append("if grep -qs 'Apache2 Debian Default Page' /var/www/html/index.html;"
                       " then rm -f /var/www/html/index.html; fi")
    if not has_site and app.code_paths and root != "/var/www/html":
        notes.append(f"docroot {root} is served from /var/www/html (no Apache vhost config was carried over)")

    def config_target(p: str) -> str:
        name = posixpath.basename(p)
        if name == "php.ini":
            return php_ini
        if "/apache2/" in p or "/httpd/" in p:
            if name.endswith(".conf") and ("sites-" in p or "conf.d" in p):
                return f"/etc/apache2/sites-enabled/{name}"
        return p

    return Recipe(build=b, tool="bash" if debian else "php", notes=notes, config_target=config_target,
                  code_target=code_target, default_cmd=cmd, server=True,
                  drop_default_site=["a2dissite 000-default"])


def _php_fpm(app, facts, debian: bool) -> Recipe:
    exts, notes = _php_extensions(facts, debian)
    if debian:
        b = Build(base_image=images.DEBIAN_IMAGE, packages=["php-fpm"] + _debian_php_modules(facts))
        b.steps = ["sed -i -e 's|^listen = .*|listen = 9000|' /etc/php/8.2/fpm/pool.d/www.conf"
                   " && sed -i -e 's|^error_log = .*|error_log = /proc/self/fd/2|' /etc/php/8.2/fpm/php-fpm.conf"]
        b.writable = ["/run/php"]
        cmd = ["php-fpm8.2", "-F"]
        notes.append("Debian 12 ships PHP 8.2 - test, or use --base official")
    else:
        line, vnotes = images.php_line(app.runtime_version)
        notes += vnotes
        b = Build(base_image=f"php:{line}-fpm")
        if exts:
            b.steps = ["docker-php-ext-install " + " ".join(exts)]
        cmd = ["php-fpm"]
    b.workdir = _app_root(app)
    b.files = _code_files(app, lambda p: p)
    return Recipe(build=b, tool="bash" if debian else "php", notes=notes, default_cmd=cmd, server=True)


def _nginx(app, facts, debian: bool) -> Recipe:
    def config_target(p: str) -> str:
        name = posixpath.basename(p)
        if name == "nginx.conf":
            return "/etc/nginx/nginx.conf"
        if p.startswith("/etc/nginx/") or p.startswith("/usr/local/nginx/conf"):
            return f"/etc/nginx/conf.d/{name if name.endswith('.conf') else name + '.conf'}"
        return p

    if debian:
        b = Build(base_image=images.DEBIAN_IMAGE, packages=["nginx"],
                  steps=["sed -i -e 's|^pid .*|pid /tmp/nginx.pid;|' /etc/nginx/nginx.conf"
                         " && ln -sf /dev/stdout /var/log/nginx/access.log"
                         " && ln -sf /dev/stderr /var/log/nginx/error.log"],
                  writable=["/var/lib/nginx", "/var/log/nginx"])
        notes = []
        tool = "bash"
        drop = ["rm -f /etc/nginx/sites-enabled/default"]
    else:
        line, notes = images.nginx_line(app.runtime_version)
        b = Build(base_image=f"nginx:{line}-alpine",
                  steps=["sed -i -e 's|^pid .*|pid /tmp/nginx.pid;|' /etc/nginx/nginx.conf"],
                  writable=["/var/cache/nginx"])
        tool = "wget"
        drop = ["rm -f /etc/nginx/conf.d/default.conf"]
    has_config = bool(app.config_files)
    docroot = "/var/www/html" if debian else "/usr/share/nginx/html"

    def code_target(p: str) -> str:
        return p if has_config else docroot

    b.files = _code_files(app, code_target)
    b.workdir = code_target(_app_root(app)) if app.code_paths else docroot
    return Recipe(build=b, tool=tool, notes=notes, code_target=code_target, config_target=config_target,
                  default_cmd=["nginx", "-g", "daemon off;"], server=True, drop_default_site=drop)


#: distro defaults that only make sense on the VM's own Apache layout
DISTRO_APACHE_CONFS = {"httpd.conf", "apache2.conf", "welcome.conf", "autoindex.conf", "userdir.conf", "ssl.conf",
                       "README", "ports.conf", "000-default.conf", "default-ssl.conf", "security.conf",
                       "charset.conf", "other-vhosts-access-log.conf", "serve-cgi-bin.conf", "localized-error-pages.conf"}


def _is_vhost(p: str) -> bool:
    name = posixpath.basename(p)
    return (name.endswith(".conf") and name not in DISTRO_APACHE_CONFS
            and any(d in p for d in ("/conf.d/", "/sites-enabled/", "/sites-available/", "/vhosts.d/")))


def _httpd(app, facts, debian: bool) -> Recipe:
    vhosts = [p for p in app.config_files if _is_vhost(p)]
    if debian:
        b = Build(base_image=images.DEBIAN_IMAGE, packages=["apache2"],
                  steps=["ln -sf /dev/stdout /var/log/apache2/access.log"
                         " && ln -sf /dev/stderr /var/log/apache2/error.log"],
                  writable=["/var/run/apache2", "/var/lock/apache2", "/var/log/apache2"])
        docroot, cmd, confdir = "/var/www/html", ["apache2ctl", "-D", "FOREGROUND"], "/etc/apache2/sites-enabled"
        drop = ["rm -f /etc/apache2/sites-enabled/000-default.conf"]
    else:
        # The image's httpd.conf reads no conf.d; VM vhosts are included from
        # there, with the 2.2 access syntax (Order/Allow) still understood.
        b = Build(base_image="httpd:2.4", writable=["/usr/local/apache2/logs"],
                  steps=["mkdir -p /usr/local/apache2/conf.d"
                         " && sed -i -e 's/^#\\(LoadModule \\(access_compat\\|rewrite\\)_module\\)/\\1/'"
                         " /usr/local/apache2/conf/httpd.conf"
                         " && echo 'IncludeOptional conf.d/*.conf' >> /usr/local/apache2/conf/httpd.conf"])
        docroot, cmd, confdir = "/usr/local/apache2/htdocs", ["httpd-foreground"], "/usr/local/apache2/conf.d"
        drop = []
    notes = []
    if vhosts:
        notes.append("the VM's virtual hosts are carried over; review module and log paths in them")
    elif app.code_paths:
        notes.append("no virtual host config was found: the first docroot is served as the image's default site")

    def config_target(p: str) -> str:
        return f"{confdir}/{posixpath.basename(p)}" if _is_vhost(p) else ""

    first = app.code_paths[0] if app.code_paths else ""

    def code_target(p: str) -> str:
        return p if vhosts or p != first else docroot

    b.files = _code_files(app, code_target)
    b.workdir = code_target(first) if first else docroot
    return Recipe(build=b, tool="bash", notes=notes, code_target=code_target, config_target=config_target,
                  default_cmd=cmd, server=True, drop_default_site=drop)


def _wildfly(app, facts, debian: bool) -> Recipe:
    """WildFly / JBoss AS 7 / EAP (standalone): the server comes from an image, the
    VM gives deployments and standalone*.xml. The VM's server home is not extracted."""
    home = "/opt/jboss/wildfly"
    sbase = f"{home}/standalone"
    eap = any("Enterprise Application Platform" in (e.detail or "") for e in app.evidence)
    release, notes = images.wildfly_release(app.stack_version, eap=eap)
    if debian:
        major = int(release.split(".")[0])
        if major < 26:
            notes.append(f"WildFly {major} does not run on Java 17, the only JRE in Debian 12: the server moves to "
                         f"{images.WILDFLY[26]} (the last javax.* line) - test, or use --base official")
            release = images.WILDFLY[26]
        url = (f"https://github.com/wildfly/wildfly/releases/download/{release}/wildfly-{release}.tar.gz"
               if int(release.split(".")[0]) >= 25 else
               f"https://download.jboss.org/wildfly/{release}/wildfly-{release}.tar.gz")
        b = Build(base_image=images.DEBIAN_IMAGE, packages=["openjdk-17-jre-headless"],
                  builder_image=images.DEBIAN_IMAGE, env={"JBOSS_HOME": home},
                  builder_steps=[_apt(["ca-certificates", "curl"]) + f" && curl -fsSL -o /tmp/wildfly.tar.gz {q(url)}"
                                 f" && mkdir -p {home} && tar -xzf /tmp/wildfly.tar.gz -C {home} --strip-components=1"
                                 " && rm -f /tmp/wildfly.tar.gz"],
                  artifacts=[ConfigFile(source=home, target=home, configmap=False)])
        notes.append(f"Debian 12 has no WildFly package: the build stage downloads the WildFly {release} "
                     "distribution and the image runs it on Debian's OpenJDK 17; only the VM's deployments and "
                     "server configuration are carried over, not its server home")
    else:
        image, inotes = images.wildfly_image(release)
        notes += inotes
        b = Build(base_image=image)
    # the VM's server base (…/standalone) maps onto the image's: deployments, data, configuration
    vm_base = posixpath.dirname(app.code_paths[0].rstrip("/")) if app.code_paths else ""

    def code_target(p: str) -> str:
        name = posixpath.basename(p.rstrip("/"))
        if vm_base and (p == vm_base or p.startswith(vm_base + "/")):
            return sbase + p[len(vm_base):]
        if p.endswith((".war", ".ear")):
            return f"{sbase}/deployments/{name}"
        return p

    def config_target(p: str) -> str:
        name = posixpath.basename(p)
        if name == "standalone.conf":
            return ""  # JAVA_HOME and paths of the VM; its JAVA_OPTS are noted below
        if name.endswith(".xml") and "/configuration/" in p:
            return f"{sbase}/configuration/{name}"
        return p

    cmd = [f"{home}/bin/standalone.sh", "-b", "0.0.0.0"]
    server_xml = next((posixpath.basename(p) for p in app.config_files if config_target(p).startswith(sbase)), "")
    if server_xml and server_xml != "standalone.xml":
        cmd += ["-c", server_xml]
    if any(posixpath.basename(p) == "standalone.conf" for p in app.config_files):
        notes.append("bin/standalone.conf of the VM is not copied (it names the VM's JAVA_HOME): "
                     "move its JAVA_OPTS (heap, system properties) to the JAVA_OPTS environment variable")
    if server_xml:
        notes.append(f"{server_xml} comes from the VM: a server moved to another WildFly line may reject it; "
                     "JDBC driver modules under the VM's modules/ are not copied")
    b.workdir = home
    b.files = _code_files(app, code_target)
    b.writable = [f"{sbase}/{d}" for d in ("configuration", "data", "deployments", "log", "tmp")]
    # markers of failed/pending deploys on the VM would stop the scanner from deploying that content
    b.steps = ["rm -f " + " ".join(f"{sbase}/deployments/*.{m}" for m in ("failed", "isdeploying", "pending", "undeployed"))]
    return Recipe(build=b, tool="bash", notes=notes, code_target=code_target, config_target=config_target,
                  default_cmd=cmd, server=True)


#: gems with native code -> (runtime package in the final image, -dev package to build them on Debian)
_RUBY_GEM_LIBS = {"pg": ("libpq5", "libpq-dev"), "mysql2": ("libmariadb3", "libmariadb-dev"),
                  "sqlite3": ("libsqlite3-0", "libsqlite3-dev"), "psych": ("libyaml-0-2", "libyaml-dev")}
_RUBY_HOSTPORT = re.compile(r"(?:tcp://)?(?:[\w.*\[\]:-]*):(\d{2,5})\b")


def _ruby_port(app) -> Optional[int]:
    if app.ports:
        return app.ports[0].port
    m = _RUBY_HOSTPORT.search(" ".join(app.command).replace("(", " ").replace(")", " "))
    return int(m.group(1)) if m else None


def _ruby_cmd(app, root: str, gems: set[str]) -> tuple[list[str], list[str]]:
    """A runnable command: the VM shows process titles ("puma 4.3.5 (tcp://0.0.0.0:3000) [app]")."""
    server, notes = (app.stack or "").lower(), []
    args = " ".join(app.command).split()
    port = _ruby_port(app)

    def has(rel: str) -> bool:
        return posixpath.join(root, rel) in app.config_files

    if server == "passenger":
        notes.append("Passenger is not used in the container: the app runs on puma (one process, the "
                     "orchestrator restarts it)" + ("; add gem 'puma' to the Gemfile" if gems and "puma" not in gems
                                                    else ""))
        server, port = "puma", port or 3000
    if server == "unicorn":
        prog = "unicorn_rails" if args and args[0].startswith("unicorn_rails") else "unicorn"
        cmd, i = ["bundle", "exec", prog], 1
        while i < len(args):
            a = args[i]
            if a in ("-c", "--config-file", "-E", "--env", "-l", "--listen", "-p", "--port", "-o", "--host") \
                    and i + 1 < len(args):
                cmd += [a, args[i + 1]]
                i += 2
                continue
            if a in ("-D", "--daemonize"):
                notes.append(f"{a} dropped: a container runs in the foreground")
            i += 1
        if any(a in cmd for a in ("-c", "--config-file")):
            notes.append("unicorn listens where its config says: check it binds 0.0.0.0 (not 127.0.0.1 or a "
                         "unix socket) in the container")
        elif port and not any(a in cmd for a in ("-l", "--listen", "-p", "--port")):
            cmd += ["-l", f"0.0.0.0:{port}"]
        return cmd, notes
    if server == "thin":
        return ["bundle", "exec", "thin", "start", "-a", "0.0.0.0", "-p", str(port or 3000)], notes
    if server == "sidekiq":
        return ["bundle", "exec", "sidekiq"] + (["-C", "config/sidekiq.yml"] if has("config/sidekiq.yml") else []), notes
    if server == "rackup":
        if any(a.endswith("rails") for a in args[1:3]):
            return ["bundle", "exec", "rails", "server", "-b", "0.0.0.0", "-p", str(port or 3000)], notes
        return ["bundle", "exec", "rackup", "-o", "0.0.0.0", "-p", str(port or 9292)], notes
    if server == "ruby" and args and re.match(r"ruby[\d.]*$", args[0].rsplit("/", 1)[-1]):
        return ["ruby", *app.command[1:]], notes
    # puma, and rails/sinatra apps whose server is not known
    cmd = ["bundle", "exec", "puma"] + (["-C", "config/puma.rb"] if has("config/puma.rb") else [])
    return cmd + ["-b", f"tcp://0.0.0.0:{port or 3000}"], notes


def _ruby(app, facts, debian: bool) -> Recipe:
    root = _app_root(app)
    lock = facts.file(posixpath.join(root, "Gemfile.lock"))
    gemfile = facts.file(posixpath.join(root, "Gemfile"))
    gems = set(re.findall(r"^ {4}([A-Za-z0-9_.-]+) \(", lock.content, re.M)) if lock else set()
    libs = [_RUBY_GEM_LIBS[g] for g in sorted(gems) if g in _RUBY_GEM_LIBS]
    bundle = "/usr/local/bundle"
    if debian:
        line, notes = "3.1", []
        vm = images.version_tuple(app.runtime_version)[:2]
        if vm and vm != (3, 1):
            notes.append(f"VM ran Ruby {'.'.join(map(str, vm))}; Debian 12 ships 3.1 - test, or use --base official")
        elif not vm:
            notes.append("Ruby version unknown; Debian 12 ships 3.1")
        final = builder = images.DEBIAN_IMAGE
        packages = ["ruby", "ruby-bundler"] + [r for r, _ in libs]
        dev = ["build-essential", "ruby", "ruby-bundler", "ruby-dev"] + [d for _, d in libs]
        if lock and re.search(r"^GIT$", lock.content, re.M):
            dev.append("git")
        prepare = [_apt(dev), f"mkdir -p {bundle}"]
    else:
        line, notes = images.ruby_line(app.runtime_version)
        final, builder = f"ruby:{line}-slim", f"ruby:{line}"
        packages, prepare = [r for r, _ in libs], []
    # Bundler 2.1+ (Ruby 2.7+, Debian's 2.3) has `config set`; older ones only the plain form
    cfg = "bundle config set --local" if images.version_tuple(line) >= (2, 7) else "bundle config --local"
    deploy = (f"{cfg} deployment true" if lock else
              f"if [ -f Gemfile.lock ]; then {cfg} deployment true; fi")
    install = " && ".join([f"{cfg} path {bundle}", f"{cfg} without 'development test'" if cfg.endswith("set --local")
                           else f"{cfg} without development:test", deploy,
                           "bundle install --jobs 4", f"rm -rf {bundle}/cache {bundle}/ruby/*/cache"])
    if not gemfile:
        install = f"if [ -f Gemfile ]; then {install}; fi"
        notes.append("Gemfile was not seen; the build runs bundle install when the extracted code has one")
    # BUNDLE_APP_CONFIG: bundler's settings (path, without, deployment) live with the gems and
    # are copied with them; the VM's own .bundle/config is ignored
    env = {"BUNDLE_APP_CONFIG": bundle}
    for key in ("RACK_ENV", "RAILS_ENV") if app.framework == "rails" else ("RACK_ENV",):
        if not any(e.name == key for e in app.env):
            env[key] = "production"
    if app.framework == "rails":
        env.update({"RAILS_LOG_TO_STDOUT": "1", "RAILS_SERVE_STATIC_FILES": "1"})
        notes.append("Rails logs to stdout and serves public/ itself (RAILS_LOG_TO_STDOUT, RAILS_SERVE_STATIC_FILES); "
                     "precompiled assets come from the VM's public/assets")
    prefix = f"export BUNDLE_APP_CONFIG={bundle} && " if debian else ""
    b = Build(base_image=final, builder_image=builder, packages=packages, env=env, workdir=root,
              builder_files=[ConfigFile(source=context_path(root), target="/src", configmap=False)],
              builder_steps=[" && ".join(prepare + [prefix + install])],
              artifacts=[ConfigFile(source=bundle, target=bundle, configmap=False)],
              writable=[posixpath.join(root, "tmp")])
    b.files = _code_files(app, lambda p: p)
    cmd, cnotes = _ruby_cmd(app, root, gems)
    return Recipe(build=b, tool="bash", notes=notes + cnotes, default_cmd=cmd, server=True)


def _dotnet(app, facts, debian: bool) -> Recipe:
    line, notes = images.dotnet_line(app.runtime_version)
    argv = list(app.command)
    first = argv[0].rsplit("/", 1)[-1] if argv else "dotnet"
    dll = next((i for i, a in enumerate(argv[:3]) if a.endswith(".dll")), -1)
    # "dotnet App.dll" needs the shared runtime; a native apphost (self-contained) only its libraries
    self_contained = bool(argv) and first != "dotnet" and dll < 0
    env: dict[str, str] = {}
    if self_contained:
        if debian:
            b = Build(base_image=images.DEBIAN_IMAGE, packages=["ca-certificates", "libicu72", "libssl3"])
            notes.append("self-contained .NET app: Debian 12 with the libraries it loads (ICU, OpenSSL)")
        else:
            b = Build(base_image=f"mcr.microsoft.com/dotnet/runtime-deps:{line}")
        cmd, server = [], False  # the VM's own command runs the apphost
    else:
        kind = "aspnet" if app.framework == "aspnetcore" else "runtime"
        b = Build(base_image=f"mcr.microsoft.com/dotnet/{kind}:{line}")
        if debian:
            notes.append("Debian 12 has no .NET packages: the framework-dependent app (dotnet *.dll) runs on "
                         f"Microsoft's {kind} image, itself Debian based")
        cmd = ["dotnet", *argv[dll:]] if dll >= 0 else ["dotnet", *argv[1:]] if argv else []
        server = bool(cmd)
        notes.append("the VM's published output is copied as is (no build stage); building from source needs "
                     f"mcr.microsoft.com/dotnet/sdk:{line} as a build stage")
    if app.framework == "aspnetcore" or app.ports:
        port = app.ports[0].port if app.ports else 8080
        # images before .NET 8 bind :80, which uid 10001 cannot; 8+ bind :8080
        env["ASPNETCORE_URLS"] = f"http://+:{port}"
        vm_urls = next((e.value for e in app.env if e.name == "ASPNETCORE_URLS" and e.value), "")
        if re.search(r"//(localhost|127\.0\.0\.1)[:/]", vm_urls):
            notes.append(f"the VM sets ASPNETCORE_URLS={vm_urls[:100]}, which only listens inside the container: "
                         f"remove it from env (the image sets http://+:{port})")
        notes.append("Kestrel endpoints in appsettings*.json override ASPNETCORE_URLS: check they do not bind localhost")
    b.env = env
    b.workdir = _app_root(app)
    b.files = _code_files(app, lambda p: p)
    return Recipe(build=b, tool="bash", notes=notes, default_cmd=cmd, server=server)


def _secret_env(app) -> bool:
    return any(env_is_secret(e.name, e.value, e.secret) for e in app.env)


DISTROLESS = "gcr.io/distroless/base-debian12:nonroot"


def _binary(app, facts, debian: bool) -> Recipe:
    """A self-contained program (Go, Rust, C) that owns a port. Whether it is linked
    statically is not visible from discovery, so only a program confirmed as Go
    (stack or runtime ``go``) goes to distroless; the rest get Debian's libc."""
    go = "go" in ((app.stack or "").lower(), (app.runtime or "").lower()) or (app.stack or "").lower() == "golang"
    shell = bool(app.log_paths or app.data_paths) or _secret_env(app)
    notes: list[str] = []
    if go and not debian and not shell:
        # base, not static: a cgo build (net, os/user) links glibc dynamically
        b = Build(base_image=DISTROLESS)
        tool = "none"
        notes.append(f"Go program on {DISTROLESS} (glibc, CA certificates, tzdata; no shell): static and cgo builds "
                     "run; no RUN step, secrets shim or HEALTHCHECK can run in it - the orchestrator probes instead")
    else:
        b = Build(base_image=images.DEBIAN_IMAGE, packages=["ca-certificates"])
        tool = "bash"
        if go and not debian:
            notes.append(f"needs a shell (logs, volumes or the secrets shim), so not {DISTROLESS}")
        notes.append("whether the program is statically linked cannot be seen offline, so it runs on Debian 12's "
                     "libc; libraries beyond libc (ldd on the VM lists them) must be added to build.packages. A "
                     f"static build (file says 'statically linked') can use {DISTROLESS} or "
                     "gcr.io/distroless/static-debian12:nonroot")
    exe = app.command[0] if app.command else ""
    copied = any(exe == c or exe.startswith(c.rstrip("/") + "/") for c in app.code_paths)
    pkg = next((e.ref for e in app.evidence if e.kind == "package"), "")
    if not copied and pkg and facts.os.family == "debian":
        b.packages = sorted(set(b.packages) | {pkg})
        notes.append(f"{exe} is not copied: it came from the OS package {pkg}, installed from Debian instead")
    elif not copied and pkg:
        notes.append(f"{exe} is not copied: it came from the {facts.os.family} package {pkg}; add the Debian package "
                     "that provides it to build.packages")
    elif not copied:
        notes.append("the program was not copied (system path or unknown): install its package in the image")
    b.workdir = app.workdir or _app_root(app)
    b.files = _code_files(app, lambda p: p)
    return Recipe(build=b, tool=tool, notes=notes)


def _generic(app, facts, debian: bool) -> Recipe:
    b = Build(base_image=images.DEBIAN_IMAGE, workdir=_app_root(app))
    b.files = _code_files(app, lambda p: p)
    notes = [f"stack {app.stack!r} has no recipe: the code is copied onto {images.DEBIAN_IMAGE} and run as on "
             "the VM; add the runtime it needs to build.packages"]
    return Recipe(build=b, tool="bash", notes=notes)


BACKING_SPEC = {
    # kind: (data path, uid, env secrets, exec probe)
    "postgres": ("/var/lib/postgresql/data", 999, ["POSTGRES_PASSWORD"], ["pg_isready", "-U", "postgres"]),
    "mysql": ("/var/lib/mysql", 999, ["MYSQL_ROOT_PASSWORD"], ["mysqladmin", "ping", "-h", "127.0.0.1", "--silent"]),
    "mariadb": ("/var/lib/mysql", 999, ["MARIADB_ROOT_PASSWORD"], []),
    "redis": ("/data", 999, [], ["redis-cli", "ping"]),
    "mongo": ("/data/db", 999, [], []),
    "memcached": ("", 11211, [], []),
    "rabbitmq": ("/var/lib/rabbitmq", 999, [], ["rabbitmq-diagnostics", "-q", "ping"]),
}


def backing_kind(app) -> str:
    return BACKING_KINDS.get((app.stack or "").lower(), "")


@dataclass(frozen=True)
class DebianBacking:
    """A backing service built from the Debian base and bookworm's packages,
    run by an entrypoint (templates/docker/backing/) that keeps the official
    image's contract: env vars and their *_FILE variants, data dir, uid 999,
    /docker-entrypoint-initdb.d on an empty data dir."""

    label: str  # what the VM ran, in notes
    packages: tuple[str, ...]
    version: tuple[int, ...]  # bookworm's line
    account: str  # the uid-999 account, made before the packages so they reuse it
    home: str
    runtime_dirs: tuple[str, ...]  # besides the data dir, owned by the account
    cmd: tuple[str, ...]
    probe: tuple[str, ...]  # exec readiness; () = tcp on the port
    env: tuple[tuple[str, str], ...] = ()
    preinstall: str = ""  # before apt-get (e.g. no default cluster)
    postinstall: str = ""  # in the same layer, after apt-get (empty the data dir, listen on the network)
    stopsignal: str = ""
    helpers: tuple[str, ...] = ()  # programs the entrypoint runs besides the server (Falco's allow list)


#: what every backing entrypoint may run
ENTRYPOINT_TOOLS = ("cat", "chmod", "chown", "date", "find", "grep", "gzip", "head", "ls", "mkdir", "mktemp", "rm",
                    "sed", "setpriv", "sleep", "tr", "xz", "zstd")
_PG_BIN = "/usr/lib/postgresql/15/bin"
_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEBIAN_BACKING = {
    "mariadb": DebianBacking("MariaDB", ("mariadb-server",), (10, 11), "mysql", "/var/lib/mysql",
                             ("/run/mysqld",), ("mariadbd",), ("mariadb-admin", "ping", "--silent"),
                             helpers=("mariadb", "mariadb-admin", "mariadb-install-db", "my_print_defaults",
                                      "resolveip"),
                             postinstall="rm -rf /var/lib/mysql"
                                         r" && printf '[mysqld]\nbind-address = 0.0.0.0\nskip-name-resolve\n"
                                         r"skip-host-cache\n' > /etc/mysql/mariadb.conf.d/99-container.cnf"),
    "postgres": DebianBacking("PostgreSQL", ("postgresql-15",), (15,), "postgres", "/var/lib/postgresql",
                              ("/var/run/postgresql",), ("postgres",), ("pg_isready", "-U", "postgres"),
                              env=(("PATH", f"{_PG_BIN}:{_PATH}"), ("PGDATA", "/var/lib/postgresql/data")),
                              preinstall="mkdir -p /etc/postgresql-common/createcluster.d"
                                         " && echo 'create_main_cluster = false'"
                                         " > /etc/postgresql-common/createcluster.d/mta.conf",
                              postinstall="sed -ri \"s/^#?(listen_addresses)\\s*=\\s*\\S+.*/\\1 = '*'/\" "
                                          "/usr/share/postgresql/15/postgresql.conf.sample",
                              stopsignal="SIGINT",
                              helpers=("initdb", "pg_ctl", "pg_isready", "pg_restore", "psql")),
    "redis": DebianBacking("Redis", ("redis-server",), (7, 0), "redis", "/data", (), ("redis-server",),
                           ("redis-cli", "ping"), helpers=("redis-cli",)),
    "memcached": DebianBacking("memcached", ("memcached",), (1, 6), "memcache", "/nonexistent", (),
                               ("memcached",), ()),
    "rabbitmq": DebianBacking("RabbitMQ", ("rabbitmq-server",), (3, 10), "rabbitmq", "/var/lib/rabbitmq",
                              ("/var/log/rabbitmq",), ("rabbitmq-server",), ("rabbitmq-diagnostics", "-q", "ping"),
                              # no Erlang cookie baked in: each volume gets its own on first start
                              postinstall="find /var/lib/rabbitmq -mindepth 1 -delete",
                              # the server's own scripts, not Debian's wrappers (they log to files, no exec)
                              env=(("PATH", f"/usr/lib/rabbitmq/bin:{_PATH}"), ("RABBITMQ_NODENAME", "rabbit@localhost")),
                              helpers=("beam.smp", "epmd", "erl", "erl_child_setup", "inet_gethost", "rabbitmq-diagnostics",
                                       "rabbitmq-env", "rabbitmqctl")),
}
DEBIAN_BACKING["mysql"] = replace(DEBIAN_BACKING["mariadb"], label="MySQL")
#: where the generated entrypoint goes, from apps/<app>/ (the build context)
BACKING_ENTRYPOINT = "docker-entrypoint.sh"


def debian_backing(kind: str) -> Optional[DebianBacking]:
    return DEBIAN_BACKING.get(kind)


def _debian_backing_notes(kind: str, spec: DebianBacking, version: str) -> list[str]:
    got = ".".join(map(str, spec.version))
    server = "MariaDB" if kind in ("mysql", "mariadb") else spec.label
    v = images.version_tuple(version)
    if not v:
        return [f"{spec.label} version unknown; Debian bookworm's {server} {got} is used"]
    had = ".".join(map(str, v[:len(spec.version)] if kind != "postgres" or v[0] >= 10 else v[:2]))
    notes = []
    if kind == "mysql":
        notes.append(f"MySQL {had} is not packaged in Debian bookworm: MariaDB {got} serves it (same protocol, "
                     "MYSQL_* variables and data dir); restore a mysqldump, not the data files, and check "
                     "clients that need MySQL 8 features (caching_sha2_password, JSON functions)")
    elif v[:len(spec.version)] != spec.version and (kind != "postgres" or v[:1] != spec.version):
        notes.append(f"{spec.label} {had} moves to {got}, the version Debian bookworm packages: "
                     + ("restore a pg_dump taken on the VM (pg_restore into 15); the VM's data dir "
                        "itself needs pg_upgrade" if kind == "postgres" else
                        "restore a dump, not the VM's data files" if kind == "mariadb" else
                        "check the app against the new version"))
    return notes


def _backing(app, debian: bool = False) -> Recipe:
    kind = backing_kind(app)
    spec = DEBIAN_BACKING.get(kind) if debian else None
    if spec is None:
        image, notes = images.backing_image(kind, app.runtime_version)
        if debian:
            notes = notes + [f"{kind} is not packaged in Debian bookworm: the official image is kept "
                             "(it needs a registry that has it)"]
        _, uid, _, _ = BACKING_SPEC[kind]
        return Recipe(build=None, image=image, notes=notes, run_as_user=uid)
    data, uid, _, _ = BACKING_SPEC[kind]
    b = Build(base_image=images.DEBIAN_IMAGE, packages=list(spec.packages), workdir=data or "/",
              user=str(uid), entrypoint=["/bin/sh", "/usr/local/bin/" + BACKING_ENTRYPOINT], cmd=list(spec.cmd),
              env=dict(spec.env), files=[ConfigFile(source=BACKING_ENTRYPOINT,
                                                    target="/usr/local/bin/" + BACKING_ENTRYPOINT, configmap=False)],
              writable=[d for d in (data, *spec.runtime_dirs) if d])
    if kind in ("mysql", "mariadb", "postgres"):
        b.steps.append("mkdir -p /docker-entrypoint-initdb.d")
    notes = _debian_backing_notes(kind, spec, app.runtime_version)
    contract = ("variables and *_FILE, data dir, uid {uid}, /docker-entrypoint-initdb.d"
                if kind in ("mysql", "mariadb", "postgres") else "variables and *_FILE, data dir, uid {uid}"
                if kind == "rabbitmq" else "data dir, uid {uid}" if data else "uid {uid}").format(uid=uid)
    notes.append(f"built from {images.DEBIAN_IMAGE} with Debian's {', '.join(spec.packages)}; its entrypoint keeps "
                 f"the official {kind} image's contract ({contract})")
    return Recipe(build=b, notes=notes, run_as_user=uid, tool="bash")
