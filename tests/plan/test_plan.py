"""Planning decisions: images, EOL tags, answers, rewrites, cron, secrets."""

from __future__ import annotations

import pytest

from mta.errors import InputError
from mta.model import App, CronJob, EnvVar, PortSpec
from mta.plan import make_plan
from mta.plan.commands import to_five_fields
from mta.plan.images import check_image_ref
from mta.plan.recipes.backing import backing_image
from mta.plan.recipes.java import tomcat_image
from mta.plan.recipes.node import node_line
from mta.plan.recipes.python import python_line

from tests.render.fixtures import empty_host, shop_host


def shop(**kw):
    facts, apps = shop_host()
    return facts, make_plan(facts, apps, **kw)


def test_official_images_follow_detected_versions():
    _, plan = shop()
    assert plan.app("shop").build.base_image == "tomcat:9.0-jre8-temurin"
    assert plan.app("admin").build.base_image == "python:3.6-slim"
    assert plan.app("admin").build.builder_image == "python:3.6"  # multi-stage: deps built apart
    assert plan.app("api").build.base_image == "node:10-buster-slim"
    assert plan.app("db").image == "postgres:9.6" and plan.app("db").build is None
    assert plan.app("cache").image == "redis:3.2-alpine"
    assert plan.app("proxy").build.base_image == "nginx:1.12-alpine"
    assert plan.app("shop").image == "mta/shop-01-shop:0.1"


@pytest.mark.parametrize("func,arg,expected,moved", [
    (python_line, "2.6.6", (2, 7), True), (python_line, "3.12.1", (3, 12), False), (python_line, "3.3.0", (3, 4), True),
    (node_line, "11.2.0", 12, True), (node_line, "0.10.48", 6, True), (node_line, "16.20.2", 16, False),
])
def test_eol_versions_map_to_closest_tag_with_a_note(func, arg, expected, moved):
    got = func(arg)
    assert got[0] == expected
    assert bool(got[-1]) == moved
    if moved:
        assert "closest available" in got[-1][0]


def test_tomcat_7_moves_to_8_5_and_backing_tags():
    image, notes = tomcat_image("7.0.76", "1.7.0")
    assert image == "tomcat:8.5-jre8-temurin"
    assert any("Tomcat 7.0" in n for n in notes) and any("Java 7" in n for n in notes)
    assert backing_image("postgres", "12.3")[0] == "postgres:12"
    assert backing_image("mysql", "5.1.73")[0] == "mysql:5.5"


def test_image_refs_are_pinned():
    with pytest.raises(InputError):
        check_image_ref("python:latest", "x")
    with pytest.raises(InputError):
        check_image_ref("python", "x")
    with pytest.raises(InputError):
        check_image_ref("python:3.6; rm -rf /", "x")
    assert check_image_ref("registry.example.com:5000/mirror/python:3.6-slim", "x")


def test_debian_base_uses_distro_packages():
    _, plan = shop(base="debian")
    admin = plan.app("admin").build
    assert admin.base_image == "debian:bookworm-slim" and "python3" in admin.packages
    assert plan.app("shop").build.packages == ["tomcat10"]
    assert any("jakarta" in n for n in plan.app("shop").notes)
    # backing services too: built from the same base and Debian's own server package
    db = plan.app("db")
    assert db.image == "mta/shop-01-db:0.1" and db.build.base_image == "debian:bookworm-slim"
    assert db.build.packages == ["postgresql-15"] and db.build.user == "999" and db.run_as_user == 999
    assert any("9.6 moves to 15" in n and "pg_restore" in n for n in db.notes)
    assert plan.app("cache").build.packages == ["redis-server"]


def test_mapping_file_swaps_registry(tmp_path):
    mapping = tmp_path / "mirror.yaml"
    mapping.write_text("images:\n  python: registry.local/mirror/python\n  postgres:9.6: registry.local/pg:9.6-ours\n")
    _, plan = shop(base=str(mapping))
    assert plan.app("admin").build.base_image == "registry.local/mirror/python:3.6-slim"
    assert plan.app("admin").build.builder_image == "registry.local/mirror/python:3.6"
    assert plan.app("db").image == "registry.local/pg:9.6-ours"
    assert plan.app("api").build.base_image == "node:10-buster-slim"
    bad = tmp_path / "bad.yaml"
    bad.write_text("python: registry.local/python:latest\n")
    with pytest.raises(InputError, match="bad.yaml"):
        shop(base=str(bad))
    with pytest.raises(InputError, match="mapping file"):
        shop(base=str(tmp_path / "missing.yaml"))


def test_localhost_references_become_service_names():
    _, plan = shop()
    shop_app, admin, proxy = plan.app("shop"), plan.app("admin"), plan.app("proxy")
    env = {e.name: e.value for e in shop_app.env}
    assert env["DB_URL"] == "jdbc:postgresql://db:5432/shop"
    assert {e.name: e.value for e in admin.env}["DB_HOST"] == "db"
    assert {e.name: e.value for e in admin.env}["REDIS_URL"] == "redis://cache:6379/0"
    assert "config: 127.0.0.1:8080 -> shop:8080" in proxy.rewrites
    assert set(proxy.depends_on) == {"shop", "api", "admin"}
    assert set(admin.depends_on) == {"db", "cache"}


def test_secrets_never_kept_in_plan():
    _, plan = shop()
    shop_app = plan.app("shop")
    pw = next(e for e in shop_app.env if e.name == "DB_PASSWORD")
    assert pw.value is None and pw.secret == "shop-secrets"
    users = next(s for s in shop_app.secrets if s.key == "tomcat-users.xml")
    assert users.target == "/usr/local/tomcat/conf/tomcat-users.xml"
    assert not any(c.source.endswith("tomcat-users.xml") for c in shop_app.config)
    assert shop_app.build.entrypoint == ["/bin/sh", "/usr/local/bin/mta-secrets-env"]


def test_commands_run_in_the_foreground_on_all_interfaces():
    _, plan = shop()
    assert plan.app("admin").build.cmd == ["gunicorn", "-b", "0.0.0.0:8000", "shop.wsgi"]
    assert plan.app("shop").build.cmd == ["catalina.sh", "run"]
    assert plan.app("api").build.cmd == ["node", "/srv/api/server.js"]


def test_probes_and_resources_from_facts():
    _, plan = shop()
    shop_app = plan.app("shop")
    assert shop_app.readiness.kind == "http" and shop_app.readiness.path == "/shop/"
    assert shop_app.readiness.expect_status == 200 and shop_app.readiness.expect_title == "Shop"
    # the estimate stage's p95 figures: 0.120 cores x 1.2, peak RSS 700Mi x 1.15; limit with headroom
    assert shop_app.resources.strategy == "p95"
    assert shop_app.resources.memory_request == "805Mi" and shop_app.resources.cpu_request == "144m"
    assert shop_app.resources.memory_limit == "1610Mi"
    assert plan.app("db").readiness.kind == "exec"


def test_cron_goes_to_the_owning_app():
    _, plan = shop()
    job = plan.app("admin").jobs[0]
    assert job.schedule == "0 0 * * *"
    assert job.command == ["/opt/venv/bin/python", "/opt/shop/manage.py", "clearsessions"]
    assert any("backup.sh" in n for n in plan.notes)


@pytest.mark.parametrize("given,expected", [
    ("@weekly", "0 0 * * 0"), ("@reboot", None), ("Mon..Fri 04:15", "15 4 * * 1-5"),
    ("*-*-* 02:30:00", "30 2 * * *"), ("30 2 * * 1-5", "30 2 * * 1-5"), ("2024-01-01 00:00", None),
])
def test_schedules(given, expected):
    assert to_five_fields(given) == expected


def test_answers_are_applied():
    answers = {
        "apps.proxy.proxy": "drop", "apps.legacy.include": False, "apps.api.replicas": 3,
        "apps.api.ports": [3000, 9229], "apps.admin.volumes": ["/opt/shop/media=5Gi", "/opt/shop/static"],
        "apps.admin.resources": "default", "k8s.namespace": "shop", "targets.swarm": False,
        "apps.api.secrets": ["NODE_TOKEN"], "apps.admin.base": "debian",
    }
    _, plan = shop(answers=answers)
    assert not plan.app("proxy").include and not plan.app("legacy").include
    api = plan.app("api")
    assert api.replicas == 3 and [p.port for p in api.expose] == [3000, 9229]
    admin = plan.app("admin")
    assert [(v.path, v.size) for v in admin.volumes] == [("/opt/shop/media", "5Gi"), ("/opt/shop/static", "1Gi")]
    assert admin.resources.strategy == "default" and admin.build.base_image == "debian:bookworm-slim"
    assert plan.targets.namespace == "shop" and plan.targets.swarm is False
    # without the proxy the apps themselves are published
    assert api.publish and plan.app("shop").publish


def test_bad_answers_name_the_id():
    with pytest.raises(InputError, match="apps.api.ports"):
        shop(answers={"apps.api.ports": ["http"]})
    with pytest.raises(InputError, match="apps.proxy.proxy"):
        shop(answers={"apps.proxy.proxy": "maybe"})
    with pytest.raises(InputError, match="merge_into"):
        shop(answers={"apps.api.merge_into": "nope"})


def test_merge_into_moves_code():
    _, plan = shop(answers={"apps.api.merge_into": "admin"})
    assert not plan.app("api").include
    assert "/srv/api" in plan.app("admin").extract.include


def test_nothing_detected_explains():
    facts, apps = empty_host()
    plan = make_plan(facts, apps)
    assert plan.apps == [] and "no application was detected" in plan.notes[0]
    assert "tcp/22 (sshd)" in plan.notes[0]


def test_duplicate_and_odd_names_become_unique_labels():
    facts, _ = empty_host()
    apps = [App(name="My App", stack="node", ports=[PortSpec(port=3000)]),
            App(name="my-app", stack="node", ports=[PortSpec(port=3001)]),
            App(name="9lives", stack="weird", command=["/opt/x/run"], env=[EnvVar(name="A", value="b")])]
    plan = make_plan(facts, apps)
    names = [a.name for a in plan.apps]
    assert len(set(names)) == 3 and names[0] == "my-app" and names[2] == "app-9lives"
    assert plan.app("app-9lives").build.base_image == "debian:bookworm-slim"


def test_cron_at_reboot_is_noted(monkeypatch):
    facts, apps = shop_host()
    facts.cron.append(CronJob(schedule="@reboot", command="/opt/shop/venv/bin/python /opt/shop/warm.py"))
    plan = make_plan(facts, apps)
    assert any("@reboot" in n for n in plan.app("admin").notes)


def test_proxy_static_roots_copied_but_not_other_apps_data():
    from mta.model import FileContent

    facts, apps = shop_host()
    facts.files.append(FileContent(path="/etc/nginx/conf.d/static.conf", content=(
        "location /static/ { alias /srv/assets/; }\nlocation /media/ { root /opt/shop/media; }\n")))
    apps[0] = apps[0].model_copy(update={"config_files": apps[0].config_files + ["/etc/nginx/conf.d/static.conf"]})
    proxy = make_plan(facts, apps).app("proxy")
    assert proxy.code_paths == ["/srv/assets"]
    assert [f.target for f in proxy.build.files] == ["/srv/assets"]
    assert any("/opt/shop/media" in n and "another app's data" in n for n in proxy.notes)
