"""Recipes for the stacks beyond the first families: Ruby, .NET, WildFly/JBoss and
self-contained binaries. Each host goes through the real detectors, the plan and
the renderers, on --base official and --base debian, and every artifact through
the real validators (hadolint, kubernetes-validate, docker-compose)."""

from __future__ import annotations

import json

import pytest

from mta.detect import detect_apps
from mta.model import App, EnvVar, HttpCheck, PortSpec
from mta.plan import images, make_plan
from mta.plan.recipes import family_of, java, ruby
from mta.render import render_host
from mta.plan.recipes import naive_size
from tests.detect.helpers import facts, file, proc, sock, svc

from .cases import write

LOCK = """GEM
  remote: https://rubygems.org/
  specs:
    pg (1.2.3)
    puma (4.3.12)
    rails (5.2.8)

PLATFORMS
  ruby

DEPENDENCIES
  pg
  puma
  rails

BUNDLED WITH
   1.17.3
"""


def puma_host():
    """A Rails app under puma from rbenv Ruby 2.6, behind nothing."""
    f = facts(processes=[proc(700, ["puma 4.3.5 (tcp://0.0.0.0:3000) [app]"], exe="/home/deploy/.rbenv/versions/2.6.6/bin/ruby",
                              cwd="/srv/app/current", user="deploy"),
                         proc(701, ["puma: cluster worker 0: 700 [app]"], ppid=700,
                              exe="/home/deploy/.rbenv/versions/2.6.6/bin/ruby", cwd="/srv/app/current", user="deploy")],
              sockets=[sock(3000, 700)],
              files=[file("/srv/app/current/Gemfile", "source 'https://rubygems.org'\ngem 'rails', '5.2.8'\ngem 'pg'\ngem 'puma'\n"),
                     file("/srv/app/current/Gemfile.lock", LOCK),
                     file("/srv/app/current/config/puma.rb", "workers 2\nbind 'tcp://0.0.0.0:3000'\n")],
              http=[HttpCheck(port=3000, status=200, title="Blog")])
    return f


def unicorn_host():
    """unicorn (daemonized, with its config) and a sidekiq worker, Ruby 2.4 from .ruby-version."""
    return facts(processes=[proc(10, "unicorn master -c /srv/shop/current/config/unicorn.rb -E production -D",
                                 exe="/usr/local/bin/ruby", cwd="/srv/shop/current", user="shop"),
                            proc(11, "unicorn worker[0] -c /srv/shop/current/config/unicorn.rb -E production -D", ppid=10,
                                 exe="/usr/local/bin/ruby", cwd="/srv/shop/current", user="shop"),
                            proc(20, ["sidekiq 5.2.9 shop [0 of 10 busy]"], exe="/usr/local/bin/ruby", cwd="/srv/shop/current",
                                 user="shop")],
                 sockets=[sock(8080, 10)],
                 files=[file("/srv/shop/current/.ruby-version", "2.4.10\n"),
                        file("/srv/shop/current/Gemfile", "gem 'rails', '5.1.7'\ngem 'unicorn'\ngem 'sidekiq'\n"),
                        file("/srv/shop/current/config/unicorn.rb", "listen 8080\nworker_processes 2\n"),
                        file("/srv/shop/current/config/sidekiq.yml", ":concurrency: 10\n")])


def dotnet_host():
    rc = json.dumps({"runtimeOptions": {"tfm": "netcoreapp3.1",
                                        "framework": {"name": "Microsoft.AspNetCore.App", "version": "3.1.0"}}})
    return facts(processes=[proc(90, "/usr/bin/dotnet /srv/api/Api.dll", exe="/usr/share/dotnet/dotnet", cwd="/srv/api",
                                 user="www-data", unit="api.service")],
                 sockets=[sock(5000, 90, addr="127.0.0.1")],
                 services=[svc("api", 90, user="www-data", environment={"ASPNETCORE_URLS": "http://localhost:5000"})],
                 files=[file("/srv/api/Api.runtimeconfig.json", rc), file("/srv/api/appsettings.json", "{}")],
                 http=[HttpCheck(port=5000, path="/health", status=200)])


def go_host():
    return facts(processes=[proc(50, "/opt/gateway/gateway -listen :8080", exe="/opt/gateway/gateway", cwd="/opt/gateway",
                                 user="gw", unit="gateway.service")],
                 sockets=[sock(8080, 50)], services=[svc("gateway", 50, user="gw")],
                 http=[HttpCheck(port=8080, path="/healthz", status=200)])


def wildfly_host():
    cmd = ["/usr/lib/jvm/java-1.8.0/bin/java", "-D[Standalone]", "-Xmx1g",
           "-Djboss.home.dir=/opt/wildfly", "-Djboss.server.base.dir=/opt/wildfly/standalone",
           "-jar", "/opt/wildfly/jboss-modules.jar", "-mp", "/opt/wildfly/modules", "org.jboss.as.standalone",
           "-b", "0.0.0.0", "-c", "standalone-full.xml"]
    return facts(processes=[proc(900, cmd, user="wildfly", exe="/usr/lib/jvm/java-1.8.0-openjdk-1.8.0.292.b10-1.el7_9.x86_64/jre/bin/java",
                                 cwd="/opt/wildfly")],
                 sockets=[sock(8080, 900), sock(9990, 900, addr="127.0.0.1")],
                 files=[file("/opt/wildfly/version.txt", "WildFly Full 10.1.0.Final (WildFly Core 2.2.0.Final)\n"),
                        file("/opt/wildfly/standalone/configuration/standalone-full.xml", "<server/>\n"),
                        file("/opt/wildfly/bin/standalone.conf", 'JAVA_OPTS="-Xmx1g"\n'),
                        file("/opt/wildfly/standalone/deployments/shop.war.deployed", "")],
                 http=[HttpCheck(port=8080, path="/shop/", status=200, title="Shop")])


HOSTS = {"puma": puma_host, "unicorn": unicorn_host, "dotnet": dotnet_host, "go": go_host, "wildfly": wildfly_host}


def generate(name: str, base: str, apps=None):
    f = HOSTS[name]()
    apps = detect_apps(f) if apps is None else apps
    plan = make_plan(f, apps, base=base, discovery_path="discovery.yaml")
    return plan, render_host(f, plan)


def froms(dockerfile: str) -> list[str]:
    return [line.split()[1] for line in dockerfile.splitlines() if line.startswith("FROM ")]


def cmd_of(dockerfile: str) -> list[str]:
    line = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    return json.loads(line[4:])


# --- the validators, on every host and base ------------------------------------

@pytest.fixture(scope="module", params=[(h, b) for h in HOSTS for b in ("official", "debian")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def generated(request, tmp_path_factory):
    name, base = request.param
    plan, files = generate(name, base)
    return plan, write(files, tmp_path_factory.mktemp(f"{name}-{base}"))


def test_dockerfiles_pass_hadolint(generated, validators):
    plan, root = generated
    dockerfiles = sorted(root.glob("apps/*/Dockerfile"))
    assert len(dockerfiles) == len([a for a in plan.apps if a.include and a.build]) > 0
    assert {str(p.relative_to(root)): validators.hadolint(p) for p in dockerfiles} == \
        {str(p.relative_to(root)): [] for p in dockerfiles}


def test_k8s_and_compose_validate(generated, validators):
    _, root = generated
    assert validators.kube_validate(sorted(root.glob("k8s/*.yaml"))) == []
    assert validators.compose_validate(root / "compose.yaml") == []


def test_pinned_non_root_with_a_cmd(generated):
    _, root = generated
    for df in root.glob("apps/*/Dockerfile"):
        text = df.read_text()
        assert all(":" in f and not f.endswith(":latest") for f in froms(text))
        assert [line for line in text.splitlines() if line.startswith("USER ")][-1] == "USER 10001"
        assert cmd_of(text)
        assert "HEALTHCHECK" in text


# --- what each recipe decides ----------------------------------------------------

def test_families():
    assert {family_of(App(name="x", stack=s)) for s in ("puma", "unicorn", "thin", "passenger", "rackup", "sidekiq")} == {"ruby"}
    assert family_of(App(name="x", stack="dotnet", runtime="dotnet")) == "dotnet"
    assert family_of(App(name="x", stack="wildfly", runtime="java")) == "wildfly"
    assert family_of(App(name="x", stack="jboss", runtime="java")) == "wildfly"
    assert family_of(App(name="x", stack="binary")) == "binary"
    assert family_of(App(name="x", stack="go", runtime="go")) == "binary"
    assert naive_size("", "binary") == naive_size("go")
    assert naive_size("", "puma") == naive_size("ruby")


def test_ruby_line():
    assert ruby.ruby_line("2.6") == ("2.6", [])
    assert ruby.ruby_line("3.3.4") == ("3.3", [])
    line, notes = ruby.ruby_line("1.9.3")
    assert line == "2.3" and "closest available 2.3" in notes[0]
    assert ruby.ruby_line("")[0] == "3.3"


def test_puma_official():
    plan, files = generate("puma", "official")
    app = plan.app("web")
    b = app.build
    assert (b.builder_image, b.base_image) == ("ruby:2.6", "ruby:2.6-slim")
    assert b.packages == ["libpq5"]  # the pg gem's runtime library; the full ruby image builds it
    assert [(c.source, c.target) for c in b.builder_files] == [("context/srv/app/current", "/src")]
    step = b.builder_steps[0]
    assert "bundle config set --local deployment true" not in step  # bundler 1.17 in ruby:2.6
    assert "bundle config --local deployment true" in step and "without development:test" in step
    assert "path /usr/local/bundle" in step and "bundle install" in step
    assert [(a.source, a.target) for a in b.artifacts] == [("/usr/local/bundle", "/usr/local/bundle")]
    assert b.cmd == ["bundle", "exec", "puma", "-C", "config/puma.rb", "-b", "tcp://0.0.0.0:3000"]
    assert b.env["BUNDLE_APP_CONFIG"] == "/usr/local/bundle" and b.env["RAILS_ENV"] == "production"
    df = files["apps/web/Dockerfile"]
    assert froms(df) == ["ruby:2.6", "ruby:2.6-slim"]
    assert 'COPY --from=build --chown=10001:0 ["/usr/local/bundle", "/usr/local/bundle"]' in df
    assert 'COPY --chown=10001:0 ["context/srv/app/current", "/srv/app/current"]' in df
    assert "HEALTHCHECK" in df and "CMD [\"bash\"" in df.split("HEALTHCHECK", 1)[1]
    assert "/srv/app/current/tmp" in b.writable


def test_puma_debian():
    plan, _ = generate("puma", "debian")
    b = plan.app("web").build
    assert (b.builder_image, b.base_image) == (images.DEBIAN_IMAGE, images.DEBIAN_IMAGE)
    assert sorted(b.packages) == ["libpq5", "ruby", "ruby-bundler"]
    step = b.builder_steps[0]
    assert "build-essential libpq-dev ruby ruby-bundler ruby-dev" in step
    assert "export BUNDLE_APP_CONFIG=/usr/local/bundle" in step
    assert "bundle config set --local deployment true" in step and "without 'development test'" in step
    assert b.cmd == ["bundle", "exec", "puma", "-C", "config/puma.rb", "-b", "tcp://0.0.0.0:3000"]
    assert any("Debian 12 ships 3.1" in n for n in plan.app("web").notes)


def test_unicorn_and_sidekiq():
    for base in ("official", "debian"):
        plan, files = generate("unicorn", base)
        web, worker = plan.app("web"), plan.app("worker")
        if base == "official":
            assert web.build.base_image == "ruby:2.4-slim" and web.build.builder_image == "ruby:2.4"
        assert web.build.cmd == ["bundle", "exec", "unicorn", "-c", "/srv/shop/current/config/unicorn.rb",
                                 "-E", "production"]
        assert any("-D dropped" in n for n in web.notes)
        assert "if [ -f Gemfile.lock ]" in web.build.builder_steps[0]  # no lock was seen
        assert worker.build.cmd == ["bundle", "exec", "sidekiq", "-C", "config/sidekiq.yml"]
        assert not worker.expose and "# No HEALTHCHECK:" in files["apps/worker/Dockerfile"]


def test_passenger_runs_puma():
    f = facts(processes=[proc(21, ["Passenger AppPreloader: /srv/blog"], exe="/usr/bin/ruby2.5", user="blog")],
              files=[file("/srv/blog/Gemfile.lock", LOCK.replace("    puma (4.3.12)\n", ""))])
    apps = detect_apps(f)
    plan = make_plan(f, apps, base="official")
    ap = plan.apps[0]
    assert ap.stack == "passenger" and ap.build.base_image == "ruby:2.5-slim"
    assert ap.build.cmd == ["bundle", "exec", "puma", "-b", "tcp://0.0.0.0:3000"]
    assert any("runs on puma" in n and "add gem 'puma'" in n for n in ap.notes)


def test_dotnet_official_and_debian():
    for base in ("official", "debian"):
        plan, files = generate("dotnet", base)
        ap = plan.app("api")
        b = ap.build
        assert b.base_image == "mcr.microsoft.com/dotnet/aspnet:3.1" and not b.builder_image
        assert b.cmd == ["dotnet", "/srv/api/Api.dll"]
        assert b.env == {"ASPNETCORE_URLS": "http://+:5000"}
        assert [(c.source, c.target) for c in b.files][:1] == [("context/srv/api", "/srv/api")]
        assert any("sdk:3.1" in n for n in ap.notes)
        assert any("ASPNETCORE_URLS=http://localhost:5000" in n for n in ap.notes)
        assert ("Debian 12 has no .NET packages" in " ".join(ap.notes)) == (base == "debian")
        assert froms(files["apps/api/Dockerfile"]) == ["mcr.microsoft.com/dotnet/aspnet:3.1"]


def test_dotnet_self_contained_apphost():
    f = dotnet_host()
    app = App(name="api", stack="dotnet", runtime="dotnet", runtime_version="8.0", command=["/srv/api/Api"],
              code_paths=["/srv/api"], workdir="/srv/api", ports=[PortSpec(port=5000, http=True)])
    official = make_plan(f, [app], base="official").apps[0].build
    debian = make_plan(f, [app], base="debian").apps[0].build
    assert official.base_image == "mcr.microsoft.com/dotnet/runtime-deps:8.0" and official.cmd == ["/srv/api/Api"]
    assert debian.base_image == images.DEBIAN_IMAGE and debian.packages == ["ca-certificates", "libicu72", "libssl3"]


def test_binary_on_debian_libc():
    for base in ("official", "debian"):
        plan, files = generate("go", base)
        ap = plan.app("gateway")
        assert ap.stack == "binary"
        assert ap.build.base_image == images.DEBIAN_IMAGE and ap.build.packages == ["ca-certificates"]
        assert ap.build.cmd == ["/opt/gateway/gateway", "-listen", ":8080"]
        # its working directory, the binary inside: templates and static files come along
        assert [(c.source, c.target) for c in ap.build.files] == [("context/opt/gateway", "/opt/gateway")]
        assert any("statically linked" in n for n in ap.notes)
        assert "HEALTHCHECK --interval" in files["apps/gateway/Dockerfile"]


def test_confirmed_go_on_distroless(tmp_path, validators):
    f = go_host()
    app = detect_apps(f)[0].model_copy(update={"stack": "go", "runtime": "go"})
    plan = make_plan(f, [app], base="official")
    b = plan.apps[0].build
    assert b.base_image == "gcr.io/distroless/base-debian12:nonroot" and not b.packages and not b.steps
    files = render_host(f, plan)
    df = files["apps/gateway/Dockerfile"]
    assert "RUN " not in df and "ENTRYPOINT" not in df
    assert "# No HEALTHCHECK: no tool in the image" in df
    assert plan.apps[0].readiness.kind == "http"  # Kubernetes still probes
    root = write(files, tmp_path)
    assert validators.hadolint(root / "apps/gateway/Dockerfile") == []
    # a secret in the environment needs the /bin/sh shim: back to Debian
    secret = app.model_copy(update={"env": [EnvVar(name="API_TOKEN", value="x")]})
    assert make_plan(f, [secret], base="official").apps[0].build.base_image == images.DEBIAN_IMAGE
    assert make_plan(f, [app], base="debian").apps[0].build.base_image == images.DEBIAN_IMAGE


def test_wildfly_official():
    plan, files = generate("wildfly", "official")
    ap = plan.app("wildfly")
    b = ap.build
    assert b.base_image == "jboss/wildfly:10.1.0.Final" and not b.builder_image
    assert b.cmd == ["/opt/jboss/wildfly/bin/standalone.sh", "-b", "0.0.0.0", "-c", "standalone-full.xml"]
    assert ("context/opt/wildfly/standalone/deployments", "/opt/jboss/wildfly/standalone/deployments") in \
        [(c.source, c.target) for c in b.files]
    targets = {c.source: c.target for c in ap.config}
    assert targets == {"/opt/wildfly/standalone/configuration/standalone-full.xml":
                       "/opt/jboss/wildfly/standalone/configuration/standalone-full.xml"}
    assert [v.path for v in ap.volumes] == ["/opt/jboss/wildfly/standalone/data"]
    assert [p.port for p in ap.expose] == [8080]
    assert any("standalone.conf" in n and "JAVA_OPTS" in n for n in ap.notes)
    assert "rm -f /opt/jboss/wildfly/standalone/deployments/*.failed /opt/jboss" in files["apps/wildfly/Dockerfile"]


def test_wildfly_debian_downloads_the_server():
    plan, _ = generate("wildfly", "debian")
    ap = plan.app("wildfly")
    b = ap.build
    assert (b.builder_image, b.base_image) == (images.DEBIAN_IMAGE, images.DEBIAN_IMAGE)
    assert b.packages == ["openjdk-17-jre-headless"]
    assert "wildfly/releases/download/26.1.3.Final/wildfly-26.1.3.Final.tar.gz" in b.builder_steps[0]
    assert [(a.source, a.target) for a in b.artifacts] == [("/opt/jboss/wildfly", "/opt/jboss/wildfly")]
    assert b.cmd[0] == "/opt/jboss/wildfly/bin/standalone.sh"
    assert any("does not run on Java 17" in n for n in ap.notes)


def test_wildfly_lines():
    assert java.wildfly_image(java.wildfly_release("26.1")[0])[0] == "quay.io/wildfly/wildfly:26.1.3.Final-jdk11"
    assert java.wildfly_image(java.wildfly_release("30.0")[0])[0] == "quay.io/wildfly/wildfly:30.0.1.Final-jdk17"
    release, notes = java.wildfly_release("7.4", eap=True)
    assert release == "23.0.2.Final" and "registry.redhat.io" in notes[0]
    assert java.wildfly_release("7.1")[0] == "8.2.1.Final"  # JBoss AS 7.1


def test_php_on_debian_gets_the_vms_php_extensions_from_debian():
    """A Debian PHP site (MediaWiki on php-fpm, WordPress on mod_php) loads the extensions
    the VM had installed as php8.2-<ext> packages; --base debian installs php-<ext>, and
    PHP libraries (php-getid3) or the SAPI packages are not taken for extensions."""
    from tests.detect.helpers import pkg

    pkgs = [pkg(n, "8.2.29-1") for n in ("php8.2-fpm", "php8.2-common", "php8.2-intl", "php8.2-mysql", "php8.2-xml",
                                         "php8.2-mbstring", "php8.2-opcache", "php8.2-readline", "php8.2-cli")]
    pkgs += [pkg("php-getid3", "1.9.22-1"), pkg("php-intl", "2:8.2+93")]
    f = facts(packages=pkgs)
    fpm = App(name="web", stack="php-fpm", runtime="php", runtime_version="8.2", code_paths=["/var/lib/mediawiki"],
              workdir="/var/lib/mediawiki", ports=[PortSpec(port=9000)])
    apache = App(name="web", stack="php-apache", runtime="php", runtime_version="8.2", code_paths=["/usr/share/wordpress"],
                 workdir="/usr/share/wordpress", ports=[PortSpec(port=80, http=True)])
    want = ["php-intl", "php-mbstring", "php-mysql", "php-xml"]
    plan = make_plan(f, [fpm], base="debian").apps[0]
    assert plan.build.packages == ["php-fpm"] + want
    assert not any("docker-php-ext-install" in n for n in plan.notes)
    assert make_plan(f, [apache], base="debian").apps[0].build.packages == sorted(["apache2", "libapache2-mod-php"] + want)


def test_debian_wordpress_image_installs_the_packages_its_code_links_into():
    """Debian's wordpress replaces bundled libraries by symlinks into php-getid3,
    libjs-underscore, libjs-cropper and ca-certificates: --base debian installs them and
    extract keeps the links; another base says those links are not carried."""
    from mta.detect.packaged import provided_trees
    from tests.detect.test_packaged import WP_HOST_CONFIG, _wordpress

    f = _wordpress(file("/etc/wordpress/config-blog.example.org.php", WP_HOST_CONFIG))
    web = next(a for a in detect_apps(f) if a.stack == "php-apache")
    links = ["libjs-cropper", "libjs-underscore", "php-getid3", "ca-certificates"]
    ap = next(a for a in make_plan(f, [web], base="debian").apps if a.name == web.name)
    assert set(links) <= set(ap.build.packages)
    assert set(provided_trees(ap.build.packages)) == {"/usr/share/javascript/cropper", "/usr/share/javascript/underscore",
                                                      "/usr/share/php/getid3", "/etc/ssl/certs"}
    files = render_host(f, make_plan(f, [web], base="debian"))
    dockerfile = next(v for k, v in files.items() if k.endswith("Dockerfile") and web.name in k)
    assert all(p in dockerfile for p in links)
    other = next(a for a in make_plan(f, [web], base="official").apps if a.name == web.name)
    assert not provided_trees(other.build.packages) and not set(links) & set(other.build.packages)
    assert any("php-getid3" in n and "--base debian" in n for n in other.notes)


def test_debian_redmine_runs_on_debians_packages_not_a_bundle(tmp_path, validators):
    """Debian's redmine (Rails on Debian-packaged gems, no gem source): --base debian installs the
    same packages (redmine, its DB adapter package, Apache + mod_passenger as on the VM), tells the
    postinst not to set up a database, copies the VM's code over it and runs the VM's vhost; the
    database settings and the signing key are secrets, never in the image."""
    from tests.detect.test_packaged import redmine

    f = redmine()
    plan = make_plan(f, detect_apps(f), base="debian", discovery_path="discovery.yaml")
    ap = plan.app("web")
    b = ap.build
    assert not b.builder_image and not b.artifacts
    assert {"redmine", "redmine-mysql", "apache2", "libapache2-mod-passenger"} <= set(b.packages)
    assert b.debconf == ["redmine redmine/current-instances string default",
                         "redmine redmine/instances/default/dbconfig-install boolean false"]
    assert b.cmd[-1].endswith("exec apache2ctl -D FOREGROUND") and [p.port for p in ap.expose] == [80]
    assert [(c.source, c.target) for c in ap.config if "apache2" in c.source] == [
        ("/etc/apache2/sites-enabled/redmine.conf", "/etc/apache2/sites-enabled/redmine.conf")]
    assert {s.target for s in ap.secrets} >= {"/etc/redmine/default/database.yml", "/etc/redmine/default/secret_key.txt"}
    assert "/var/cache/redmine/default/tmp" in b.writable and "/var/lib/redmine/default/files" in b.writable
    assert not any("bundle install" in n or "puma" in n for n in ap.notes)
    root = write(render_host(f, plan), tmp_path)
    dockerfile = (root / "apps/web/Dockerfile").read_text()
    assert "bundle" not in dockerfile and "puma" not in dockerfile
    preseed = next(line for line in dockerfile.splitlines() if "debconf-set-selections" in line)
    assert preseed.index("dbconfig-install boolean false") < preseed.index("apt-get install") and "redmine-mysql" in preseed
    assert validators.hadolint(root / "apps/web/Dockerfile") == []
    assert validators.compose_validate(root / "compose.yaml") == []
    # a Rails app that is not a package keeps its bundle
    other = make_plan(f, detect_apps(f), base="official").app("web")
    assert other.build.builder_steps and "bundle install" in other.build.builder_steps[0] and not other.build.debconf
    assert other.build.cmd[:3] == ["bundle", "exec", "puma"] and not any("apache2" in c.target for c in other.config)


def test_debconf_answers_are_checked(tmp_path):
    from mta.errors import GenerateError
    from tests.detect.test_packaged import redmine

    f = redmine()
    plan = make_plan(f, detect_apps(f), base="debian", discovery_path="discovery.yaml")
    plan.app("web").build.debconf = ["redmine only-two"]
    with pytest.raises(GenerateError, match=r"debconf\[0\]"):
        render_host(f, plan)


def test_debian_wordpress_site_answers_for_any_host_name():
    """Debian's wp-config.php reads /etc/wordpress/config-<Host header>.php, else
    config-default.php, else answers 404: the container (reached as localhost by its
    health check, by a service name in the cluster) links the VM's site file as the
    default; a VM with its own default, or several sites and none reached by discovery,
    gets no link (the latter a note)."""
    from tests.detect.test_packaged import WP_HOST_CONFIG, _wordpress

    def planned(*names):
        f = _wordpress(*(file(f"/etc/wordpress/{n}", WP_HOST_CONFIG) for n in names))
        web = next(a for a in detect_apps(f) if a.stack == "php-apache")
        plan = make_plan(f, [web], base="debian")
        return f, plan, next(a for a in plan.apps if a.name == web.name)

    link = ("mkdir -p /etc/wordpress && ln -sfn /etc/wordpress/config-blog.example.org.php "
            "/etc/wordpress/config-default.php")
    f, plan, ap = planned("config-blog.example.org.php")
    assert link in ap.build.steps
    assert any(s.target == "/etc/wordpress/config-blog.example.org.php" for s in ap.secrets)  # still mounted as on the VM
    dockerfile = next(v for k, v in render_host(f, plan).items() if k.endswith("Dockerfile") and ap.name in k)
    assert link in dockerfile
    _, _, ap = planned("config-blog.example.org.php", "config-default.php")
    assert not any("config-default.php" in s for s in ap.build.steps)
    _, _, ap = planned("config-a.example.org.php", "config-127.0.0.1.php")  # the one discovery's GET was served by
    assert any(s.endswith("/etc/wordpress/config-127.0.0.1.php /etc/wordpress/config-default.php") for s in ap.build.steps)
    _, _, ap = planned("config-a.example.org.php", "config-b.example.org.php")
    assert not any("config-default.php" in s for s in ap.build.steps)
    assert any("answer 404" in n for n in ap.notes)


def test_nginx_and_php_fpm_on_a_unix_socket_talk_over_tcp_in_containers():
    """On the VM nginx passed to php-fpm's unix socket; containers share no socket dir:
    the pool listens on 9000 (its VM config rewritten, the port exposed for the Service
    and the health check) and nginx passes to web:9000. MediaWiki naming the site's
    public URL (the proxy in front of it) is no start dependency: no cycle."""
    from tests.detect.test_packaged import MW_SETTINGS, _mediawiki

    f = _mediawiki(MW_SETTINGS + '$wgServer = "http://127.0.0.1";\n')
    apps = detect_apps(f, strict=True)
    plan = make_plan(f, apps, base="debian")
    web, nginx = plan.app("web"), plan.app("nginx")
    assert [p.port for p in web.expose] == [9000] and web.readiness.kind == "tcp" and web.build.healthcheck
    assert "web" in nginx.depends_on and "nginx" not in web.depends_on
    files = render_host(f, plan)
    site = next(v for k, v in files.items() if k.endswith("apps/nginx/config/wiki"))
    assert "fastcgi_pass web:9000;" in site and "unix:" not in site
    pool = next(v for k, v in files.items() if k.endswith("apps/web/config/www.conf"))
    assert "listen = 9000\n" in pool and "/run/php/php8.2-fpm.sock" not in pool
    # nginx serves MediaWiki's static files: its image leaves out what only PHP reads
    assert {"/usr/share/mediawiki/languages", "/usr/share/mediawiki/includes", "**/i18n"} <= set(nginx.extract.exclude)
    assert not set(web.extract.exclude) & {"/usr/share/mediawiki/languages", "**/i18n"}
    # Debian's $wgCacheDirectory: writable for the app, not for its proxy
    assert "/var/cache/mediawiki" in web.build.writable and "/var/cache/mediawiki" not in nginx.build.writable


@pytest.mark.parametrize("base", ["official", "debian"])
def test_every_tmpfs_under_a_read_only_root_is_writable_in_the_image(base):
    """Docker gives a tmpfs over an image dir that dir's mode with root as owner (podman
    hands it to the container user): each dir compose mounts a tmpfs on must be writable
    for any uid in the image (sticky, as /tmp), a symlinked one (/var/run -> /run) at its
    target. nginx's /var/run holds the pid file the VM's nginx.conf names; barbican's uWSGI
    runs as its VM account, whose group is not 0, and logs to /var/log/barbican."""
    import yaml

    from mta.render.dockerfile import STICKY_DIRS
    from .cases import CASES, render_case

    seen = 0
    for case in CASES:
        _, files = render_case(case, base)
        for rel, text in files.items():
            if not rel.endswith("compose.yaml"):
                continue
            host = rel.removesuffix("compose.yaml")
            for name, svc in yaml.safe_load(text)["services"].items():
                if "build" not in svc or not svc.get("tmpfs"):
                    continue
                dockerfile = files[f"{host}apps/{name}/Dockerfile"]
                line = next((ln for ln in dockerfile.splitlines() if "chmod 1777 " in ln), "")
                dirs = [d.rstrip("/") for d in line.split("chmod 1777 ", 1)[-1].split()] if line else []
                for path in svc["tmpfs"]:
                    if path in STICKY_DIRS:
                        continue
                    seen += 1
                    assert path in dirs, f"{case}@{base} {name}: tmpfs {path} not made writable: {line!r}"
    assert seen  # the cases do mount such dirs (nginx's /var/run, log dirs, Apache's run dirs)


def test_the_run_uid_has_an_account_in_every_image_with_a_shell(tmp_path):
    """docker and Kubernetes run a numeric uid without adding it to /etc/passwd (podman
    adds it); Passenger (redmine) then refused to spawn: 'Cannot get user database entry
    for user UID 10001'. Every image with a shell gets the entry podman would make
    (home = workdir), once; a backing image keeps its own account, distroless has no shell."""
    import re
    import subprocess

    from .cases import CASES, render_case

    seen = 0
    for base in ("official", "debian"):
        for case in CASES:
            plan, files = render_case(case, base)
            for app in plan.apps:
                df = files.get(f"apps/{app.name}/Dockerfile")
                if df is None or app.build is None:
                    continue
                uid = app.build.user.split(":")[0]
                entry = f"u{uid}:x:{uid}:0:{app.name}:{app.build.workdir}:/bin/sh"
                backing = re.search(r"useradd -r .* -u " + uid, df)
                assert (entry in df) == (not backing and "/distroless/" not in app.build.base_image), (case, app.name)
                if entry in df:
                    seen += 1
                    line = next(ln for ln in df.splitlines() if entry in ln).strip().removeprefix("RUN ").removeprefix("&& ")
                    passwd = tmp_path / "passwd"
                    passwd.write_text("root:x:0:0:root:/root:/bin/bash\n")
                    for _ in range(2):  # the step as the image build runs it, twice: one entry
                        subprocess.run(["sh", "-c", line.replace("/etc/passwd", str(passwd))], check=True, timeout=10)
                    assert passwd.read_text().splitlines()[1:] == [entry]
    assert seen
