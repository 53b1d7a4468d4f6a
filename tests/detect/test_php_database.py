"""PHP apps that keep their database settings in their own config (config.php, .env)."""

from __future__ import annotations

import pytest

from mta.detect import detect_apps, wanted_files
from mta.detect.configs import db_config
from mta.discover.secrets import mask_text
from mta.model import SECRET_MARKER

from .helpers import facts, file, pkg, proc, sock, svc

GUESTBOOK = """<?php
$db_host = getenv('DB_HOST') ?: 'localhost';
$db_name = getenv('DB_NAME') ?: 'guestbook';
$db_user = getenv('DB_USER') ?: 'guestbook';
$db_pass = getenv('DB_PASSWORD') ?: '<redacted:secret>';
"""


def lamp(*files):
    return facts(
        processes=[proc(100, "/usr/sbin/apache2 -k start", user="root", unit="apache2.service"),
                   proc(101, "/usr/sbin/apache2 -k start", ppid=100, user="www-data"),
                   proc(200, "/usr/sbin/mariadbd", user="mysql", exe="/usr/sbin/mariadbd", unit="mariadb.service")],
        sockets=[sock(80, 100), sock(3306, 200, addr="127.0.0.1")],
        packages=[pkg("apache2", "2.4.62-1"), pkg("libapache2-mod-php8.2", "8.2.26-1"), pkg("mariadb-server", "1:10.11.6-0")],
        services=[svc("apache2", 100), svc("mariadb", 200)],
        files=list(files),
    )


def test_docroot_db_configs_are_wanted():
    want = wanted_files(lamp())
    for f in ("config.php", ".env", "config/database.php", "includes/config.php"):
        assert f"/var/www/html/{f}" in want


def test_config_php_links_the_local_database_with_env_names():
    apps = {a.stack: a for a in detect_apps(lamp(file("/var/www/html/config.php", GUESTBOOK)))}
    web, db = apps["php-apache"], apps["mariadb"]
    assert db.name in web.depends_on
    assert web.database and (web.database.host, web.database.name, web.database.user) == ("localhost", "guestbook", "guestbook")
    assert (web.database.host_env, web.database.password_env) == ("DB_HOST", "DB_PASSWORD")
    env = {e.name: e for e in web.env}
    assert env["DB_HOST"].value == "localhost" and env["DB_NAME"].value == "guestbook"
    assert env["DB_PASSWORD"].value is None  # named, never valued
    assert any(e.ref == "/var/www/html/config.php" and "guestbook" in e.detail for e in web.evidence)


@pytest.mark.parametrize("path,text,expected", [
    ("/w/wp-config.php", "<?php define('DB_NAME', 'wp'); define('DB_USER','wpu'); define('DB_PASSWORD','x');\n"
     "define('DB_HOST', 'localhost:/run/mysqld/mysqld.sock');", ("mysql", "localhost:/run/mysqld/mysqld.sock", "wp", "wpu", {})),
    ("/w/.env", "DB_CONNECTION=pgsql\nDB_HOST=127.0.0.1\nDB_PORT=5432\nDB_DATABASE=shop\nDB_USERNAME=shop\nDB_PASSWORD=x\n",
     ("postgres", "127.0.0.1", "shop", "shop", {"host": "DB_HOST", "port": "DB_PORT", "name": "DB_DATABASE",
                                                 "user": "DB_USERNAME", "password": "DB_PASSWORD"})),
    ("/w/config/database.php", "<?php return ['mysql' => ['host' => env('DB_HOST', '127.0.0.1'), "
     "'database' => env('DB_DATABASE', 'forge'), 'username' => env('DB_USERNAME', 'forge')]];",
     ("mysql", "127.0.0.1", "forge", "forge", {"host": "DB_HOST", "name": "DB_DATABASE", "user": "DB_USERNAME"})),
    ("/w/includes/config.php", "<?php $dbhost = 'localhost'; $dbname = 'cms'; $dbuser = 'cms'; $title = 'Home';",
     ("mysql", "localhost", "cms", "cms", {})),
    ("/w/config.php", "<?php $cfg['db_host'] = $_ENV['DB_HOST'] ?? 'db1'; $cfg['db_name'] = 'x';",
     ("mysql", "db1", "x", "", {"host": "DB_HOST"})),
])
def test_db_config_forms(path, text, expected):
    got = db_config(path, mask_text(text))
    assert got and (got.kind, got.host, got.name, got.user, got.env) == expected


def test_db_config_ignores_unrelated_settings_and_keeps_no_password():
    assert db_config("/w/config.php", "<?php $site_name = 'x'; $host = 'example.com'; $user = 'admin';") is None
    got = db_config("/w/config.php", "<?php define('DB_HOST','localhost'); define('DB_PASSWORD','hunter2');")
    assert got and got.has_password and "hunter2" not in repr(got) and SECRET_MARKER not in repr(got)
