"""Each detector on small synthetic hosts: the stacks the samples do not cover, and edge cases."""

from __future__ import annotations

import json

from mta.detect import detect_apps, wanted_files
from mta.model import SECRET_MARKER, Connection, Mount, Service

from .helpers import facts, file, pkg, proc, sock, svc


def one(f):
    apps = detect_apps(f, strict=True)
    assert len(apps) == 1, [(a.name, a.stack) for a in apps]
    return apps[0]


def test_jboss_wildfly():
    cmd = ["/usr/lib/jvm/java-1.8.0-openjdk/bin/java", "-D[Standalone]", "-server", "-Xms64m", "-Xmx512m",
           "-Djboss.home.dir=/opt/wildfly", "-Djboss.server.base.dir=/opt/wildfly/standalone",
           "-jar", "/opt/wildfly/jboss-modules.jar", "-mp", "/opt/wildfly/modules", "org.jboss.as.standalone", "-b", "0.0.0.0"]
    f = facts(
        processes=[proc(900, cmd, user="wildfly", exe="/usr/lib/jvm/java-1.8.0-openjdk-1.8.0.292.b10-1.el7_9.x86_64/jre/bin/java", cwd="/opt/wildfly")],
        sockets=[sock(8080, 900), sock(9990, 900, addr="127.0.0.1")],
        files=[file("/opt/wildfly/version.txt", "WildFly Full 10.1.0.Final (WildFly Core 2.2.0.Final)\n"),
               file("/opt/wildfly/standalone/configuration/standalone.xml", "<server><datasource jndi-name='x'/></server>")],
    )
    app = one(f)
    assert (app.stack, app.runtime, app.runtime_version, app.stack_version) == ("wildfly", "java", "8", "10.1")
    assert [p.port for p in app.ports] == [8080]
    assert app.code_paths == ["/opt/wildfly/standalone/deployments"]
    assert app.data_paths == ["/opt/wildfly/standalone/data"]
    assert "/opt/wildfly/standalone/configuration/standalone.xml" in wanted_files(facts(processes=f.processes), strict=True)


def test_plain_jar_without_spring_is_java():
    f = facts(processes=[proc(50, ["/opt/jdk-17.0.2/bin/java", "-jar", "billing-7.1.0.jar"], exe="/opt/jdk-17.0.2/bin/java", cwd="/srv/billing")],
              sockets=[sock(9000, 50)])
    app = one(f)
    assert (app.name, app.stack, app.runtime_version, app.framework) == ("billing", "java", "17", "")
    assert app.code_paths == ["/srv/billing/billing-7.1.0.jar"]


def test_tomcat_rhel_package_layout():
    cmd = ["/usr/lib/jvm/jre/bin/java", "-classpath", "/usr/share/tomcat/bin/bootstrap.jar", "-Dcatalina.base=/usr/share/tomcat",
           "-Dcatalina.home=/usr/share/tomcat", "org.apache.catalina.startup.Bootstrap", "start"]
    f = facts(processes=[proc(70, cmd, user="tomcat", exe="/usr/lib/jvm/java-1.7.0-openjdk-1.7.0.261-2.6.22.2.el7_8.x86_64/jre/bin/java")],
              sockets=[sock(8080, 70), sock(8005, 70, addr="127.0.0.1")], packages=[pkg("tomcat", "7.0.76", "rpm")])
    app = one(f)
    assert (app.runtime_version, app.stack_version) == ("7", "7.0")
    assert app.code_paths == ["/var/lib/tomcat/webapps"]
    assert app.log_paths == ["/var/log/tomcat"]
    assert [p.port for p in app.ports] == [8080]  # 8005 is the shutdown port even without server.xml
    assert "/etc/tomcat/server.xml" in wanted_files(f, strict=True)


def test_uwsgi_flask_from_ini():
    ini = "[uwsgi]\nchdir = /srv/hello\nmodule = hello:app\nhttp-socket = :5000\nprocesses = 2\nvirtualenv = /srv/hello/.venv\n"
    f = facts(
        processes=[proc(300, "/usr/bin/uwsgi --ini /etc/uwsgi/apps-enabled/hello.ini", exe="/usr/bin/uwsgi-core", user="www-data"),
                   proc(301, "/usr/bin/uwsgi --ini /etc/uwsgi/apps-enabled/hello.ini", ppid=300, exe="/usr/bin/uwsgi-core", user="www-data"),
                   proc(302, "/usr/bin/uwsgi --ini /etc/uwsgi/apps-enabled/hello.ini", ppid=300, exe="/usr/bin/uwsgi-core", user="www-data")],
        sockets=[sock(5000, 300)],
        files=[file("/etc/uwsgi/apps-enabled/hello.ini", ini), file("/srv/hello/hello.py", "from flask import Flask\napp = Flask(__name__)\n"),
               file("/srv/hello/requirements.txt", "Flask==1.1.2\n")],
        packages=[pkg("python3", "3.7.3-1")],
    )
    app = one(f)
    assert (app.stack, app.framework, app.runtime_version, app.workdir) == ("flask", "flask", "3.7", "/srv/hello")
    assert app.pids == [300, 301, 302]
    assert app.ports[0].http is True
    assert "/etc/uwsgi/apps-enabled/hello.ini" in app.config_files


def test_uwsgi_socket_protocol_is_not_http():
    f = facts(processes=[proc(300, "uwsgi --socket 127.0.0.1:3031 --module app:app --chdir /srv/x", exe="/usr/bin/uwsgi")],
              sockets=[sock(3031, 300, addr="127.0.0.1")])
    app = one(f)
    assert app.ports[0].name == "uwsgi" and app.ports[0].http is False


def test_gunicorn_process_title_and_runserver():
    f = facts(processes=[proc(10, ["gunicorn: master [blog.wsgi:application]"], exe="/usr/bin/python3.8", cwd="/srv/blog"),
                         proc(11, ["gunicorn: worker [blog.wsgi:application]"], ppid=10, exe="/usr/bin/python3.8", cwd="/srv/blog")],
              sockets=[sock(8000, 10)])
    app = one(f)
    assert app.pids == [10, 11] and app.runtime_version == "3.8"
    assert "/srv/blog/blog/wsgi.py" in wanted_files(f, strict=True)
    dev = one(facts(processes=[proc(20, "python manage.py runserver 0.0.0.0:8000", exe="/usr/bin/python2.7", cwd="/opt/legacy")],
                    sockets=[sock(8000, 20)]))
    assert (dev.framework, dev.runtime_version) == ("django", "2.7")
    assert any("development server" in n for n in dev.notes)


def test_rq_worker_and_celery_beat_are_workers():
    f = facts(processes=[proc(40, "/srv/app/venv/bin/python /srv/app/venv/bin/rq worker high default", exe="/usr/bin/python3.6", cwd="/srv/app"),
                         proc(41, "/srv/app/venv/bin/python /srv/app/venv/bin/celery -A proj beat -l info", exe="/usr/bin/python3.6", cwd="/srv/app")])
    apps = {a.name: a for a in detect_apps(f, strict=True)}
    assert apps["worker"].stack == "rq" and apps["worker"].role == "worker"
    assert apps["beat"].stack == "celery-beat" and apps["beat"].role == "worker"
    assert any("exactly one replica" in n for n in apps["beat"].notes)


def test_node_behind_npm_is_one_app():
    f = facts(processes=[proc(60, ["npm"], exe="/usr/bin/node", cwd="/srv/shopfront"),
                         proc(61, ["sh", "-c", "node server.js"], ppid=60, exe="/bin/dash", cwd="/srv/shopfront"),
                         proc(62, ["node", "server.js"], ppid=61, exe="/usr/bin/node", cwd="/srv/shopfront")],
              sockets=[sock(8080, 62)],
              files=[file("/srv/shopfront/package.json", json.dumps({"name": "@acme/shopfront", "dependencies": {"koa": "^2"}}))],
              packages=[pkg("nodejs", "12.22.12~dfsg-1~deb11u4")])
    app = one(f)
    assert app.pids == [60, 61, 62]
    assert app.command == ["node", "server.js"]
    assert (app.name, app.framework, app.runtime_version) == ("shopfront", "koa", "12.22")


def test_pm2_without_dump_groups_by_env_name():
    daemon = proc(80, ["PM2 v5.1.0: God Daemon (/root/.pm2)"], exe="/usr/bin/node", user="root")
    kids = [proc(81 + i, ["node", "/opt/q/index.js"], ppid=80, exe="/usr/bin/node", cwd="/opt/q", user="root",
                 env={"name": "queue", "pm_id": str(i)}) for i in range(3)]
    apps = detect_apps(facts(processes=[daemon, *kids]), strict=True)
    assert [(a.name, a.pids) for a in apps] == [("queue", [81, 82, 83])]
    assert "/root/.pm2/dump.pm2" in wanted_files(facts(processes=[daemon, *kids]), strict=True)


def test_php_fpm_behind_nginx_unix_socket():
    pool = "[www]\nuser = www-data\nlisten = /run/php/php7.4-fpm.sock\npm = dynamic\n"
    site = ("server {\n listen 80;\n root /var/www/shop/public;\n index index.php;\n"
            " location ~ \\.php$ {\n  fastcgi_pass unix:/run/php/php7.4-fpm.sock;\n }\n}\n")
    f = facts(
        processes=[proc(500, ["php-fpm: master process (/etc/php/7.4/fpm/php-fpm.conf)"], user="root", exe="/usr/sbin/php-fpm7.4"),
                   proc(501, ["php-fpm: pool www"], ppid=500, user="www-data", exe="/usr/sbin/php-fpm7.4"),
                   proc(600, ["nginx: master process /usr/sbin/nginx"], user="root", exe="/usr/sbin/nginx"),
                   proc(601, ["nginx: worker process"], ppid=600, user="www-data", exe="/usr/sbin/nginx")],
        sockets=[sock(80, 600)],
        files=[file("/etc/php/7.4/fpm/pool.d/www.conf", pool), file("/etc/nginx/nginx.conf", "http { include /etc/nginx/sites-enabled/*; }"),
               file("/etc/nginx/sites-enabled/shop", site), file("/var/www/shop/public/artisan", "#!/usr/bin/env php\n")],
        packages=[pkg("php7.4-fpm", "7.4.3-4ubuntu2.18"), pkg("nginx", "1.18.0-0ubuntu1.4")],
    )
    apps = {a.name: a for a in detect_apps(f, strict=True)}
    web, proxy = apps["web"], apps["nginx"]
    assert (web.stack, web.runtime_version, web.framework, web.user) == ("php-fpm", "7.4", "laravel", "www-data")
    assert web.pids == [500, 501] and web.code_paths == ["/var/www/shop/public"]
    assert (proxy.role, proxy.depends_on) == ("proxy", ["web"])
    assert "/etc/php/7.4/fpm/pool.d/*.conf" in wanted_files(facts(processes=f.processes), strict=True)


def test_ruby_puma_rails():
    f = facts(processes=[proc(700, ["puma 4.3.5 (tcp://0.0.0.0:3000) [app]"], exe="/home/deploy/.rbenv/versions/2.6.6/bin/ruby", cwd="/srv/app/current", user="deploy"),
                         proc(701, ["puma: cluster worker 0: 700 [app]"], ppid=700, exe="/home/deploy/.rbenv/versions/2.6.6/bin/ruby", cwd="/srv/app/current", user="deploy")],
              sockets=[sock(3000, 700)],
              files=[file("/srv/app/current/Gemfile.lock", "GEM\n  specs:\n    rails (5.2.4)\n"),
                     file("/srv/app/current/config/database.yml", "production:\n  adapter: postgresql\n  host: localhost\n  database: app\n")])
    app = one(f)
    assert (app.stack, app.framework, app.runtime_version, app.pids) == ("puma", "rails", "2.6", [700, 701])
    assert any("postgresql at localhost:5432" in n and "nothing listens" in n for n in app.notes)


def test_dotnet_dll():
    rc = json.dumps({"runtimeOptions": {"tfm": "netcoreapp3.1", "framework": {"name": "Microsoft.AspNetCore.App", "version": "3.1.0"}}})
    f = facts(processes=[proc(90, "/usr/bin/dotnet /var/www/Contoso.Api/Contoso.Api.dll", exe="/usr/share/dotnet/dotnet", cwd="/var/www/Contoso.Api")],
              sockets=[sock(5000, 90, addr="127.0.0.1")], files=[file("/var/www/Contoso.Api/Contoso.Api.runtimeconfig.json", rc)])
    app = one(f)
    assert (app.name, app.stack, app.runtime_version, app.framework) == ("contoso-api", "dotnet", "3.1", "aspnetcore")
    assert "/var/www/Contoso.Api/appsettings.json" in wanted_files(f, strict=True)


def test_unknown_binary_on_a_port_is_low_confidence():
    f = facts(processes=[proc(120, "/opt/gateway/bin/gateway -config /etc/gateway.toml", exe="/opt/gateway/bin/gateway", cwd="/opt/gateway")],
              sockets=[sock(7000, 120)],
              services=[Service(name="gateway", main_pid=120, user="gw", exec_start="/opt/gateway/bin/gateway -config /etc/gateway.toml")])
    app = one(f)
    assert (app.name, app.stack, app.confidence < 0.5, app.service) == ("gateway", "binary", True, "gateway")
    assert app.code_paths == ["/opt/gateway"]  # its directory, the binary inside
    assert any("self-contained binary" in n for n in app.notes)


def test_a_binary_started_from_a_home_directory_does_not_take_it_along():
    f = facts(processes=[proc(130, "/usr/local/bin/relay --port 7100", exe="/usr/local/bin/relay", cwd="/home/bob")],
              sockets=[sock(7100, 130)])
    app = one(f)
    assert app.code_paths == ["/usr/local/bin/relay"] and not app.data_paths


def test_binary_from_a_package_keeps_the_paths_it_is_pointed_at():
    from mta.model import Package

    f = facts(processes=[proc(11, "/bin/busybox httpd -f -p 8080 -h /srv/site", exe="/usr/bin/busybox", cwd="/srv/site",
                              user="statusboard")],
              sockets=[sock(8080, 11)],
              services=[Service(name="statusboard", main_pid=11, init="sysv")],
              packages=[Package(name="busybox-static", version="1:1.35.0-4")],
              files=[file("/etc/default/statusboard", "STATUSBOARD_ROOT=/srv/site\nSTATUSBOARD_DATA='/var/lib/statusboard'\n"
                          "# LOG=/var/log/old\nPORT=8080\n")])
    app = one(f)
    assert app.stack == "binary" and app.code_paths == ["/srv/site"]
    assert app.data_paths == ["/var/lib/statusboard"] and app.log_paths == []
    assert [e.ref for e in app.evidence if e.kind == "package"] == ["busybox-static"]


def test_os_daemons_and_kernel_threads_are_ignored():
    from mta.model import Process

    f = facts(processes=[
        Process(pid=2, ppid=0, name="kthreadd"), Process(pid=3, ppid=2, name="kworker/0:0"),
        proc(10, "/usr/sbin/sshd -D", exe="/usr/sbin/sshd", user="root"), proc(11, "/usr/sbin/cron -f", exe="/usr/sbin/cron", user="root"),
        proc(12, "/usr/lib/postfix/sbin/master -w", exe="/usr/lib/postfix/sbin/master", user="root"),
        proc(13, "/usr/sbin/rsyslogd -n", exe="/usr/sbin/rsyslogd", user="root"), proc(14, "/sbin/agetty tty1", exe="/sbin/agetty", user="root"),
        proc(15, "/usr/sbin/rpcbind -w", exe="/usr/sbin/rpcbind", user="root"),
        proc(16, ["/usr/bin/python3", "/usr/bin/salt-minion"], exe="/usr/bin/python3.6", user="root"),
    ], sockets=[sock(22, 10), sock(25, 12, addr="127.0.0.1"), sock(111, 15), sock(4505, 16)])
    assert detect_apps(f, strict=True) == []


def test_hostile_cmdline_does_not_break_detection():
    evil = "x'; $(reboot) `id` {{ config }} {% for %}\n\"quoted\" ; rm -rf /"
    f = facts(processes=[proc(30, ["/srv/app/venv/bin/python", "/srv/app/venv/bin/gunicorn", "--bind", "0.0.0.0:8000", "--name", evil, "app:app"],
                              exe="/usr/bin/python3.9", cwd="/srv/app", env={"TITLE": evil, "DB_PASSWORD": SECRET_MARKER})],
              sockets=[sock(8000, 30)], files=[file("/srv/app/requirements.txt", "flask\n" + evil)])
    app = one(f)
    assert app.command[5] == evil and app.framework == "flask"
    env = {e.name: e for e in app.env}
    assert env["TITLE"].value == evil
    assert env["DB_PASSWORD"].value is None and env["DB_PASSWORD"].secret == "web-db-password"
    assert all("\n" not in e.detail for e in app.evidence if e.kind == "process")


def test_names_are_unique_per_host():
    pg = lambda pid, d: proc(pid, ["/usr/lib/postgresql/12/bin/postgres", "-D", d], exe="/usr/lib/postgresql/12/bin/postgres", user="postgres")
    f = facts(processes=[pg(10, "/var/lib/postgresql/12/main"), pg(20, "/var/lib/postgresql/12/reports"),
                         proc(30, "/usr/sbin/mysqld", exe="/usr/sbin/mysqld", user="mysql")],
              sockets=[sock(5432, 10), sock(5433, 20), sock(3306, 30)])
    names = [(a.name, a.stack, a.runtime_version) for a in detect_apps(f, strict=True)]
    assert names == [("db", "mysql", ""), ("db-postgresql", "postgresql", "12"), ("db-2", "postgresql", "12")]


def test_depends_on_by_connection_and_external_note():
    f = facts(processes=[proc(10, "/usr/bin/redis-server 127.0.0.1:6380", exe="/usr/bin/redis-server", user="redis"),
                         proc(20, "node /srv/api/index.js", exe="/usr/bin/node", cwd="/srv/api")],
              sockets=[sock(6380, 10, addr="127.0.0.1"), sock(8080, 20)],
              connections=[Connection(local_address="127.0.0.1", local_port=40000, remote_address="127.0.0.1", remote_port=6380, pid=20),
                           Connection(local_address="10.0.0.5", local_port=40001, remote_address="10.0.0.9", remote_port=27017, pid=20)])
    apps = {a.name: a for a in detect_apps(f, strict=True)}
    api = apps["api"]
    assert api.depends_on == ["redis"]
    assert any(e.kind == "port" and e.ref == "tcp/6380" for e in api.evidence)
    assert any("10.0.0.9:27017" in n for n in api.notes)


def test_static_nginx_default_site_and_network_mount():
    f = facts(processes=[proc(5, ["nginx: master process /usr/sbin/nginx -c /etc/nginx/nginx.conf"], exe="/usr/sbin/nginx", user="root")],
              sockets=[sock(80, 5)],
              files=[file("/etc/nginx/nginx.conf", "http { server { listen 8080; root /data/site; location / { try_files $uri =404; } } }")],
              mounts=[Mount(device="filer:/vol/site", mountpoint="/data", fstype="nfs4", network=True)])
    app = one(f)
    assert (app.role, app.stack, app.code_paths) == ("app", "static-nginx", ["/data/site"])
    assert any("nfs4 mount" in n for n in app.notes)


def test_detector_failure_does_not_cost_the_host(monkeypatch):
    from mta.detect import registry
    from mta.detect.redis import Redis

    def boom(self, facts):
        raise RuntimeError("bug")

    monkeypatch.setattr(Redis, "detect", boom)
    f = facts(processes=[proc(10, "/usr/bin/redis-server *:6379", exe="/usr/bin/redis-server"),
                         proc(20, "/usr/sbin/mysqld", exe="/usr/sbin/mysqld", user="mysql")],
              sockets=[sock(3306, 20)])
    assert [a.stack for a in registry.detect_apps(f)] == ["mysql"]


def test_service_environment_file_and_secret():
    f = facts(processes=[proc(10, "/usr/bin/java -jar /opt/a/a.jar", exe="/usr/lib/jvm/java-11-openjdk-amd64/bin/java", cwd="/opt/a")],
              services=[svc("a", 10, user="a", environment_files=["-/etc/default/a"], environment={"SPRING_PROFILES_ACTIVE": "prod"})],
              files=[file("/etc/default/a", f"# comment\nexport DB_URL='jdbc:mysql://db.example.com/a'\nDB_PASS={SECRET_MARKER}\n")])
    app = one(f)
    env = {e.name: e for e in app.env}
    assert env["DB_URL"].value == "jdbc:mysql://db.example.com/a" and env["DB_PASS"].secret == "a-db-pass"
    assert app.framework == "spring-boot" and app.runtime_version == "11" and app.service == "a"
    assert "/etc/default/a" in wanted_files(facts(processes=f.processes, services=f.services), strict=True)


def test_python_script_flask_dev_server():
    f = facts(processes=[proc(30, "/usr/bin/python3 app.py", exe="/usr/bin/python3.6", cwd="/opt/hello", user="hello")],
              sockets=[sock(5000, 30)],
              files=[file("/opt/hello/app.py", "from flask import Flask\napp = Flask(__name__)\napp.run(host='0.0.0.0')\n")])
    app = one(f)
    assert (app.name, app.stack, app.framework, app.runtime_version, app.code_paths) == ("web", "flask", "flask", "3.6", ["/opt/hello"])
    assert app.ports[0].http is True
    assert "/opt/hello/app.py" in wanted_files(facts(processes=f.processes, sockets=f.sockets), strict=True)


def test_python_script_without_port_is_not_an_app():
    f = facts(processes=[proc(30, "/usr/bin/python3 /opt/tools/sync.py", exe="/usr/bin/python3.6", cwd="/opt/tools")])
    assert detect_apps(f, strict=True) == []


def test_other_backing_services():
    f = facts(processes=[proc(10, "/usr/bin/memcached -m 64 -p 11211 -u memcache -l 127.0.0.1", exe="/usr/bin/memcached", user="memcache"),
                         proc(20, "/usr/bin/mongod --config /etc/mongod.conf", exe="/usr/bin/mongod", user="mongodb"),
                         proc(30, ["/usr/lib/erlang/erts-10.6.4/bin/beam.smp", "-W", "w", "--", "-root", "/usr/lib/erlang", "-s", "rabbit", "boot"],
                              exe="/usr/lib/erlang/erts-10.6.4/bin/beam.smp", user="rabbitmq")],
              sockets=[sock(11211, 10, addr="127.0.0.1"), sock(27017, 20, addr="127.0.0.1"), sock(5672, 30)],
              files=[file("/etc/mongod.conf", "storage:\n  dbPath: /data/mongo\nsystemLog:\n  destination: file\n  path: /var/log/mongodb/mongod.log\n")],
              packages=[pkg("mongodb-org-server", "4.0.28"), pkg("rabbitmq-server", "3.8.2-0ubuntu1")])
    apps = {a.name: a for a in detect_apps(f, strict=True)}
    assert {a.role for a in apps.values()} == {"backing"}
    assert apps["mongodb"].data_paths == ["/data/mongo"] and apps["mongodb"].runtime_version == "4.0"
    assert apps["rabbitmq"].runtime_version == "3.8" and apps["rabbitmq"].ports[0].name == "amqp"
    assert apps["memcached"].data_paths == []


def test_web_framework_ports_are_http_without_a_check():
    f = facts(processes=[proc(62, ["node", "index.js"], exe="/usr/bin/node", cwd="/srv/site")], sockets=[sock(8080, 62)],
              files=[file("/srv/site/package.json", json.dumps({"name": "site", "dependencies": {"express": "4"}}))])
    assert one(f).ports[0].http is True
    bare = facts(processes=[proc(62, ["node", "index.js"], exe="/usr/bin/node", cwd="/srv/site")], sockets=[sock(9999, 62)])
    assert one(bare).ports[0].http is False  # no framework, no HTTP answer: do not guess


def test_apache_proxy_to_tomcat_over_ajp_and_supervisord_ignored():
    vhost = "<VirtualHost *:80>\n  ServerName app\n  ProxyPass / ajp://localhost:8009/\n</VirtualHost>\n"
    cmd = ["/usr/bin/java", "-Dcatalina.base=/opt/t", "-Dcatalina.home=/opt/t", "org.apache.catalina.startup.Bootstrap", "start"]
    f = facts(processes=[proc(10, "/usr/sbin/httpd -DFOREGROUND", exe="/usr/sbin/httpd", user="root"),
                         proc(11, "/usr/sbin/httpd -DFOREGROUND", ppid=10, exe="/usr/sbin/httpd", user="apache"),
                         proc(20, ["/usr/bin/python2", "/usr/bin/supervisord", "-c", "/etc/supervisord.conf"], exe="/usr/bin/python2.7", user="root"),
                         proc(30, cmd, ppid=20, exe="/usr/lib/jvm/java-1.8.0-openjdk/jre/bin/java", user="tomcat")],
              sockets=[sock(80, 10), sock(9001, 20), sock(8009, 30, addr="127.0.0.1"), sock(8080, 30)],
              files=[file("/etc/httpd/conf/httpd.conf", "Listen 80\nInclude conf.d/*.conf\n"), file("/etc/httpd/conf.d/app.conf", vhost)])
    apps = {a.name: a for a in detect_apps(f, strict=True)}
    assert set(apps) == {"tomcat", "apache"}
    assert apps["apache"].role == "proxy" and apps["apache"].depends_on == ["tomcat"]
    assert any("passes AJP to localhost:8009 (tomcat)" in e.detail for e in apps["apache"].evidence)
    assert apps["tomcat"].pids == [30]


def test_passenger_inside_nginx_is_its_own_app():
    site = "server {\n listen 80;\n server_name blog;\n root /srv/blog/public;\n passenger_enabled on;\n}\n"
    f = facts(processes=[proc(10, ["nginx: master process /opt/nginx/sbin/nginx"], exe="/opt/nginx/sbin/nginx", user="root"),
                         proc(11, ["nginx: worker process"], ppid=10, exe="/opt/nginx/sbin/nginx", user="nobody"),
                         proc(20, ["PassengerAgent watchdog"], ppid=10, exe="/usr/lib/passenger/support-binaries/PassengerAgent", user="root"),
                         proc(21, ["PassengerAgent core"], ppid=20, exe="/usr/lib/passenger/support-binaries/PassengerAgent", user="root"),
                         proc(22, ["Passenger RubyApp: /srv/blog (production)"], ppid=21, exe="/usr/bin/ruby2.5", user="blog")],
              sockets=[sock(80, 10)],
              files=[file("/etc/nginx/nginx.conf", "http { include /etc/nginx/sites-enabled/*; }"), file("/etc/nginx/sites-enabled/blog", site),
                     file("/srv/blog/Gemfile.lock", "GEM\n  specs:\n    rails (4.2.11)\n")])
    apps = {a.name: a for a in detect_apps(f, strict=True)}
    web, proxy = apps["web"], apps["nginx"]
    assert (web.stack, web.workdir, web.user, web.framework, web.runtime_version) == ("passenger", "/srv/blog", "blog", "rails", "2.5")
    assert web.pids == [20, 21, 22]
    assert proxy.pids == [10, 11] and proxy.role == "proxy" and proxy.depends_on == ["web"]
    assert [p.port for p in proxy.ports] == [80]


def test_known_jvm_servers():
    es = ["/usr/share/elasticsearch/jdk/bin/java", "-Xms1g", "-Des.path.home=/usr/share/elasticsearch", "-Des.path.conf=/etc/elasticsearch",
          "-cp", "/usr/share/elasticsearch/lib/*", "org.elasticsearch.bootstrap.Elasticsearch", "-p", "/var/run/elasticsearch/elasticsearch.pid"]
    zk = ["java", "-cp", "/opt/zk/lib/*", "org.apache.zookeeper.server.quorum.QuorumPeerMain", "/opt/zk/conf/zoo.cfg"]
    jenkins = ["/usr/bin/java", "-Djava.awt.headless=true", "-jar", "/usr/share/jenkins/jenkins.war", "--httpPort=8080"]
    f = facts(processes=[proc(10, es, exe="/usr/share/elasticsearch/jdk/bin/java", user="elasticsearch"),
                         proc(20, zk, exe="/usr/lib/jvm/java-11-openjdk-amd64/bin/java", user="zk"),
                         proc(30, jenkins, exe="/usr/lib/jvm/java-11-openjdk-amd64/bin/java", user="jenkins", env={"JENKINS_HOME": "/data/jenkins"})],
              sockets=[sock(9200, 10), sock(9300, 10), sock(2181, 20), sock(8080, 30), sock(50000, 30)],
              files=[file("/etc/elasticsearch/elasticsearch.yml", "cluster.name: logs\npath.data: /data/es\n"),
                     file("/opt/zk/conf/zoo.cfg", "tickTime=2000\ndataDir=/var/zk\nclientPort=2181\n")],
              packages=[pkg("elasticsearch", "6.8.23")])
    apps = {a.name: a for a in detect_apps(f, strict=True)}
    assert (apps["elasticsearch"].role, apps["elasticsearch"].runtime_version, apps["elasticsearch"].data_paths) == ("backing", "6.8", ["/data/es"])
    assert (apps["zookeeper"].role, apps["zookeeper"].data_paths) == ("backing", ["/var/zk"])
    assert (apps["jenkins"].role, apps["jenkins"].data_paths, apps["jenkins"].runtime_version) == ("app", ["/data/jenkins"], "11")
    assert [(p.port, p.http) for p in apps["jenkins"].ports] == [(8080, True), (50000, False)]
    assert "/opt/zk/conf/zoo.cfg" in wanted_files(facts(processes=f.processes), strict=True)


def test_unicorn_and_sidekiq():
    f = facts(processes=[proc(10, "unicorn master -c /srv/shop/current/config/unicorn.rb -E production -D", exe="/usr/local/bin/ruby", cwd="/srv/shop/current", user="shop"),
                         proc(11, "unicorn worker[0] -c /srv/shop/current/config/unicorn.rb -E production -D", ppid=10, exe="/usr/local/bin/ruby", cwd="/srv/shop/current", user="shop"),
                         proc(20, ["sidekiq 5.2.9 shop [0 of 10 busy]"], exe="/usr/local/bin/ruby", cwd="/srv/shop/current", user="shop")],
              sockets=[sock(8080, 10, addr="127.0.0.1")],
              files=[file("/srv/shop/current/.ruby-version", "2.4.10\n"), file("/srv/shop/current/Gemfile", "gem 'rails', '5.1.7'\n")])
    apps = {a.name: a for a in detect_apps(f, strict=True)}
    assert (apps["web"].stack, apps["web"].pids, apps["web"].runtime_version, apps["web"].framework) == ("unicorn", [10, 11], "2.4", "rails")
    assert (apps["worker"].role, apps["worker"].stack) == ("worker", "sidekiq")
    assert "/srv/shop/current/config/unicorn.rb" in wanted_files(f, strict=True)


def test_a_parent_that_started_servers_is_not_their_app():
    """A python test runner (or any launcher) that started nginx and redis: they are the apps, it is not."""
    f = facts(processes=[proc(10, "/usr/bin/python3 /opt/run/launch.py", exe="/usr/bin/python3.11", cwd="/opt/run", user="root"),
                         proc(11, ["nginx: master process /usr/sbin/nginx -c /opt/run/nginx.conf"], ppid=10, exe="/usr/sbin/nginx", user="root"),
                         proc(12, ["nginx: worker process"], ppid=11, exe="/usr/sbin/nginx", user="www-data"),
                         proc(13, "/usr/bin/redis-server 127.0.0.1:7000", ppid=10, exe="/usr/bin/redis-server", cwd="/opt/run/redis", user="root")],
              sockets=[sock(8088, 11), sock(7000, 13, addr="127.0.0.1")])
    apps = {a.stack: a for a in detect_apps(f, strict=True)}
    assert set(apps) == {"static-nginx", "redis"}
    assert apps["static-nginx"].pids == [11, 12] and apps["redis"].pids == [13]
    assert apps["redis"].data_paths == ["/opt/run/redis"]


def test_shell_wrapper_belongs_to_its_java_app():
    f = facts(processes=[proc(10, ["/bin/sh", "/opt/pay/bin/run.sh"], exe="/bin/dash", cwd="/opt/pay", user="pay"),
                         proc(11, ["java", "-Xmx1g", "-jar", "/opt/pay/pay-server.jar"], ppid=10, exe="/usr/lib/jvm/java-8-openjdk-amd64/jre/bin/java",
                              cwd="/opt/pay", user="pay")],
              sockets=[sock(8443, 11)])
    app = one(f)
    assert (app.name, app.pids, app.runtime_version, app.command[0]) == ("pay-server", [10, 11], "8", "java")
    assert app.ports[0].name == "https"
