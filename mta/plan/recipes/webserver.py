"""Web servers: nginx and Apache httpd serving static files or proxying, with the
VM's site configuration.
"""

from __future__ import annotations

import posixpath

from ...model import Build
from .. import images
from .common import DEBIAN_APACHE_CMD, MB, app_root, code_files
from .registry import Recipe, register


def nginx_line(version: str) -> tuple[str, list[str]]:
    return images.minor_line("nginx", version, [(1, m) for m in range(10, 30)], "1.28",
                       "nginx version unknown; using the 1.28 stable line")


@register("nginx", stacks=("static-nginx", "nginx", "nginx-proxy"),
          naive=(190 * MB, "debian:bookworm + nginx-full (recommends)"))
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
        line, notes = nginx_line(app.runtime_version)
        b = Build(base_image=f"nginx:{line}-alpine",
                  steps=["sed -i -e 's|^pid .*|pid /tmp/nginx.pid;|' /etc/nginx/nginx.conf"],
                  writable=["/var/cache/nginx"])
        tool = "wget"
        drop = ["rm -f /etc/nginx/conf.d/default.conf"]
    has_config = bool(app.config_files)
    docroot = "/var/www/html" if debian else "/usr/share/nginx/html"

    def code_target(p: str) -> str:
        return p if has_config else docroot

    b.files = code_files(app, code_target)
    b.workdir = code_target(app_root(app)) if app.code_paths else docroot
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


@register("httpd", stacks=("static-apache", "apache", "httpd", "apache-proxy"),
          naive=(250 * MB, "debian:bookworm + apache2 (recommends)"))
def _httpd(app, facts, debian: bool) -> Recipe:
    vhosts = [p for p in app.config_files if _is_vhost(p)]
    if debian:
        b = Build(base_image=images.DEBIAN_IMAGE, packages=["apache2"],
                  steps=["ln -sf /dev/stdout /var/log/apache2/access.log"
                         " && ln -sf /dev/stderr /var/log/apache2/error.log"],
                  writable=["/var/run/apache2", "/var/lock/apache2", "/var/log/apache2"])
        docroot, cmd, confdir = "/var/www/html", list(DEBIAN_APACHE_CMD), "/etc/apache2/sites-enabled"
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

    b.files = code_files(app, code_target)
    b.workdir = code_target(first) if first else docroot
    return Recipe(build=b, tool="bash", notes=notes, code_target=code_target, config_target=config_target,
                  default_cmd=cmd, server=True, drop_default_site=drop)
