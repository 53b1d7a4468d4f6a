"""PHP: mod_php under Apache (php:<line>-apache or Debian's apache2 +
libapache2-mod-php) and PHP-FPM; extensions from the VM's php-* packages.
"""

from __future__ import annotations

import posixpath
import re

from ...model import Build
from .. import images
from .common import DEBIAN_APACHE_CMD, MB, app_root, code_files
from .registry import Recipe, register


NAIVE = (520 * MB, "debian:bookworm + apache2 + php + all php extensions (recommends)")


PHP = [(5, 6)] + [(7, m) for m in range(0, 5)] + [(8, m) for m in range(0, 5)]


def php_line(version: str) -> tuple[str, list[str]]:
    return images.minor_line("PHP", version, PHP, "8.2", "PHP version unknown; assuming 8.2")


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


def _official_build(app, variant: str, exts: list[str], notes: list[str]) -> Build:
    """The official ``php:<line>-<variant>`` image with the VM's extensions compiled in
    (the version's notes appended to ``notes``)."""
    line, vnotes = php_line(app.runtime_version)
    notes += vnotes
    b = Build(base_image=f"php:{line}-{variant}")
    if exts:
        b.steps = ["docker-php-ext-install " + " ".join(exts)]
    return b


@register("php-apache", stacks=("php-apache", "php"), naive=NAIVE)
def _php_apache(app, facts, debian: bool) -> Recipe:
    exts, notes = _php_extensions(facts, debian)
    steps: list[str] = []
    if debian:
        b = Build(base_image=images.DEBIAN_IMAGE, packages=["apache2", "libapache2-mod-php"] +
                  [f"php-{e.replace('pdo_', '')}" for e in exts if e in ("mysqli", "pdo_mysql", "bcmath")])
        b.packages = sorted(set(p.replace("php-mysqli", "php-mysql") for p in b.packages) | set(_debian_php_modules(facts)))
        steps.append("a2enmod rewrite && ln -sf /dev/stdout /var/log/apache2/access.log"
                     " && ln -sf /dev/stderr /var/log/apache2/error.log")
        cmd = list(DEBIAN_APACHE_CMD)
        php_ini = "/etc/php/8.2/apache2/php.ini"
        notes.append("Debian 12 ships PHP 8.2 - test, or use --base official")
    else:
        b = _official_build(app, "apache", exts, notes)
        steps += [*b.steps, "a2enmod rewrite"]
        cmd = ["apache2-foreground"]
        php_ini = "/usr/local/etc/php/php.ini"
    b.steps = steps
    b.writable = ["/var/run/apache2", "/var/lock/apache2", "/var/log/apache2"]
    # Without the VM's vhost the image serves /var/www/html, so the docroot moves there.
    has_site = any(("/apache2/" in p or "/httpd/" in p) and p.endswith(".conf") for p in app.config_files)
    root = app_root(app)

    def code_target(p: str) -> str:
        if has_site or not app.code_paths:
            return p
        return "/var/www/html" + p[len(root):] if p == root or p.startswith(root.rstrip("/") + "/") else p

    b.files = code_files(app, code_target)
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


@register("php-fpm", stacks=("php-fpm",), naive=NAIVE)
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
        b = _official_build(app, "fpm", exts, notes)
        cmd = ["php-fpm"]
    b.workdir = app_root(app)
    b.files = code_files(app, lambda p: p)
    return Recipe(build=b, tool="bash" if debian else "php", notes=notes, default_cmd=cmd, server=True)
