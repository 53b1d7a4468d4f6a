"""Concrete file names behind the glob patterns detectors want.

``wanted_files`` may return ``dir/*`` patterns; a fetcher that cannot expand
globs on the VM still gets the names a distro or a habit makes likely:
distro defaults (``sites-enabled/default``) and names taken from the host
itself (``/srv/shop`` -> ``sites-enabled/shop``, ``shop.conf``).
"""

from __future__ import annotations

import fnmatch
import re

from ..model import HostFacts
from .common import uniq

DEFAULTS = {
    "/etc/nginx/sites-enabled": ["default"],
    "/etc/nginx/conf.d": ["default.conf"],
    "/etc/apache2/sites-enabled": ["000-default.conf", "default-ssl.conf"],
    "/etc/apache2/mods-enabled": ["php5.load", "php7.0.load", "php7.2.load", "php7.3.load", "php7.4.load", "php8.1.load", "php8.2.load",
                                  "proxy_fcgi.load"],
    "/etc/httpd/conf.d": ["ssl.conf", "php.conf", "welcome.conf", "vhosts.conf"],
    "/etc/httpd/conf.modules.d": ["10-php.conf", "15-php.conf", "00-proxy.conf"],
    "/etc/php-fpm.d": ["www.conf"],
    "/etc/my.cnf.d": ["server.cnf", "mariadb-server.cnf", "mysql-server.cnf"],
    "/etc/mysql/conf.d": ["mysql.cnf", "mysqld.cnf"],
}
#: Directories whose files are named after the site or app they hold.
NAMED_AFTER_APP = ("/etc/nginx/sites-enabled", "/etc/nginx/conf.d", "/etc/apache2/sites-enabled", "/etc/httpd/conf.d",
                   "/etc/uwsgi/apps-enabled", "/etc/php-fpm.d")
_APP_DIRS = re.compile(r"^/(srv|opt|var/www|home|data|app|apps|www)/([^/]+)")
_NOT_NAMES = {"html", "www", "current", "releases", "shared", "bin", "lib", "app", "apps", "data"}


def app_names(facts: HostFacts, limit: int = 10) -> list[str]:
    """Names the host's own apps probably carry: /srv/<name>, /var/www/<name>, app users."""
    names: list[str] = []
    for p in facts.processes:
        for path in (p.cwd, p.exe):
            m = _APP_DIRS.match(path or "")
            if m and m.group(2) not in _NOT_NAMES:
                names.append(m.group(2))
    for s in facts.services:
        m = _APP_DIRS.match(s.working_directory or "")
        if m and m.group(2) not in _NOT_NAMES:
            names.append(m.group(2))
    names += [n.split(".")[0] for n in (facts.os.hostname, facts.host) if n]
    names += [u.name for u in facts.users if u.uid >= 1000 and u.uid < 60000 and u.name not in ("nobody", "ubuntu", "admin", "ec2-user")]
    # web01 / intranet01 / shop-prod: the site is usually called after the stem
    names += [re.sub(r"([-_]?(\d+|prod|production|web|app|srv))+$", "", n) for n in list(names)]
    return uniq(n for n in names if re.fullmatch(r"[\w.-]{2,40}", n))[:limit]


def concrete(facts: HostFacts, pattern: str) -> list[str]:
    """Likely real files matching ``pattern`` (a glob in its last component)."""
    if "*" not in pattern:
        return []
    directory, glob = pattern.rsplit("/", 1)
    if "*" in directory:
        # webapps/*/WEB-INF/web.xml: try the default context and the host's app names
        parts = directory.split("/")
        if sum("*" in x for x in parts) != 1 or "*" in glob:
            return []
        i = next(i for i, x in enumerate(parts) if "*" in x)
        return [f"{'/'.join(parts[:i] + [n] + parts[i + 1:])}/{glob}" for n in ["ROOT"] + app_names(facts)
                if fnmatch.fnmatch(n, parts[i])]
    names = list(DEFAULTS.get(directory, []))
    if directory in NAMED_AFTER_APP:
        for n in app_names(facts):
            names += [n, f"{n}.conf"] + ([f"{n}.ini"] if directory.endswith("apps-enabled") else [])
            if directory == "/etc/apache2/sites-enabled":
                names.append(f"{n}-le-ssl.conf")  # certbot's copy of the vhost for TLS
    m = re.fullmatch(r"/etc/php/(\d\.\d)/fpm/pool\.d", directory)
    if m:
        names.append("www.conf")
    return [f"{directory}/{n}" for n in uniq(names) if fnmatch.fnmatch(n, glob)]


