"""An app's own DB settings become the backing service's first-start database,
user and ONE shared password secret."""

from __future__ import annotations

import yaml

from mta.model import App, EnvVar, FileContent, HostFacts, PortSpec, Socket
from mta.model.plan import DbSettings
from mta.plan import make_plan
from mta.render import render_host


def lamp(kind="mariadb", *, password_env="DB_PASSWORD", host_env="DB_HOST"):
    facts = HostFacts(host="lamp-01", collector="sample",
                      sockets=[Socket(protocol="tcp", address="0.0.0.0", port=80, pid=10),
                               Socket(protocol="tcp", address="127.0.0.1", port=3306, pid=20)])
    db_kind = "postgres" if kind == "postgresql" else "mysql"
    env = [EnvVar(name="DB_NAME", value="shop"), EnvVar(name="DB_USER", value="shop")]
    env += [EnvVar(name=host_env, value="localhost")] if host_env else []
    env += [EnvVar(name=password_env, value=None)] if password_env else []
    web = App(name="web", stack="php-apache", runtime="php", pids=[10], ports=[PortSpec(port=80, http=True)],
              code_paths=["/var/www/html"], env=env, depends_on=["db"],
              database=DbSettings(file="/var/www/html/config.php", kind=db_kind, host="localhost", name="shop",
                                  user="shop", host_env=host_env, password_env=password_env))
    db = App(name="db", role="backing", stack=kind, pids=[20], ports=[PortSpec(port=3306)])
    return facts, [web, db]


def test_mariadb_gets_database_user_and_the_apps_password_secret():
    facts, apps = lamp()
    plan = make_plan(facts, apps, base="debian")
    web, db = plan.app("web"), plan.app("db")
    denv = {e.name: e for e in db.env}
    assert denv["MARIADB_DATABASE"].value == denv["MYSQL_DATABASE"].value == "shop"
    assert denv["MARIADB_USER"].value == denv["MYSQL_USER"].value == "shop"
    assert denv["MARIADB_PASSWORD"].value is None and denv["MARIADB_PASSWORD"].secret == "web-secrets"
    assert {e.name: e.value for e in web.env}["DB_HOST"] == "db" and "db" in web.depends_on

    files = render_host(facts, plan)
    compose = yaml.safe_load(files["compose.yaml"])
    svc = compose["services"]
    assert svc["db"]["environment"]["MARIADB_PASSWORD_FILE"] == "/run/secrets/MARIADB_PASSWORD"
    # one secret file, mounted in both under each one's own name
    assert {"source": "web-DB_PASSWORD", "target": "MARIADB_PASSWORD"}.items() <= next(
        s for s in svc["db"]["secrets"] if s["target"] == "MARIADB_PASSWORD").items()
    assert any(s["source"] == "web-DB_PASSWORD" and s["target"] == "DB_PASSWORD" for s in svc["web"]["secrets"])
    assert compose["secrets"]["web-DB_PASSWORD"] == {"file": "./secrets/web/DB_PASSWORD"}
    assert not any(k.startswith("db-MARIADB_PASSWORD") for k in compose["secrets"])
    sts = yaml.safe_load(files["k8s/db-statefulset.yaml"])
    env = {e["name"]: e for e in sts["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["MARIADB_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "web-secrets", "key": "DB_PASSWORD"}
    assert "MARIADB_PASSWORD" not in yaml.safe_load(files["k8s/db-secrets-secret.yaml"])["stringData"]
    assert "secrets/web/DB_PASSWORD" in files["README.md"]


def test_postgres_password_is_the_shared_one():
    facts, apps = lamp("postgresql")
    apps[1].ports = [PortSpec(port=5432)]
    db = make_plan(facts, apps, base="official").app("db")
    env = {e.name: e for e in db.env}
    assert env["POSTGRES_DB"].value == "shop" and env["POSTGRES_USER"].value == "shop"
    assert env["POSTGRES_PASSWORD"].secret == "web-secrets"
    assert [s.shared for s in db.secrets if s.key == "POSTGRES_PASSWORD"] == ["web/DB_PASSWORD"]


def test_hard_coded_host_and_password_are_runbook_work():
    facts, apps = lamp(password_env="", host_env="")
    plan = make_plan(facts, apps, base="debian")
    web, db = plan.app("web"), plan.app("db")
    assert any("database host localhost -> db" in r for r in web.rewrites)
    assert any("config.php" in n and "'db'" in n for n in web.notes)
    ref = next(s for s in db.secrets if s.key == "MARIADB_PASSWORD")
    assert ref.name == "db-secrets" and not ref.shared and "config.php" in ref.source


def test_db_settings_file_is_a_secret_file_not_a_configmap():
    facts, apps = lamp()
    facts.files.append(FileContent(path="/var/www/html/config.php",
                                   content="<?php $db_pass = getenv('DB_PASSWORD') ?: 'unmasked-by-discovery';\n"))
    apps[0].config_files = ["/var/www/html/config.php"]
    plan = make_plan(facts, apps, base="debian")
    web = plan.app("web")
    assert not any(c.source == "/var/www/html/config.php" for c in web.config)
    assert any(s.source == "/var/www/html/config.php" and s.target for s in web.secrets)
    files = render_host(facts, plan)
    assert not any("unmasked-by-discovery" in text for text in files.values())


def test_a_hard_coded_database_host_is_rewritten_in_the_settings_file_alone():
    from mta.plan.rewrite import db_host_rewrites, rewrite_db_host

    php = "<?php\ndefine('DB_HOST', 'localhost');\ndefine('DB_USER', 'localhost');\n# DB_HOST was localhost\n"
    assert rewrite_db_host(php, "localhost", "db") == (php.replace("'DB_HOST', 'localhost'", "'DB_HOST', 'db'"), 1)
    assert rewrite_db_host('$wgDBserver = "localhost:3306";\n', "localhost", "db") == ('$wgDBserver = "db:3306";\n', 1)
    assert rewrite_db_host("define('DB_HOST', 'localhost:/run/mysqld/mysqld.sock');", "localhost", "db")[0] == \
        "define('DB_HOST', 'db');"  # a socket on the VM: the service is reached over TCP
    yml = "production:\n  adapter: mysql2\n  host: localhost\n  password: localhost\n"
    assert rewrite_db_host(yml, "localhost", "db")[0] == yml.replace("host: localhost", "host: db")
    assert rewrite_db_host("host = localhostname\n", "localhost", "db") == ("host = localhostname\n", 0)
    rw = ["config /etc/wordpress/config-a.php: database host localhost -> db", "env X: a -> b"]
    assert db_host_rewrites(rw, "/etc/wordpress/config-a.php") == [("localhost", "db")]
    assert db_host_rewrites(rw, "/etc/wordpress/config-b.php") == []


def test_a_secret_file_gets_the_plans_neighbour_rewrites_with_its_real_values():
    """The plan sees masked files: its entry for an oslo/SQLAlchemy URL holds the marker. On the
    VM's real file (a secret file extract --secrets writes) the marker stands for the value there,
    which stays; dropping the entry from plan.yaml drops the rewrite."""
    from mta.model import SECRET_MARKER
    from mta.render.common import apply_rewrites

    conf = ("sql_connection = mysql+pymysql://vault:Kettle-42@localhost/vault\n"
            "transport_url = rabbit://vault:Harbour-19@localhost:5672/\n"
            "other = mysql+pymysql://vault:x@otherhost/vault\n")
    rw = [f"config: mysql+pymysql://vault:{SECRET_MARKER}@localhost -> mysql+pymysql://vault:{SECRET_MARKER}@db",
          "config: localhost:5672 -> rabbitmq:5672", "env X: a -> b"]
    assert apply_rewrites(conf, rw) == conf.replace("@localhost/vault", "@db/vault").replace(
        "@localhost:5672/", "@rabbitmq:5672/")
    assert apply_rewrites(conf, rw[1:]) == conf.replace("@localhost:5672/", "@rabbitmq:5672/")
    masked = f"sql_connection = mysql+pymysql://vault:{SECRET_MARKER}@localhost/vault\n"
    assert apply_rewrites(masked, rw) == masked.replace("@localhost", "@db")  # the ConfigMap's case: unchanged
    # a trailing marker is one word; values never leak across the line
    assert apply_rewrites("pw = s3cret more\n", [f"config: pw = {SECRET_MARKER} -> password = {SECRET_MARKER}"]) == \
        "password = s3cret more\n"
