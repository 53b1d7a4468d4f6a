"""Web apps installed from distribution packages, laid out the distro's way.

Debian splits a packaged web app over several trees: code in ``/usr/share/<app>``,
a web root or writable state in ``/var/lib/<app>``, the admin's settings in
``/etc/<app>/`` (often reached through symlinks from the code tree). A detector
that only sees the web server's document root finds a fraction of the app and
none of its configuration. ``layout_of`` names the whole app when a document
root (or a Passenger app root) belongs to an installed package, so the code,
the configuration outside the code tree and the data all follow the app.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Optional

from ..model import Evidence, HostFacts
from .common import ev_package, packages_matching


@dataclass(frozen=True)
class Layout:
    package: str
    framework: str
    code: tuple[str, ...]  # trees of the app's code, the web root first
    config: tuple[str, ...]  # the admin's settings outside the code tree (globs)
    db_config: tuple[str, ...]  # which of those name the database (globs)
    data: tuple[str, ...]  # what the app writes at run time (uploads, attachments)
    #: distro packages whose files the code tree links to (Debian replaces bundled
    #: libraries by symlinks), with the tree each provides: an image that copies the
    #: code tree installs them, and the links into those trees are kept as they are
    links_into: tuple[tuple[str, str], ...] = ()
    env: tuple[tuple[str, str], ...] = ()  # variables the packaged server config sets
    logs: tuple[str, ...] = ()  # where the app logs (the code tree links there)
    #: debconf answers an image that installs the package gives first ("*": each instance,
    #: "{instances}": all of them): its postinst must not set up a database in the image
    debconf: tuple[str, ...] = ()
    writable: tuple[str, ...] = ()  # what the app writes besides its data and logs (caches, tmp)
    #: the settings file read when no per-host one matches the request's Host header;
    #: a container is reached by names the VM never was (localhost, a service name)
    default_config: str = ""
    #: parts of the code that only the app's PHP reads (messages, libraries) and its own web
    #: server config denies: a proxy in front of the app serving its static files leaves them out
    php_only: tuple[str, ...] = ()


LAYOUTS = (
    # README.Debian: per-host /etc/wordpress/config-<host>.php read by /usr/share/wordpress/wp-config.php;
    # themes/plugins/uploads in /var/lib/wordpress/wp-content (WP_CONTENT_DIR)
    Layout("wordpress", "wordpress", ("/usr/share/wordpress", "/var/lib/wordpress/wp-content"),
           ("/etc/wordpress/*.php", "/etc/wordpress/htaccess"), ("/etc/wordpress/config-*.php",),
           ("/var/lib/wordpress/wp-content/uploads",), default_config="/etc/wordpress/config-default.php",
           links_into=(("libjs-cropper", "/usr/share/javascript/cropper"),
                       ("libjs-underscore", "/usr/share/javascript/underscore"),
                       ("php-getid3", "/usr/share/php/getid3"), ("ca-certificates", "/etc/ssl/certs"))),
    # /var/lib/mediawiki is the web root: links into /usr/share/mediawiki and to /etc/mediawiki/LocalSettings.php
    # the nginx config MediaWiki documents denies includes/, languages/, maintenance/…; i18n/ are messages PHP loads
    Layout("mediawiki", "mediawiki", ("/var/lib/mediawiki", "/usr/share/mediawiki"),
           ("/etc/mediawiki/*.php",), ("/etc/mediawiki/LocalSettings.php",), ("/var/lib/mediawiki/images",),
           php_only=("/usr/share/mediawiki/languages", "/usr/share/mediawiki/includes",
                     "/usr/share/mediawiki/maintenance", "/usr/share/mediawiki/tests", "**/i18n"),
           writable=("/var/cache/mediawiki",)),  # Debian's $wgCacheDirectory: the localisation cache
    # one instance per /etc/redmine/<instance>/ (database.yml, secret_key.txt), files in /var/lib/redmine/<instance>
    Layout("redmine", "rails", ("/usr/share/redmine", "/var/lib/redmine"),
           ("/etc/redmine/*/database.yml", "/etc/redmine/*/configuration.yml", "/etc/redmine/*/additional_environment.rb",
            "/etc/redmine/*/secret_key.txt", "/etc/default/redmine"),
           ("/etc/redmine/*/database.yml",), ("/var/lib/redmine/*/files",), env=(("RAILS_ENV", "production"),),
           # the package's own links (config/database.yml -> /etc/redmine/<instance>, the instance's log and
           # tmp) and public/javascripts/* -> Debian's JavaScript libraries
           links_into=(("redmine", "/etc/redmine"), ("redmine", "/var/log/redmine"), ("redmine", "/var/cache/redmine"),
                       ("libjs-jquery", "/usr/share/javascript/jquery"),
                       ("libjs-jquery-ui", "/usr/share/javascript/jquery-ui"),
                       ("libjs-raphael", "/usr/share/javascript/raphael"),
                       ("libjs-chart.js", "/usr/share/javascript/chart.js"),
                       ("ruby-jquery-rails", "/usr/share/ruby-jquery-rails")),
           logs=("/var/log/redmine",),
           debconf=("redmine redmine/current-instances string {instances}",
                    "redmine redmine/instances/*/dbconfig-install boolean false"),
           writable=("/var/cache/redmine/*/tmp", "/var/cache/redmine/*/plugin_assets")),
)


def provided_trees(packages: list[str]) -> list[str]:
    """The trees that ``packages`` (an image's build.packages) install, of those a packaged
    app's code links into: a link into one resolves in the image."""
    names = set(packages)
    return list(dict.fromkeys(t for lay in LAYOUTS for p, t in lay.links_into if p in names))


def installed(facts: HostFacts) -> list[Layout]:
    names = {p.name for p in facts.packages}
    return [lay for lay in LAYOUTS if lay.package in names]


def wanted(facts: HostFacts) -> list[str]:
    """The settings files of every installed packaged app (globs)."""
    return [g for lay in installed(facts) for g in lay.config]


def _under(path: str, tree: str) -> bool:
    path, tree = path.rstrip("/") or "/", tree.rstrip("/") or "/"
    return path == tree or path.startswith(tree + "/")


def layout_of(facts: HostFacts, roots: list[str]) -> Optional[Layout]:
    """The installed packaged app one of ``roots`` (document roots, app roots) belongs to."""
    for lay in installed(facts):
        if any(_under(r, c) for r in roots for c in lay.code):
            return lay
    return None


def matching(facts: HostFacts, globs: tuple[str, ...]) -> list[str]:
    """Fetched files matching ``globs`` (a ``*`` stays within one path component)."""
    return [f.path for f in facts.files
            if any(fnmatch.fnmatch(f.path, g) and f.path.count("/") == g.count("/") for g in globs)]


def instances(facts: HostFacts, lay: Layout) -> list[str]:
    """The instance names a layout's ``*`` stands for: those its fetched settings were
    found under (/etc/redmine/<instance>/database.yml)."""
    names: list[str] = []
    for g in lay.config:
        head, _, tail = g.partition("*")
        if "/" not in tail:
            continue  # the * names a file, not an instance
        rx = re.compile(re.escape(head) + r"([\w.-]+)" + re.escape(tail).replace(r"\*", r"[^/]*") + "$")
        names += [m.group(1) for f in facts.files for m in [rx.match(f.path)] if m and m.group(1) not in names]
    return names


def data_paths(facts: HostFacts, lay: Layout) -> list[str]:
    """The layout's data dirs; a ``*`` (one per instance) takes the instances' names."""
    names = instances(facts, lay)
    out: list[str] = []
    for d in lay.data:
        out += [d.replace("*", n, 1) for n in names] if "*" in d else [d]
    return out


def writable(facts: HostFacts, lay: Layout) -> list[str]:
    """The layout's writable dirs for the VM's instances."""
    names = instances(facts, lay)
    return [w.replace("*", n, 1) for w in lay.writable for n in (names if "*" in w else [""])]


def debconf(facts: HostFacts, lay: Layout) -> list[str]:
    """The layout's debconf answers for the VM's instances."""
    names = instances(facts, lay)
    out: list[str] = []
    for line in lay.debconf:
        if "{instances}" in line:
            out += [line.replace("{instances}", " ".join(names))] if names else []
        else:
            out += [line.replace("*", n, 1) for n in names] if "*" in line else [line]
    return out
#: the names discovery's own GET reached the site by (the smoke expectation comes from it)
_PROBED_NAMES = ("127.0.0.1", "localhost")


def default_source(facts: HostFacts, lay: Layout) -> tuple[str, str]:
    """(the per-host settings file to serve as ``lay.default_config``, why none) when the
    VM has no default of its own: its only one, else the one for the name discovery's
    GET used (the page the smoke test expects was served with it)."""
    if not lay.default_config or facts.file(lay.default_config):
        return "", ""
    found = [p for p in matching(facts, lay.db_config) if p != lay.default_config]
    if len(found) == 1:
        return found[0], ""
    head, _, tail = lay.db_config[0].partition("*") if lay.db_config else ("", "", "")
    probed = [head + n + tail for n in _PROBED_NAMES if head + n + tail in found]
    if probed:
        return probed[0], ""
    return "", (f"{lay.package}: no {lay.default_config} on the VM and {len(found)} per-host settings files "
                f"({', '.join(found) or 'none fetched'}): requests for other host names (health checks, "
                f"localhost) answer 404; link the site's file as {lay.default_config}")


def evidence(facts: HostFacts, lay: Layout) -> list[Evidence]:
    pk = next(iter(packages_matching(facts, re.escape(lay.package))), None)
    return [ev_package(pk, f"{lay.package} {pk.version} from the distribution: code in {', '.join(lay.code)}, "
                           f"settings in {', '.join(sorted({c.rsplit('/', 1)[0] for c in lay.config}))}")] if pk else []


def service_config_dir(facts: HostFacts, service: str) -> str:
    """``/etc/<project>`` of a service Debian packages under its own name
    (barbican-api, barbican-worker → /etc/barbican; gnocchi-metricd → /etc/gnocchi):
    the admin's settings the program reads by convention, named by no argument."""
    if not service or service not in {p.name for p in facts.packages}:
        return ""
    project = service.split("-", 1)[0]
    return f"/etc/{project}" if re.fullmatch(r"[a-z0-9][a-z0-9.+]*", project) else ""


#: settings file kinds a service's config dir holds (its data and keys stay out)
_SETTINGS = (".conf", ".ini", ".yaml", ".yml", ".json", ".cfg")


def service_config_wanted(facts: HostFacts, service: str) -> list[str]:
    """Globs discovery expands on the VM for the service's settings."""
    d = service_config_dir(facts, service)
    return [f"{d}/*{ext}" for ext in _SETTINGS] if d else []


def service_config_files(facts: HostFacts, service: str) -> list[str]:
    """The fetched settings files directly in the service's config dir."""
    d = service_config_dir(facts, service)
    return sorted(f.path for f in facts.files if d and f.path.startswith(d + "/") and "/" not in f.path[len(d) + 1:]
                  and f.path.endswith(_SETTINGS)) if d else []
