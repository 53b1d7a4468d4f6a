"""Web apps installed from Debian packages: code, settings outside the code tree and data follow the app."""

from __future__ import annotations

import pytest

from mta.detect import detect_apps, wanted_files
from mta.detect.configs import db_config

from .helpers import facts, file, pkg, proc, sock, svc

WP_VHOST = """<VirtualHost *:80>
    DocumentRoot /usr/share/wordpress
    Alias /wp-content /var/lib/wordpress/wp-content
    <Directory /usr/share/wordpress>
        Require all granted
    </Directory>
</VirtualHost>
"""
WP_HOST_CONFIG = """<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'wordpress');
define('DB_PASSWORD', '<redacted:secret>');
define('DB_HOST', 'localhost');
"""


def _wordpress(*files):
    return facts(
        processes=[proc(100, "/usr/sbin/apache2 -k start", user="root", unit="apache2.service"),
                   proc(101, "/usr/sbin/apache2 -k start", ppid=100, user="www-data"),
                   proc(200, "/usr/sbin/mariadbd", user="mysql", exe="/usr/sbin/mariadbd")],
        sockets=[sock(80, 100), sock(3306, 200, addr="127.0.0.1")],
        packages=[pkg("apache2", "2.4.62-1"), pkg("libapache2-mod-php8.2", "8.2.29-1"), pkg("mariadb-server", "1:10.11.14-0"),
                  pkg("wordpress", "6.1.9+dfsg1-0+deb12u1")],
        services=[svc("apache2", 100), svc("mariadb", 200)],
        files=[file("/etc/apache2/sites-enabled/wordpress.conf", WP_VHOST),
               file("/etc/apache2/mods-enabled/php8.2.load", "LoadModule php_module /usr/lib/apache2/modules/libphp8.2.so\n"),
               *files],
    )


def test_debian_wordpress_settings_in_etc_are_wanted_and_follow_the_app():
    assert "/etc/wordpress/*.php" in wanted_files(_wordpress())
    f = _wordpress(file("/etc/wordpress/config-blog.example.org.php", WP_HOST_CONFIG),
                   file("/etc/wordpress/htaccess", "# BEGIN WordPress\n"))
    web = next(a for a in detect_apps(f) if a.stack == "php-apache")
    assert web.framework == "wordpress"
    assert web.code_paths == ["/usr/share/wordpress", "/var/lib/wordpress/wp-content"]
    assert {"/etc/wordpress/config-blog.example.org.php", "/etc/wordpress/htaccess"} <= set(web.config_files)
    assert web.data_paths == ["/var/lib/wordpress/wp-content/uploads"]
    assert web.database and (web.database.file, web.database.name, web.database.user, web.database.host) == (
        "/etc/wordpress/config-blog.example.org.php", "wordpress", "wordpress", "localhost")
    assert any(e.kind == "package" and e.ref == "wordpress" for e in web.evidence)


def test_a_docroot_outside_a_package_is_not_claimed_by_it():
    f = _wordpress(file("/etc/wordpress/config-default.php", WP_HOST_CONFIG))
    f.files[0] = file("/etc/apache2/sites-enabled/wordpress.conf", WP_VHOST.replace("/usr/share/wordpress", "/srv/site")
                      .replace("Alias /wp-content /var/lib/wordpress/wp-content", ""))
    web = next(a for a in detect_apps(f) if a.stack == "php-apache")
    assert web.framework != "wordpress" and web.code_paths == ["/srv/site"]
    assert "/etc/wordpress/config-default.php" not in web.config_files


MW_SITE = ("server {\n listen 80 default_server;\n root /var/lib/mediawiki;\n index index.php;\n"
           " location ~ \\.php$ {\n  include snippets/fastcgi-php.conf;\n  fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n }\n}\n")
MW_SETTINGS = """<?php
$wgSitename = "Tide Wiki";
$wgDBtype = "mysql";
$wgDBserver = "localhost";
$wgDBname = "tidewiki";
$wgDBuser = "tidewiki";
$wgDBpassword = "<redacted:secret>";
"""


def _mediawiki(settings: str = MW_SETTINGS):
    """Debian's mediawiki on nginx + php-fpm, talking over php-fpm's unix socket."""
    pool = "[www]\nuser = www-data\nlisten = /run/php/php8.2-fpm.sock\n"
    return facts(
        processes=[proc(500, ["php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)"], user="root", exe="/usr/sbin/php-fpm8.2"),
                   proc(501, ["php-fpm: pool www"], ppid=500, user="www-data", exe="/usr/sbin/php-fpm8.2"),
                   proc(600, ["nginx: master process /usr/sbin/nginx"], user="root", exe="/usr/sbin/nginx"),
                   proc(601, ["nginx: worker process"], ppid=600, user="www-data", exe="/usr/sbin/nginx")],
        sockets=[sock(80, 600)],
        files=[file("/etc/php/8.2/fpm/pool.d/www.conf", pool), file("/etc/nginx/nginx.conf", "http { include /etc/nginx/sites-enabled/*; }"),
               file("/etc/nginx/sites-enabled/wiki", MW_SITE), file("/etc/mediawiki/LocalSettings.php", settings)],
        packages=[pkg("php8.2-fpm", "8.2.29-1"), pkg("nginx", "1.22.1-9"), pkg("mediawiki", "1:1.39.17-1+deb12u2")],
    )


def test_debian_mediawiki_on_nginx_and_php_fpm():
    f = _mediawiki()
    assert "/etc/mediawiki/*.php" in wanted_files(facts(processes=f.processes, packages=f.packages))
    apps = {a.name: a for a in detect_apps(f, strict=True)}
    web, proxy = apps["web"], apps["nginx"]
    assert web.framework == "mediawiki"
    # the web root is a tree of links into /usr/share/mediawiki: both trees are the app's code
    assert web.code_paths == ["/var/lib/mediawiki", "/usr/share/mediawiki"]
    assert proxy.code_paths == ["/var/lib/mediawiki", "/usr/share/mediawiki"]
    assert "/etc/mediawiki/LocalSettings.php" in web.config_files and web.data_paths == ["/var/lib/mediawiki/images"]
    assert web.database and (web.database.kind, web.database.name, web.database.user) == ("mysql", "tidewiki", "tidewiki")


def test_mediawiki_settings_and_rails_database_yml_name_the_database():
    got = db_config("/etc/mediawiki/LocalSettings.php", MW_SETTINGS.replace('"mysql"', '"postgres"'))
    assert got and (got.kind, got.host, got.name, got.has_password) == ("postgres", "localhost", "tidewiki", True)
    assert db_config("/etc/mediawiki/LocalSettings.php", MW_SETTINGS.replace('"mysql"', '"sqlite"')) is None
    yml = ("development:\n  adapter: sqlite3\n  database: db/dev.sqlite3\n\nproduction:\n  adapter: mysql2\n"
           "  database: redmine_default\n  host: localhost\n  port: 3306\n  username: \"redmine\"\n  password: x # set by dbconfig\n")
    got = db_config("/etc/redmine/default/database.yml", yml)
    assert got and (got.kind, got.host, got.port, got.name, got.user, got.has_password) == (
        "mysql", "localhost", 3306, "redmine_default", "redmine", True)
    assert db_config("/srv/app/config/database.yml", "production:\n  adapter: sqlite3\n  database: db/p.sqlite3\n") is None


RM_VHOST = """<VirtualHost *:80>
    RailsEnv production
    SetEnv REDMINE_INSTANCE "default"
    PassengerAppGroupName redmine_default
    DocumentRoot /usr/share/redmine/public
</VirtualHost>
"""


def redmine(idle: bool = False):
    """Debian's redmine on Apache + mod_passenger (README.Debian's vhost), MariaDB. ``idle``: the
    preloader has exited and its app process was reparented to init, titled by its group name."""
    db_yml = "production:\n  adapter: mysql2\n  database: redmine_default\n  host: localhost\n  username: redmine\n  password: x\n"
    app = (proc(320, ["Passenger RubyApp: redmine_default"], ppid=1, user="www-data", exe="/usr/bin/ruby3.1", cwd="/usr/share/redmine")
           if idle else proc(320, ["Passenger RubyApp: redmine_default"], ppid=313, user="www-data", exe="/usr/bin/ruby3.1"))
    return facts(
        processes=[proc(100, "/usr/sbin/apache2 -k start", user="root", exe="/usr/sbin/apache2"),
                   proc(229, ["Passenger watchdog"], ppid=100, user="root", exe="/usr/lib/passenger/support-binaries/PassengerAgent"),
                   proc(236, ["Passenger core"], ppid=229, user="root", exe="/usr/lib/passenger/support-binaries/PassengerAgent"),
                   proc(240, "/usr/sbin/apache2 -k start", ppid=100, user="www-data", exe="/usr/sbin/apache2"),
                   *([] if idle else [proc(313, ["Passenger AppPreloader: /usr/share/redmine"], ppid=236, user="www-data",
                                           exe="/usr/bin/ruby3.1")]),
                   app],
        sockets=[sock(80, 100), sock(33443, 320, addr="127.0.0.1")],
        files=[file("/etc/redmine/default/database.yml", db_yml), file("/etc/redmine/default/secret_key.txt", "<redacted:secret>\n"),
               file("/usr/share/redmine/Gemfile", "gem 'rails', '6.1.7'\n"),
               file("/etc/apache2/apache2.conf", "IncludeOptional sites-enabled/*.conf\n"),
               file("/etc/apache2/sites-enabled/redmine.conf", RM_VHOST)],
        packages=[pkg("redmine", "5.0.4-5+deb12u1"), pkg("redmine-mysql", "5.0.4-5+deb12u1"), pkg("apache2", "2.4.62-1"),
                  pkg("libapache2-mod-passenger", "6.0.17+ds-1"), pkg("mariadb-server", "1:10.11.14-0")],
    )


@pytest.mark.parametrize("idle", [False, True], ids=["preloader", "idle"])
def test_debian_redmine_under_passenger(idle):
    f = redmine(idle)
    assert "/etc/redmine/*/database.yml" in wanted_files(f)
    apps = detect_apps(f, strict=True)
    # mod_passenger runs inside Apache, as mod_php does: one app, answering on Apache's port with its vhost
    assert [a.name for a in apps] == ["web"], [(a.name, a.stack) for a in apps]
    web = apps[0]
    assert (web.stack, web.framework, web.workdir, web.pids[0]) == ("passenger-apache", "rails", "/usr/share/redmine", 100)
    assert [p.port for p in web.ports] == [80]  # Passenger's loopback port is its own business
    assert web.code_paths == ["/usr/share/redmine", "/var/lib/redmine"]
    assert {"/etc/redmine/default/database.yml", "/etc/redmine/default/secret_key.txt",
            "/etc/apache2/sites-enabled/redmine.conf"} <= set(web.config_files)
    assert web.data_paths == ["/var/lib/redmine/default/files"] and "/var/log/redmine" in web.log_paths
    assert web.database and (web.database.file, web.database.name) == ("/etc/redmine/default/database.yml", "redmine_default")
    assert not any("bundle install" in n for n in web.notes)
