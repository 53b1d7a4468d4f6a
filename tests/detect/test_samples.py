"""Every detector on the sample snapshots: the apps a consultant expects, with evidence."""

from __future__ import annotations

import pytest

from mta.detect import detect_apps, wanted_files
from mta.io import dump_model, load_model
from mta.model import SECRET_MARKER, App

from .conftest import SAMPLES

# name: [(app, role, stack, runtime, runtime_version, framework, ports, depends_on)]
EXPECTED = {
    "centos7-tomcat": [
        ("tomcat", "app", "tomcat", "java", "8", "spring", [8009, 8080], ["db"]),
        ("db", "backing", "mysql", "mysqld", "5.7", "", [3306], []),
    ],
    "ubuntu1604-django": [
        ("web", "app", "django", "python", "3.5", "django", [8000], ["db", "redis"]),
        ("worker", "worker", "celery", "python", "3.5", "django", [], ["redis", "db"]),
        ("db", "backing", "postgresql", "postgres", "9.5", "", [5432], []),
        ("redis", "backing", "redis", "redis", "3.0", "", [6379], []),
        ("nginx", "proxy", "nginx-proxy", "nginx", "1.10", "", [80], ["web"]),
    ],
    "rhel8-springboot": [
        ("orders-service", "app", "springboot", "java", "11", "spring-boot", [8080, 8081], []),
    ],
    "debian10-lamp": [
        ("web", "app", "php-apache", "php", "7.3", "wordpress", [80, 443], ["db"]),
        ("db", "backing", "mariadb", "mysqld", "10.3", "", [3306], []),
    ],
    "ubuntu1804-node-pm2": [
        ("api", "app", "pm2", "node", "10.24", "express", [3000], []),
        ("admin", "app", "pm2", "node", "10.24", "express", [3001], ["api"]),
        ("nginx", "proxy", "nginx-proxy", "nginx", "1.14", "", [80, 443], ["api", "admin"]),
    ],
    "centos6-static": [
        ("static", "app", "static-apache", "httpd", "2.2", "", [80], []),
    ],
    "sles12-bare": [],
}


def by_name(apps: list[App]) -> dict[str, App]:
    return {a.name: a for a in apps}


def test_every_sample_has_expectations(samples):
    assert set(samples) == set(EXPECTED)
    assert len(samples) >= 7


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_apps(samples, name):
    apps = detect_apps(samples[name], strict=True)
    got = [(a.name, a.role, a.stack, a.runtime, a.runtime_version, a.framework, sorted(p.port for p in a.ports), a.depends_on)
           for a in apps]
    assert got == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_decision_has_evidence(samples, name):
    facts = samples[name]
    pids = {p.pid for p in facts.processes}
    for app in detect_apps(facts, strict=True):
        assert app.evidence, app.name
        assert 0 < app.confidence <= 1
        assert any(e.kind == "process" for e in app.evidence)
        assert set(app.pids) <= pids
        for port in app.ports:
            assert any(e.kind == "port" and e.ref == f"{port.protocol}/{port.port}" for e in app.evidence), (app.name, port)
        for dep in app.depends_on:
            assert any(f"({dep})" in e.detail for e in app.evidence), (app.name, dep)
        assert len({p.name for p in app.ports if p.name}) == len([p for p in app.ports if p.name])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_names_unique_and_dns1123(samples, name):
    import re

    names = [a.name for a in detect_apps(samples[name], strict=True)]
    assert len(names) == len(set(names))
    for n in names:
        assert re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?", n) and len(n) <= 63


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_secrets_never_leak_into_app_values(samples, name):
    for app in detect_apps(samples[name], strict=True):
        for env in app.env:
            if env.value is None:
                assert env.secret and env.secret.startswith(app.name + "-")
            else:
                assert SECRET_MARKER not in env.value


def test_samples_are_fresh():
    """The committed YAML is exactly what make_samples.py writes (run it after editing)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name in mod.SAMPLES:
        assert (SAMPLES / name / "discovery.yaml").read_text() == dump_model(mod.build(name)), name


def test_samples_are_realistic(samples):
    for name, facts in samples.items():
        assert facts.collector == "sample"
        assert len(facts.packages) >= 25, name
        assert len(facts.processes) >= 25, name
        assert facts.utilization.samples, name
        pids = {p.pid for p in facts.processes}
        assert all(p.ppid in pids or p.ppid == 0 for p in facts.processes), name
        assert all(s.pid in pids for s in facts.sockets if s.pid), name
    sources = {f.utilization.source for f in samples.values()}
    assert sources == {"sysstat", "proc-sample"}
    assert any(m.network for f in samples.values() for m in f.mounts)
    assert any(f.os.init_system == "sysv" for f in samples.values())


def test_tomcat_details(samples):
    app = by_name(detect_apps(samples["centos7-tomcat"], strict=True))["tomcat"]
    assert app.stack_version == "8.5"
    assert app.pids == [1422]
    assert app.code_paths == ["/opt/tomcat/webapps"]
    assert "/opt/tomcat/conf/server.xml" in app.config_files and "/opt/tomcat/conf/context.xml" in app.config_files
    assert app.log_paths == ["/opt/tomcat/logs"]
    assert app.service == "tomcat" and app.user == "tomcat"
    assert 8005 not in [p.port for p in app.ports]
    assert [p.http for p in app.ports] == [False, True]
    env = {e.name: e for e in app.env}
    assert env["INVENTORY_ADMIN_PASSWORD"].value is None
    assert env["INVENTORY_ADMIN_PASSWORD"].secret == "tomcat-inventory-admin-password"
    assert env["INVENTORY_ENV"].value == "production"  # from the unit's EnvironmentFile
    assert "PATH" not in env and "LANG" not in env
    details = " ".join(e.detail for e in app.evidence)
    assert "Apache Tomcat 8.5.57" in details and "java 8 from path" in details
    assert "connected to 127.0.0.1:3306 (db)" in details
    assert any(e.ref == "/opt/tomcat/conf/context.xml" and "3306 (db)" in e.detail for e in app.evidence)


def test_django_grouping_and_cron(samples):
    facts = samples["ubuntu1604-django"]
    apps = by_name(detect_apps(facts, strict=True))
    assert apps["web"].pids == [1400, 1421, 1422, 1423]  # gunicorn master + 3 workers
    assert apps["worker"].pids == [1500, 1531, 1532]
    assert apps["db"].pids == [1250, 1262, 1263, 1264, 1265, 1266, 1602, 1603]
    assert apps["db"].data_paths == ["/var/lib/postgresql/9.5/main"]
    assert apps["redis"].data_paths == ["/var/lib/redis"]
    assert apps["web"].workdir == "/srv/shop"
    assert apps["web"].command[-1] == "shop.wsgi:application"
    assert "/srv/shop/shop/settings.py" in apps["web"].config_files
    assert apps["web"].data_paths == ["/srv/shop/media"]
    cron = [e for e in apps["web"].evidence if e.kind == "cron"]
    assert len(cron) == 2 and all("/srv/shop" in e.detail for e in cron)
    assert not any(e.kind == "cron" for e in apps["db"].evidence)  # backing services never take cron jobs
    assert "databases in use: shop" in apps["db"].notes
    # facts keep the cron jobs: detection only adds evidence
    assert len(facts.cron) == 4
    assert any("passes HTTP to 127.0.0.1:8000 (web)" in e.detail for e in apps["nginx"].evidence)


def test_springboot_details(samples):
    app = detect_apps(samples["rhel8-springboot"], strict=True)[0]
    assert app.stack_version == "2.3.12.RELEASE"
    assert app.code_paths == ["/opt/orders/orders-service-2.3.1.jar"]
    assert app.config_files == ["/opt/orders/application.properties"]
    assert app.log_paths == ["/var/log/orders/orders.log"]
    assert any("pgsql01.corp.example.com:5432" in n for n in app.notes)
    assert {e.name for e in app.env if e.secret} == {"SPRING_DATASOURCE_PASSWORD", "ORDERS_PAYMENT_API_KEY"}
    # node_exporter on 9100 is a monitoring agent, not an app
    assert all(9100 not in [p.port for p in a.ports] for a in detect_apps(samples["rhel8-springboot"], strict=True))


def test_lamp_details(samples):
    apps = by_name(detect_apps(samples["debian10-lamp"], strict=True))
    web = apps["web"]
    assert web.pids == [842, 1901, 1902, 1903, 1904, 1905, 2230]
    assert web.user == "www-data" and web.stack_version == "2.4"
    assert web.code_paths == ["/var/www/wordpress"]
    assert "/var/www/wordpress/wp-config.php" in web.config_files
    assert web.data_paths == ["/var/www/wordpress/wp-content/uploads"]
    assert any(e.kind == "package" and e.ref == "libapache2-mod-php7.3" for e in web.evidence)
    assert any(e.kind == "cron" and "wp-cron.php" in e.detail for e in web.evidence)


def test_pm2_one_app_per_process_name(samples):
    apps = by_name(detect_apps(samples["ubuntu1804-node-pm2"], strict=True))
    assert apps["api"].pids == [1371]
    assert apps["admin"].pids == [1388, 1389]  # cluster mode: two instances, one app
    assert apps["admin"].workdir == "/srv/admin"
    assert 1350 not in apps["api"].pids + apps["admin"].pids  # the pm2 daemon is not an app
    assert any("external dependency: 10.0.3.12:5432" in n for n in apps["api"].notes)


def test_static_on_nfs(samples):
    app = detect_apps(samples["centos6-static"], strict=True)[0]
    assert app.code_paths == ["/srv/www/intranet", "/srv/www/handbook"]
    assert app.service == "httpd"
    assert any("nfs mount" in n for n in app.notes)
    assert "/var/log/httpd/intranet-error_log" in app.log_paths


def test_bare_host_has_no_app(samples):
    assert detect_apps(samples["sles12-bare"], strict=True) == []
    assert wanted_files(samples["sles12-bare"], strict=True) == []


def test_hostile_strings_survive_detection(samples):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    apps = by_name(detect_apps(samples["ubuntu1804-node-pm2"], strict=True))
    assert apps["api"].command == ["/usr/bin/node", "/srv/api/server.js", "--banner", mod.HOSTILE, "--label=prod; rm -rf / #"]
    assert {e.name: e.value for e in apps["api"].env}["WELCOME_BANNER"] == mod.HOSTILE
    assert any(e.kind == "cron" and "{{ 7*7 }}" in e.detail for e in apps["api"].evidence)


def test_apps_round_trip_through_yaml(samples, tmp_path):
    """Apps dump to YAML and load back unchanged, hostile strings included."""
    from mta.io import write_atomic
    from mta.model import Plan

    for name, facts in samples.items():
        apps = detect_apps(facts, strict=True)
        plan = Plan(host=facts.host, apps=[a.model_dump() for a in apps])
        path = tmp_path / f"{name}.yaml"
        write_atomic(path, dump_model(plan))
        back = load_model(path, Plan)
        assert [App.model_validate(a.model_dump(include=set(App.model_fields))) for a in back.apps] == apps


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_wanted_files_are_absolute_and_new(samples, name):
    facts = samples[name]
    wanted = wanted_files(facts, strict=True)
    have = {f.path for f in facts.files}
    assert len(wanted) == len(set(wanted))
    assert all(w.startswith("/") and w not in have for w in wanted)


def test_wanted_files_on_a_bare_probe(samples):
    """Before any file is fetched, detectors ask for the configs the samples hold."""
    facts = samples["ubuntu1604-django"].model_copy(update={"files": []})
    wanted = set(wanted_files(facts, strict=True))
    for path in ("/srv/shop/shop/wsgi.py", "/srv/shop/shop/settings.py", "/srv/shop/requirements.txt", "/etc/default/shop",
                 "/etc/postgresql/9.5/main/postgresql.conf", "/etc/redis/redis.conf", "/etc/nginx/nginx.conf",
                 "/etc/nginx/sites-enabled/*", "/srv/shop/shop/celery.py"):
        assert path in wanted, path
    tomcat = set(wanted_files(samples["centos7-tomcat"].model_copy(update={"files": []}), strict=True))
    for path in ("/opt/tomcat/conf/server.xml", "/opt/tomcat/conf/context.xml", "/opt/tomcat/webapps/*/WEB-INF/web.xml",
                 "/etc/my.cnf", "/opt/tomcat/RELEASE-NOTES"):
        assert path in tomcat, path
    pm2 = set(wanted_files(samples["ubuntu1804-node-pm2"].model_copy(update={"files": []}), strict=True))
    assert {"/home/deploy/.pm2/dump.pm2", "/srv/api/package.json", "/srv/admin/package.json"} <= pm2


#: Files named after something only a directory listing shows (webapp names, a site called "acme").
GLOB_ONLY = {
    "centos7-tomcat": {"/opt/tomcat/webapps/inventory/WEB-INF/web.xml",
                       "/opt/tomcat/webapps/inventory/WEB-INF/classes/application.properties"},
    "ubuntu1804-node-pm2": {"/etc/nginx/sites-enabled/acme"},
}


def _fetch(facts, sample_files, wanted, globs_work: bool):
    import fnmatch

    have = {f.path for f in facts.files}
    got = [f for f in sample_files if f.path not in have and any(
        f.path == w or (globs_work and "*" in w and fnmatch.fnmatch(f.path, w) and f.path.count("/") == w.count("/")) for w in wanted)]
    return facts.model_copy(update={"files": facts.files + got})


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("globs_work", [True, False])
def test_detectors_ask_for_every_sample_file(samples, name, globs_work):
    """Fetching what wanted_files asks for (one round trip, as discover does) reaches the
    sample's config files; the rest come with a second pass, following includes."""
    full = samples[name]
    facts = full.model_copy(update={"files": []})
    one_pass = _fetch(facts, full.files, wanted_files(facts, strict=True), globs_work)
    two_pass = _fetch(one_pass, full.files, wanted_files(one_pass, strict=True), globs_work)
    missing = {f.path for f in full.files} - {f.path for f in two_pass.files}
    assert missing == (set() if globs_work else GLOB_ONLY.get(name, set()))
    # and the apps found after one round trip are already the right ones
    assert [a.name for a in detect_apps(one_pass, strict=True)] == [e[0] for e in EXPECTED[name]]
