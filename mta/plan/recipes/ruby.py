"""Ruby: Rack apps (Rails, Sinatra) on puma, unicorn, thin or Passenger, and
Sidekiq workers; bundle install in a builder stage. A Rails app the distribution
packages (Debian's redmine) runs on --base debian on the same Debian packages and
Apache + mod_passenger instead: its gems are packages, there is no bundle.
"""

from __future__ import annotations

import posixpath
import re
from typing import Optional

from ...detect import packaged
from ...model import Build, ConfigFile
from .. import images
from ..paths import context_path
from ..shell import apt, q
from .common import DEBIAN_APACHE_CMD, MB, app_root, code_files
from .registry import Recipe, register
from .webserver import _is_vhost


NAIVE = (1000 * MB, "ruby:3.2 (full Debian + build toolchain)")


#: official ruby:<line> / ruby:<line>-slim tags; older lines have no published image
RUBY = [(2, m) for m in range(3, 8)] + [(3, m) for m in range(0, 5)]


def ruby_line(version: str) -> tuple[str, list[str]]:
    return images.minor_line("Ruby", version, RUBY, "3.3", "Ruby version unknown; assuming 3.3")


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

    if server in ("passenger", "passenger-apache"):
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


def _ruby_packaged(app, facts, lay: packaged.Layout) -> Recipe:
    """A Rails app the distribution packages (Debian's redmine) on --base debian: its gems are
    Debian packages (ruby-rails & co.) and there is no gem source to bundle from, so the image
    installs the same packages the VM has (the app, its database adapter package) and the server
    the package documents, Apache + mod_passenger (the VM's, when it ran there), then the VM's code
    tree goes over the installed one byte for byte. The package's postinst is told not to set up a
    database (debconf): the VM's database.yml and data come with the app."""
    root = app_root(app)
    have = {p.name for p in facts.packages}
    # the app, the packages completing it (redmine-mysql: the adapter the VM's database.yml uses), the server
    pkgs = [lay.package] + sorted(n for n in have if n.startswith(lay.package + "-"))
    pkgs += ["apache2", "libapache2-mod-passenger"]
    vhosts = [p for p in app.config_files if _is_vhost(p)]
    port = app.ports[0].port if app.ports else 80
    steps = ["a2enmod passenger && ln -sf /dev/stdout /var/log/apache2/access.log"
             " && ln -sf /dev/stderr /var/log/apache2/error.log"]
    notes = [f"{lay.package} and its gems come from Debian's packages, as on the VM ({', '.join(pkgs)}); "
             f"the VM's code tree is copied over the installed {lay.package} byte for byte",
             f"the package's postinst does not touch a database in the image (debconf): the VM's "
             f"{', '.join(p for p in app.config_files if p.endswith('database.yml')) or 'database.yml'} "
             "and its data come with the app"]
    if app.stack == "passenger-apache":
        notes.append("runs on Apache with mod_passenger, as on the VM, with the VM's virtual host")
    else:
        notes.append(f"the VM ran it on {app.stack}; the image runs Apache with mod_passenger, the server "
                     f"{lay.package}'s package documents, on port {port}")
    if not vhosts:
        inst = packaged.instances(facts, lay)
        lines = ([f"Listen {port}"] if port != 80 else []) + [f"<VirtualHost *:{port}>", "  RailsEnv production"]
        lines += [f'  SetEnv REDMINE_INSTANCE "{inst[0]}"'] if inst and lay.package == "redmine" else []
        lines += [f"  DocumentRoot {root}/public", f"  <Directory {root}/public>", "    Require all granted",
                  "    Options -MultiViews", "  </Directory>", "</VirtualHost>"]
        steps.append("printf '%s\\n' " + " ".join(q(x) for x in lines) + " > /etc/apache2/sites-available/mta-app.conf"
                     " && a2ensite mta-app && a2dissite 000-default")
        notes.append(f"no virtual host of the VM's: the image serves {root}/public through Passenger on port {port}")
    env = {k: v for k, v in lay.env if not any(e.name == k for e in app.env)}
    b = Build(base_image=images.DEBIAN_IMAGE, packages=pkgs, debconf=packaged.debconf(facts, lay), env=env,
              steps=steps, workdir=root,
              writable=["/var/run/apache2", "/var/lock/apache2", "/var/log/apache2", *packaged.writable(facts, lay)])
    b.files = code_files(app, lambda p: p)

    def config_target(p: str) -> str:
        if "/apache2/" in p or "/httpd/" in p:
            # the VM's sites; apache2.conf, ports.conf, conf-enabled/ and mods are the image's own
            return f"/etc/apache2/sites-enabled/{posixpath.basename(p)}" if _is_vhost(p) else ""
        return p

    return Recipe(build=b, tool="bash", notes=notes, config_target=config_target,
                  default_cmd=list(DEBIAN_APACHE_CMD), server=True,
                  drop_default_site=["a2dissite 000-default"])


@register("ruby", stacks=("ruby", "puma", "unicorn", "thin", "passenger", "passenger-apache", "rackup", "sidekiq",
                           "rails", "sinatra"), naive=NAIVE)
def _ruby(app, facts, debian: bool) -> Recipe:
    lay = packaged.layout_of(facts, list(app.code_paths))
    if debian and lay and lay.framework == "rails":
        return _ruby_packaged(app, facts, lay)
    root = app_root(app)
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
        prepare = [apt(dev), f"mkdir -p {bundle}"]
    else:
        line, notes = ruby_line(app.runtime_version)
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
    b.files = code_files(app, lambda p: p)
    cmd, cnotes = _ruby_cmd(app, root, gems)
    # Passenger under Apache on the VM: the app server replaces Apache here, its config stays behind
    web_conf = [p for p in app.config_files if "/apache2/" in p or "/httpd/" in p]
    if web_conf:
        cnotes.append("the VM's Apache configuration is not used: the image runs the app server itself")
    return Recipe(build=b, tool="bash", notes=notes + cnotes, default_cmd=cmd, server=True,
                  config_target=lambda p: "" if p in web_conf else p)
