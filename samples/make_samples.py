"""Regenerate the sample discovery snapshots: ``python samples/make_samples.py``.

Each sample is a typical legacy VM as ``mta discover`` would record it:
process trees, sockets with owning pids, units, packages, cron, mounts,
utilization, the config files detectors ask for, HTTP checks and
connections. Secrets appear only as ``SECRET_MARKER``. One sample
(ubuntu1804-node-pm2) carries hostile strings (quotes, ``$()``, ``;``,
``{{ }}``, newlines) in a command line, an environment value and a cron job,
so every layer downstream proves it escapes discovered text.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from mta.io import dump_model, write_atomic  # noqa: E402
from mta.model import (  # noqa: E402
    SECRET_MARKER,
    Connection,
    CronJob,
    FileContent,
    Hardware,
    HostFacts,
    HttpCheck,
    Mount,
    OSInfo,
    Package,
    Process,
    Service,
    Socket,
    User,
    Utilization,
    UtilSample,
)

S = SECRET_MARKER
MB = 1024 * 1024
GB = 1024 * MB

#: The hostile string: quotes, command substitution, a separator, template syntax and a newline.
HOSTILE = "it's \"quoted\"; $(touch /tmp/pwned) `id` {{ 7*7 }} {% raw %} ${HOME}\nsecond line"


# --- building blocks ----------------------------------------------------------------------------


def proc(pid, ppid, user, cmdline, *, exe="", cwd="/", rss=0, cpu=0.0, cpu_s=None, unit="", env=None, name=None,
         start=None, uid=None) -> Process:
    if isinstance(cmdline, str):
        cmdline = cmdline.split()
    comm = name or (cmdline[0].rsplit("/", 1)[-1][:15] if cmdline else "")
    return Process(
        pid=pid, ppid=ppid, user=user, uid=uid, name=comm, exe=exe, cmdline=cmdline, cwd=cwd, rss_bytes=int(rss * MB),
        cpu_percent=cpu, cpu_seconds=cpu_s if cpu_s is not None else round(cpu * 3600 * 5, 1), start_time=start,
        unit=unit, env=env or {},
    )


def kthreads(extra: tuple[str, ...] = ()) -> list[Process]:
    names = ["ksoftirqd/0", "migration/0", "rcu_sched", "watchdog/0", "kworker/0:1H", "kswapd0", "khugepaged",
             "kdevtmpfs", "kblockd", "ksoftirqd/1", "migration/1", "kworker/1:2", *extra]
    out = [Process(pid=2, ppid=0, user="root", name="kthreadd")]
    for i, n in enumerate(names):
        out.append(Process(pid=3 + i, ppid=2, user="root", name=n))
    return out


def listen(port, pid, process, addr="0.0.0.0", proto="tcp", fam="ipv4") -> Socket:
    return Socket(protocol=proto, address=addr, port=port, family=fam, pid=pid, process=process)


def conn(lport, rhost, rport, pid, process, laddr="127.0.0.1") -> Connection:
    return Connection(local_address=laddr, local_port=lport, remote_address=rhost, remote_port=rport, pid=pid, process=process)


def unit(name, exec_start, *, user="", wd="", env=None, env_files=None, pid=None, desc="", path="", state="running",
         init="systemd", group="") -> Service:
    return Service(
        name=name, init=init, state=state, enabled=True, unit_path=path or (f"/usr/lib/systemd/system/{name}.service" if init == "systemd" else f"/etc/init.d/{name}"),
        description=desc, exec_start=exec_start, user=user, group=group, working_directory=wd, environment=env or {},
        environment_files=env_files or [], main_pid=pid,
    )


def rpm(spec: str) -> Package:
    """``name version-release`` (optionally ``epoch:version``)."""
    name, vr = spec.split(" ")
    epoch = ""
    if ":" in vr:
        epoch, vr = vr.split(":", 1)
    version, _, release = vr.rpartition("-")
    return Package(name=name, version=version, release=release, epoch=epoch, arch="x86_64" if "noarch" not in spec else "noarch", manager="rpm")


def deb(spec: str) -> Package:
    name, version = spec.split(" ")
    return Package(name=name, version=version, arch="amd64", manager="dpkg")


def f(path, content, owner="root:root", mode="0644") -> FileContent:
    content = content.lstrip("\n")
    return FileContent(path=path, size=len(content.encode()), content=content, mode=mode, owner=owner)


def sysstat(start: float, hours: float, cores: int, mem: int, cpu_base: float, mem_base: float, seed: int) -> Utilization:
    """sysstat history at 10-minute intervals with a daytime bump."""
    rnd = random.Random(seed)
    samples = []
    n = int(hours * 6)
    for i in range(n + 1):
        t = start + i * 600
        hour = datetime.fromtimestamp(t, timezone.utc).hour
        bump = 1.8 if 8 <= hour < 18 else 1.0
        cpu = min(100.0, max(0.5, cpu_base * bump + rnd.gauss(0, cpu_base * 0.25)))
        used = int(mem * min(0.97, max(0.05, mem_base + rnd.gauss(0, 0.02) + (0.05 if bump > 1 else 0))))
        samples.append(UtilSample(timestamp=t, cpu_percent=round(cpu, 1), mem_used_bytes=used))
    return Utilization(source="sysstat", duration_seconds=n * 600.0, interval_seconds=600.0, samples=samples)


def proc_sample(t: float, mem: int, cpu: float, mem_frac: float) -> Utilization:
    return Utilization(source="proc-sample", duration_seconds=2.0, interval_seconds=2.0, samples=[
        UtilSample(timestamp=t, cpu_percent=cpu, mem_used_bytes=int(mem * mem_frac)),
        UtilSample(timestamp=t + 2, cpu_percent=round(cpu * 1.1, 1), mem_used_bytes=int(mem * mem_frac) + 3 * MB),
    ])


def base_users(extra: list[tuple[str, int, int, str, str]], debian: bool) -> list[User]:
    common = [("root", 0, 0, "/root", "/bin/bash"), ("bin", 1 if not debian else 2, 1 if not debian else 2, "/bin", "/sbin/nologin" if not debian else "/usr/sbin/nologin"),
              ("daemon", 2 if not debian else 1, 2 if not debian else 1, "/sbin" if not debian else "/usr/sbin", "/sbin/nologin" if not debian else "/usr/sbin/nologin"),
              ("nobody", 99 if not debian else 65534, 99 if not debian else 65534, "/" if not debian else "/nonexistent", "/sbin/nologin" if not debian else "/usr/sbin/nologin")]
    if debian:
        common += [("www-data", 33, 33, "/var/www", "/usr/sbin/nologin"), ("sshd", 110, 65534, "/run/sshd", "/usr/sbin/nologin")]
    else:
        common += [("sshd", 74, 74, "/var/empty/sshd", "/sbin/nologin"), ("postfix", 89, 89, "/var/spool/postfix", "/sbin/nologin")]
    return [User(name=n, uid=u, gid=g, home=h, shell=s) for n, u, g, h, s in common + extra]


def http(port, status, title, ctype="text/html; charset=UTF-8", path="/") -> HttpCheck:
    return HttpCheck(port=port, path=path, status=status, title=title, content_type=ctype)


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=timezone.utc)


# --- common OS processes ------------------------------------------------------------------------


def rhel7_system(boot: float) -> tuple[list[Process], list[Service], list[Socket]]:
    ps = kthreads(("xfsaild/dm-0", "xfs-cil/dm-0")) + [
        proc(1, 0, "root", "/usr/lib/systemd/systemd --switched-root --system --deserialize 22", exe="/usr/lib/systemd/systemd", rss=6.2, start=boot, unit="init.scope"),
        proc(512, 1, "root", "/usr/lib/systemd/systemd-journald", exe="/usr/lib/systemd/systemd-journald", rss=14.1, start=boot + 2, unit="systemd-journald.service"),
        proc(538, 1, "root", "/usr/lib/systemd/systemd-udevd", exe="/usr/lib/systemd/systemd-udevd", rss=3.9, start=boot + 2, unit="systemd-udevd.service"),
        proc(640, 1, "root", "/sbin/auditd", exe="/usr/sbin/auditd", rss=1.8, start=boot + 4, unit="auditd.service"),
        proc(662, 1, "dbus", "/usr/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation", exe="/usr/bin/dbus-daemon", rss=2.4, start=boot + 4, unit="dbus.service"),
        proc(668, 1, "polkitd", "/usr/lib/polkit-1/polkitd --no-debug", exe="/usr/lib/polkit-1/polkitd", rss=11.3, start=boot + 4, unit="polkit.service"),
        proc(671, 1, "chrony", "/usr/sbin/chronyd", exe="/usr/sbin/chronyd", rss=1.9, start=boot + 4, unit="chronyd.service"),
        proc(690, 1, "root", "/usr/sbin/NetworkManager --no-daemon", exe="/usr/sbin/NetworkManager", rss=9.8, start=boot + 5, unit="NetworkManager.service"),
        proc(705, 690, "root", "/sbin/dhclient -d -q -sf /usr/libexec/nm-dhcp-helper -pf /var/run/dhclient-eth0.pid -lf /var/lib/NetworkManager/dhclient-eth0.lease -cf /var/lib/NetworkManager/dhclient-eth0.conf eth0", exe="/usr/sbin/dhclient", rss=3.1, start=boot + 6, unit="NetworkManager.service"),
        proc(1012, 1, "root", ["/usr/bin/python2", "-Es", "/usr/sbin/tuned", "-l", "-P"], exe="/usr/bin/python2.7", rss=18.4, start=boot + 8, unit="tuned.service"),
        proc(1015, 1, "root", "/usr/sbin/sshd -D", exe="/usr/sbin/sshd", rss=4.3, start=boot + 8, unit="sshd.service"),
        proc(1018, 1, "root", "/usr/sbin/rsyslogd -n", exe="/usr/sbin/rsyslogd", rss=5.6, start=boot + 8, unit="rsyslog.service"),
        proc(1290, 1, "root", "/usr/libexec/postfix/master -w", exe="/usr/libexec/postfix/master", rss=2.2, start=boot + 10, unit="postfix.service"),
        proc(1292, 1290, "postfix", "qmgr -l -t unix -u", exe="/usr/libexec/postfix/qmgr", rss=4.0, start=boot + 10, unit="postfix.service"),
        proc(1301, 1, "root", "/usr/sbin/crond -n", exe="/usr/sbin/crond", rss=1.7, start=boot + 10, unit="crond.service"),
        proc(1305, 1, "root", "/sbin/agetty --noclear tty1 linux", exe="/usr/sbin/agetty", rss=0.9, start=boot + 10, unit="getty@tty1.service"),
        proc(28511, 1290, "postfix", "pickup -l -t unix -u", exe="/usr/libexec/postfix/pickup", rss=3.9, unit="postfix.service"),
    ]
    svcs = [
        unit("sshd", "/usr/sbin/sshd -D $OPTIONS", pid=1015, desc="OpenSSH server daemon", env_files=["/etc/sysconfig/sshd"]),
        unit("crond", "/usr/sbin/crond -n $CRONDARGS", pid=1301, desc="Command Scheduler", env_files=["/etc/sysconfig/crond"]),
        unit("rsyslog", "/usr/sbin/rsyslogd -n $SYSLOGD_OPTIONS", pid=1018, desc="System Logging Service"),
        unit("chronyd", "/usr/sbin/chronyd $OPTIONS", pid=671, desc="NTP client/server"),
        unit("postfix", "/usr/sbin/postfix start", pid=1290, desc="Postfix Mail Transport Agent"),
        unit("tuned", "/usr/sbin/tuned -l -P", pid=1012, desc="Dynamic System Tuning Daemon"),
        unit("NetworkManager", "/usr/sbin/NetworkManager --no-daemon", pid=690, desc="Network Manager"),
        unit("auditd", "/sbin/auditd", pid=640, desc="Security Auditing Service"),
    ]
    socks = [listen(22, 1015, "sshd"), listen(22, 1015, "sshd", addr="::", fam="ipv6"), listen(25, 1290, "master", addr="127.0.0.1"),
             listen(323, 671, "chronyd", addr="127.0.0.1", proto="udp"), listen(68, 705, "dhclient", proto="udp")]
    return ps, svcs, socks


def deb_system(boot: float, *, sshd_pid=1102, cron_pid=1088, rsyslog_pid=1071, flavour="ubuntu") -> tuple[list[Process], list[Service], list[Socket]]:
    ps = kthreads(("jbd2/sda1-8", "ext4-rsv-conver")) + [
        proc(1, 0, "root", "/sbin/init" if flavour == "ubuntu" else "/sbin/init", exe="/lib/systemd/systemd", rss=9.0, start=boot, unit="init.scope"),
        proc(402, 1, "root", "/lib/systemd/systemd-journald", exe="/lib/systemd/systemd-journald", rss=21.0, start=boot + 2, unit="systemd-journald.service"),
        proc(430, 1, "root", "/lib/systemd/systemd-udevd", exe="/lib/systemd/systemd-udevd", rss=5.2, start=boot + 2, unit="systemd-udevd.service"),
        proc(1009, 1, "systemd-timesync" if flavour != "ubuntu" else "systemd-timesync", "/lib/systemd/systemd-timesyncd", exe="/lib/systemd/systemd-timesyncd", rss=3.0, start=boot + 4, unit="systemd-timesyncd.service"),
        proc(1060, 1, "messagebus", "/usr/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation", exe="/usr/bin/dbus-daemon", rss=4.4, start=boot + 5, unit="dbus.service"),
        proc(rsyslog_pid, 1, "syslog" if flavour == "ubuntu" else "root", "/usr/sbin/rsyslogd -n", exe="/usr/sbin/rsyslogd", rss=4.7, start=boot + 5, unit="rsyslog.service"),
        proc(1080, 1, "root", "/lib/systemd/systemd-logind", exe="/lib/systemd/systemd-logind", rss=5.8, start=boot + 5, unit="systemd-logind.service"),
        proc(cron_pid, 1, "root", "/usr/sbin/cron -f", exe="/usr/sbin/cron", rss=2.9, start=boot + 5, unit="cron.service"),
        proc(sshd_pid, 1, "root", "/usr/sbin/sshd -D", exe="/usr/sbin/sshd", rss=6.4, start=boot + 6, unit="ssh.service"),
        proc(1120, 1, "root", "/sbin/agetty -o -p -- \\u --noclear tty1 linux", exe="/sbin/agetty", rss=1.8, start=boot + 6, unit="getty@tty1.service"),
    ]
    if flavour == "ubuntu":
        ps += [
            proc(1066, 1, "root", ["/usr/bin/python3", "/usr/bin/networkd-dispatcher", "--run-startup-triggers"], exe="/usr/bin/python3.6", rss=16.8, start=boot + 5, unit="networkd-dispatcher.service"),
            proc(1130, 1, "root", ["/usr/bin/python3", "/usr/share/unattended-upgrades/unattended-upgrade-shutdown", "--wait-for-signal"], exe="/usr/bin/python3.6", rss=19.5, start=boot + 7, unit="unattended-upgrades.service"),
            proc(1075, 1, "root", "/usr/lib/accountsservice/accounts-daemon", exe="/usr/lib/accountsservice/accounts-daemon", rss=6.5, start=boot + 5, unit="accounts-daemon.service"),
        ]
    svcs = [
        unit("ssh", "/usr/sbin/sshd -D $SSHD_OPTS", pid=sshd_pid, desc="OpenBSD Secure Shell server", path="/lib/systemd/system/ssh.service", env_files=["-/etc/default/ssh"]),
        unit("cron", "/usr/sbin/cron -f $EXTRA_OPTS", pid=cron_pid, desc="Regular background program processing daemon", path="/lib/systemd/system/cron.service", env_files=["-/etc/default/cron"]),
        unit("rsyslog", "/usr/sbin/rsyslogd -n", pid=rsyslog_pid, desc="System Logging Service", path="/lib/systemd/system/rsyslog.service"),
        unit("systemd-timesyncd", "/lib/systemd/systemd-timesyncd", pid=1009, desc="Network Time Synchronization", path="/lib/systemd/system/systemd-timesyncd.service"),
    ]
    socks = [listen(22, sshd_pid, "sshd"), listen(22, sshd_pid, "sshd", addr="::", fam="ipv6")]
    return ps, svcs, socks


# --- the samples --------------------------------------------------------------------------------

TOMCAT_SERVER_XML = """
<?xml version="1.0" encoding="UTF-8"?>
<Server port="8005" shutdown="SHUTDOWN">
  <Listener className="org.apache.catalina.startup.VersionLoggerListener" />
  <Listener className="org.apache.catalina.core.AprLifecycleListener" SSLEngine="on" />
  <Listener className="org.apache.catalina.core.JreMemoryLeakPreventionListener" />
  <GlobalNamingResources>
    <Resource name="UserDatabase" auth="Container" type="org.apache.catalina.UserDatabase"
              factory="org.apache.catalina.users.MemoryUserDatabaseFactory" pathname="conf/tomcat-users.xml" />
  </GlobalNamingResources>
  <Service name="Catalina">
    <Connector port="8080" protocol="HTTP/1.1" connectionTimeout="20000" redirectPort="8443" URIEncoding="UTF-8" />
    <Connector port="8009" protocol="AJP/1.3" redirectPort="8443" address="127.0.0.1" secretRequired="false" />
    <Engine name="Catalina" defaultHost="localhost">
      <Realm className="org.apache.catalina.realm.LockOutRealm">
        <Realm className="org.apache.catalina.realm.UserDatabaseRealm" resourceName="UserDatabase"/>
      </Realm>
      <Host name="localhost" appBase="webapps" unpackWARs="true" autoDeploy="true">
        <Valve className="org.apache.catalina.valves.AccessLogValve" directory="logs"
               prefix="localhost_access_log" suffix=".txt" pattern="%h %l %u %t &quot;%r&quot; %s %b" />
      </Host>
    </Engine>
  </Service>
</Server>
"""

TOMCAT_CONTEXT_XML = f"""
<?xml version="1.0" encoding="UTF-8"?>
<Context>
    <WatchedResource>WEB-INF/web.xml</WatchedResource>
    <WatchedResource>${{catalina.base}}/conf/web.xml</WatchedResource>
    <Resource name="jdbc/InventoryDB" auth="Container" type="javax.sql.DataSource"
              maxTotal="50" maxIdle="10" maxWaitMillis="10000"
              username="inventory" password="{S}"
              driverClassName="com.mysql.jdbc.Driver"
              url="jdbc:mysql://localhost:3306/inventory?useSSL=false&amp;characterEncoding=UTF-8"/>
</Context>
"""

INVENTORY_WEB_XML = """
<?xml version="1.0" encoding="UTF-8"?>
<web-app xmlns="http://xmlns.jcp.org/xml/ns/javaee" version="3.1">
  <display-name>Inventory Manager</display-name>
  <context-param>
    <param-name>contextConfigLocation</param-name>
    <param-value>/WEB-INF/spring/root-context.xml</param-value>
  </context-param>
  <listener>
    <listener-class>org.springframework.web.context.ContextLoaderListener</listener-class>
  </listener>
  <servlet>
    <servlet-name>appServlet</servlet-name>
    <servlet-class>org.springframework.web.servlet.DispatcherServlet</servlet-class>
    <load-on-startup>1</load-on-startup>
  </servlet>
  <servlet-mapping>
    <servlet-name>appServlet</servlet-name>
    <url-pattern>/</url-pattern>
  </servlet-mapping>
  <resource-ref>
    <res-ref-name>jdbc/InventoryDB</res-ref-name>
    <res-type>javax.sql.DataSource</res-type>
  </resource-ref>
</web-app>
"""

MY_CNF_57 = """
[mysqld]
datadir=/var/lib/mysql
socket=/var/lib/mysql/mysql.sock
symbolic-links=0
log-error=/var/log/mysqld.log
pid-file=/var/run/mysqld/mysqld.pid
character-set-server=utf8mb4
innodb_buffer_pool_size=512M
max_connections=200
bind-address=127.0.0.1
"""


def centos7_tomcat() -> HostFacts:
    boot = 1763200000.0
    t = 1763632800.0
    ps, svcs, socks = rhel7_system(boot)
    java = "/usr/lib/jvm/java-1.8.0-openjdk-1.8.0.275.b01-0.el7_9.x86_64/jre/bin/java"
    tomcat_cmd = [
        java, "-Djava.util.logging.config.file=/opt/tomcat/conf/logging.properties",
        "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager", "-Djdk.tls.ephemeralDHKeySize=2048",
        "-Djava.protocol.handler.pkgs=org.apache.catalina.webresources", "-Dorg.apache.catalina.security.SecurityListener.UMASK=0027",
        "-Xms512M", "-Xmx1024M", "-server", "-XX:+UseParallelGC", "-Dignore.endorsed.dirs=",
        "-classpath", "/opt/tomcat/bin/bootstrap.jar:/opt/tomcat/bin/tomcat-juli.jar",
        "-Dcatalina.base=/opt/tomcat", "-Dcatalina.home=/opt/tomcat", "-Djava.io.tmpdir=/opt/tomcat/temp",
        "org.apache.catalina.startup.Bootstrap", "start",
    ]
    ps += [
        proc(1422, 1, "tomcat", tomcat_cmd, exe=java, cwd="/opt/tomcat", rss=812, cpu=6.5, start=boot + 20, unit="tomcat.service",
             env={"JAVA_HOME": "/usr/lib/jvm/jre", "CATALINA_PID": "/opt/tomcat/temp/tomcat.pid", "CATALINA_HOME": "/opt/tomcat",
                  "CATALINA_BASE": "/opt/tomcat", "CATALINA_OPTS": "-Xms512M -Xmx1024M -server -XX:+UseParallelGC",
                  "INVENTORY_ADMIN_PASSWORD": S, "LANG": "en_US.UTF-8", "PATH": "/usr/local/bin:/usr/bin"}),
        proc(1388, 1, "mysql", "/usr/sbin/mysqld --daemonize --pid-file=/var/run/mysqld/mysqld.pid", exe="/usr/sbin/mysqld",
             cwd="/var/lib/mysql", rss=640, cpu=2.1, start=boot + 15, unit="mysqld.service"),
    ]
    svcs += [
        unit("tomcat", "/opt/tomcat/bin/startup.sh", user="tomcat", group="tomcat", pid=1422, desc="Apache Tomcat Web Application Container",
             path="/etc/systemd/system/tomcat.service",
             env={"JAVA_HOME": "/usr/lib/jvm/jre", "CATALINA_PID": "/opt/tomcat/temp/tomcat.pid", "CATALINA_HOME": "/opt/tomcat",
                  "CATALINA_BASE": "/opt/tomcat", "CATALINA_OPTS": "-Xms512M -Xmx1024M -server -XX:+UseParallelGC"},
             env_files=["-/etc/sysconfig/tomcat-inventory"]),
        unit("mysqld", "/usr/sbin/mysqld --daemonize --pid-file=/var/run/mysqld/mysqld.pid $MYSQLD_OPTS", user="mysql", group="mysql",
             pid=1388, desc="MySQL Server"),
    ]
    socks += [
        listen(8080, 1422, "java", addr="::", fam="ipv6"), listen(8009, 1422, "java", addr="127.0.0.1"),
        listen(8005, 1422, "java", addr="127.0.0.1"), listen(3306, 1388, "mysqld", addr="127.0.0.1"),
    ]
    pkgs = [rpm(s) for s in (
        "kernel 3.10.0-1160.el7", "bash 4.2.46-34.el7", "glibc 2.17-317.el7", "openssl-libs 1:1.0.2k-21.el7_9",
        "openssh-server 7.4p1-21.el7", "systemd 219-78.el7_9.2", "rsyslog 8.24.0-57.el7_9", "cronie 1.4.11-23.el7",
        "chrony 3.4-1.el7", "postfix 2:2.10.1-9.el7", "tuned 2.11.0-10.el7", "NetworkManager 1:1.18.8-2.el7_9",
        "python 2.7.5-90.el7", "yum 3.4.3-168.el7.centos", "curl 7.29.0-59.el7_9.1", "tzdata-java 2020d-1.el7",
        "java-1.8.0-openjdk-headless 1:1.8.0.275.b01-0.el7_9", "java-1.8.0-openjdk 1:1.8.0.275.b01-0.el7_9",
        "mysql-community-server 5.7.33-1.el7", "mysql-community-client 5.7.33-1.el7", "mysql-community-libs 5.7.33-1.el7",
        "mysql-community-common 5.7.33-1.el7", "sysstat 10.1.5-19.el7", "logrotate 3.8.6-19.el7", "tar 2:1.26-35.el7",
        "unzip 6.0-21.el7", "which 2.20-7.el7", "sudo 1.8.23-10.el7_9.1", "audit 2.8.5-4.el7", "dbus 1:1.10.24-15.el7",
        "polkit 0.112-26.el7", "xfsprogs 4.5.0-22.el7", "lvm2 7:2.02.187-6.el7_9.3", "firewalld 0.6.3-12.el7",
        "vim-minimal 2:7.4.629-8.el7_9", "net-tools 2.0-0.25.20131004git.el7", "wget 1.14-18.el7_6.1",
        "epel-release 7-11", "centos-release 7-9.2009.1.el7.centos",
    )]
    files = [
        f("/opt/tomcat/conf/server.xml", TOMCAT_SERVER_XML, owner="root:tomcat", mode="0640"),
        f("/opt/tomcat/conf/context.xml", TOMCAT_CONTEXT_XML, owner="root:tomcat", mode="0640"),
        f("/opt/tomcat/RELEASE-NOTES", """
================================================================================
                     Apache Tomcat Version 8.5.57
                            Release Notes
=========
CONTENTS:
=========
* Dependency Changes
* API Stability
"""),
        f("/opt/tomcat/webapps/inventory/WEB-INF/web.xml", INVENTORY_WEB_XML, owner="tomcat:tomcat"),
        f("/opt/tomcat/webapps/ROOT/WEB-INF/web.xml", """
<?xml version="1.0" encoding="UTF-8"?>
<web-app xmlns="http://xmlns.jcp.org/xml/ns/javaee" version="3.1" metadata-complete="true">
  <display-name>Welcome to Tomcat</display-name>
</web-app>
""", owner="tomcat:tomcat"),
        f("/opt/tomcat/webapps/inventory/WEB-INF/classes/application.properties", f"""
inventory.page-size=50
inventory.export.dir=/var/lib/inventory/exports
inventory.mail.host=smtp.corp.example.com
inventory.mail.password={S}
""", owner="tomcat:tomcat", mode="0640"),
        f("/opt/tomcat/bin/setenv.sh", """
#!/bin/sh
export JAVA_OPTS="$JAVA_OPTS -Dfile.encoding=UTF-8 -Duser.timezone=Europe/Berlin"
export CATALINA_OUT=/opt/tomcat/logs/catalina.out
""", owner="tomcat:tomcat", mode="0755"),
        f("/etc/sysconfig/tomcat-inventory", f"""
# read by tomcat.service
INVENTORY_ENV=production
INVENTORY_ADMIN_PASSWORD={S}
""", mode="0600"),
        f("/etc/my.cnf", MY_CNF_57),
    ]
    return HostFacts(
        host="centos7-tomcat", address="10.10.4.21", collector="sample", collected_at=at("2025-11-20T10:00:00"), privileged=True,
        os=OSInfo(id="centos", version_id="7", name="CentOS Linux", pretty_name="CentOS Linux 7 (Core)", family="rhel",
                  kernel="3.10.0-1160.el7.x86_64", arch="x86_64", hostname="inv-app01.corp.example.com", init_system="systemd"),
        hardware=Hardware(cpu_count=4, cpu_model="Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", memory_bytes=8 * GB, swap_bytes=2 * GB),
        mounts=[
            Mount(device="/dev/mapper/centos-root", mountpoint="/", fstype="xfs", options="rw,relatime,attr2,inode64,noquota", size_bytes=50 * GB, used_bytes=14 * GB),
            Mount(device="/dev/sda1", mountpoint="/boot", fstype="xfs", options="rw,relatime", size_bytes=1 * GB, used_bytes=180 * MB),
            Mount(device="/dev/mapper/vg_data-lv_mysql", mountpoint="/var/lib/mysql", fstype="xfs", options="rw,noatime", size_bytes=100 * GB, used_bytes=23 * GB),
            Mount(device="tmpfs", mountpoint="/run", fstype="tmpfs", options="rw,nosuid,nodev,mode=755", size_bytes=4 * GB, used_bytes=9 * MB),
        ],
        processes=sorted(ps, key=lambda p: p.pid), sockets=socks,
        connections=[
            conn(41822, "127.0.0.1", 3306, 1422, "java"), conn(41830, "127.0.0.1", 3306, 1422, "java"),
            conn(3306, "127.0.0.1", 41822, 1388, "mysqld"), conn(3306, "127.0.0.1", 41830, 1388, "mysqld"),
            conn(52210, "10.10.0.25", 25, 1290, "master", laddr="10.10.4.21"),
        ],
        services=svcs, packages=pkgs,
        cron=[
            CronJob(schedule="30 2 * * *", command="/usr/local/bin/backup-inventory-db.sh > /var/log/backup-inventory.log 2>&1", user="root", source="/etc/cron.d/inventory-backup"),
            CronJob(schedule="0 4 * * 0", command="find /opt/tomcat/logs -name '*.log' -mtime +30 -delete", user="tomcat", source="/var/spool/cron/tomcat"),
            CronJob(schedule="*/10 * * * *", command="/usr/lib64/sa/sa1 1 1", user="root", source="/etc/cron.d/sysstat"),
        ],
        users=base_users([("tomcat", 1001, 1001, "/opt/tomcat", "/sbin/nologin"), ("mysql", 27, 27, "/var/lib/mysql", "/bin/false"),
                          ("chrony", 998, 996, "/var/lib/chrony", "/sbin/nologin"), ("ops", 1000, 1000, "/home/ops", "/bin/bash")], debian=False),
        utilization=sysstat(t - 6 * 3600, 6, 4, 8 * GB, 9.0, 0.42, seed=7),
        files=files,
        http=[http(8080, 200, "Apache Tomcat/8.5.57"), http(8080, 200, "Inventory Manager - Login", path="/inventory/")],
    )


DJANGO_SETTINGS = f"""
import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = '{S}'
DEBUG = False
ALLOWED_HOSTS = ['shop.example.com', 'localhost']

INSTALLED_APPS = [
    'django.contrib.admin', 'django.contrib.auth', 'django.contrib.contenttypes',
    'django.contrib.sessions', 'django.contrib.messages', 'django.contrib.staticfiles',
    'catalog', 'orders',
]

DATABASES = {{
    'default': {{
        'ENGINE': 'django.db.backends.postgresql_psycopg2',
        'NAME': 'shop',
        'USER': 'shop',
        'PASSWORD': '{S}',
        'HOST': 'localhost',
        'PORT': '5432',
    }}
}}

CACHES = {{
    'default': {{
        'BACKEND': 'django_redis.cache.RedisCache',
        'LOCATION': 'redis://127.0.0.1:6379/1',
    }}
}}

CELERY_BROKER_URL = 'redis://127.0.0.1:6379/0'
STATIC_URL = '/static/'
STATIC_ROOT = '/srv/shop/static'
MEDIA_URL = '/media/'
MEDIA_ROOT = '/srv/shop/media'
LOGGING_DIR = '/var/log/shop'
"""


def ubuntu1604_django() -> HostFacts:
    boot = 1763300000.0
    t = 1763719200.0
    ps, svcs, socks = deb_system(boot, flavour="ubuntu")
    py = "/usr/bin/python3.5"
    venv = "/srv/shop/venv"
    gun = [f"{venv}/bin/python3", f"{venv}/bin/gunicorn", "--workers", "3", "--bind", "127.0.0.1:8000",
           "--access-logfile", "/var/log/shop/access.log", "--error-logfile", "/var/log/shop/error.log", "shop.wsgi:application"]
    cel = [f"{venv}/bin/python3", f"{venv}/bin/celery", "-A", "shop", "worker", "--loglevel=INFO", "--concurrency=2",
           "-f", "/var/log/shop/celery.log"]
    app_env = {"DJANGO_SETTINGS_MODULE": "shop.settings", "LANG": "en_US.UTF-8", "PATH": f"{venv}/bin:/usr/bin:/bin",
               "SHOP_SENTRY_DSN": S}
    ps += [
        proc(1400, 1, "shop", gun, exe=py, cwd="/srv/shop", rss=62, cpu=0.4, start=boot + 30, unit="gunicorn.service", env=app_env),
        proc(1421, 1400, "shop", gun, exe=py, cwd="/srv/shop", rss=118, cpu=3.1, start=boot + 31, unit="gunicorn.service", env=app_env),
        proc(1422, 1400, "shop", gun, exe=py, cwd="/srv/shop", rss=121, cpu=2.9, start=boot + 31, unit="gunicorn.service", env=app_env),
        proc(1423, 1400, "shop", gun, exe=py, cwd="/srv/shop", rss=115, cpu=3.3, start=boot + 31, unit="gunicorn.service", env=app_env),
        proc(1500, 1, "shop", cel, exe=py, cwd="/srv/shop", rss=88, cpu=0.6, start=boot + 32, unit="celery.service", env=app_env),
        proc(1531, 1500, "shop", cel, exe=py, cwd="/srv/shop", rss=96, cpu=1.2, start=boot + 33, unit="celery.service", env=app_env),
        proc(1532, 1500, "shop", cel, exe=py, cwd="/srv/shop", rss=94, cpu=1.0, start=boot + 33, unit="celery.service", env=app_env),
        proc(1210, 1, "root", "nginx: master process /usr/sbin/nginx -g daemon on; master_process on;", exe="/usr/sbin/nginx", rss=2.8, start=boot + 20, unit="nginx.service"),
        proc(1211, 1210, "www-data", "nginx: worker process", exe="/usr/sbin/nginx", rss=6.1, cpu=0.3, start=boot + 20, unit="nginx.service"),
        proc(1212, 1210, "www-data", "nginx: worker process", exe="/usr/sbin/nginx", rss=6.0, cpu=0.2, start=boot + 20, unit="nginx.service"),
        proc(1250, 1, "postgres", ["/usr/lib/postgresql/9.5/bin/postgres", "-D", "/var/lib/postgresql/9.5/main", "-c",
                                   "config_file=/etc/postgresql/9.5/main/postgresql.conf"], exe="/usr/lib/postgresql/9.5/bin/postgres",
             cwd="/var/lib/postgresql/9.5/main", rss=28, cpu=0.3, start=boot + 18, unit="postgresql@9.5-main.service"),
        proc(1262, 1250, "postgres", ["postgres: 9.5/main: checkpointer process   "], exe="/usr/lib/postgresql/9.5/bin/postgres", rss=14, unit="postgresql@9.5-main.service"),
        proc(1263, 1250, "postgres", ["postgres: 9.5/main: writer process   "], exe="/usr/lib/postgresql/9.5/bin/postgres", rss=9, unit="postgresql@9.5-main.service"),
        proc(1264, 1250, "postgres", ["postgres: 9.5/main: wal writer process   "], exe="/usr/lib/postgresql/9.5/bin/postgres", rss=8, unit="postgresql@9.5-main.service"),
        proc(1265, 1250, "postgres", ["postgres: 9.5/main: autovacuum launcher process   "], exe="/usr/lib/postgresql/9.5/bin/postgres", rss=7, unit="postgresql@9.5-main.service"),
        proc(1266, 1250, "postgres", ["postgres: 9.5/main: stats collector process   "], exe="/usr/lib/postgresql/9.5/bin/postgres", rss=5, unit="postgresql@9.5-main.service"),
        proc(1602, 1250, "postgres", ["postgres: 9.5/main: shop shop 127.0.0.1(50412) idle"], exe="/usr/lib/postgresql/9.5/bin/postgres", rss=21, cpu=0.8, unit="postgresql@9.5-main.service"),
        proc(1603, 1250, "postgres", ["postgres: 9.5/main: shop shop 127.0.0.1(50414) idle"], exe="/usr/lib/postgresql/9.5/bin/postgres", rss=20, cpu=0.7, unit="postgresql@9.5-main.service"),
        proc(1190, 1, "redis", ["/usr/bin/redis-server 127.0.0.1:6379"], exe="/usr/bin/redis-server", cwd="/var/lib/redis", rss=11, cpu=0.2, start=boot + 15, unit="redis-server.service"),
    ]
    svcs += [
        unit("gunicorn", f"{venv}/bin/gunicorn --workers 3 --bind 127.0.0.1:8000 --access-logfile /var/log/shop/access.log --error-logfile /var/log/shop/error.log shop.wsgi:application",
             user="shop", group="www-data", wd="/srv/shop", pid=1400, desc="gunicorn daemon for shop", path="/etc/systemd/system/gunicorn.service",
             env={"DJANGO_SETTINGS_MODULE": "shop.settings"}, env_files=["/etc/default/shop"]),
        unit("celery", f"{venv}/bin/celery -A shop worker --loglevel=INFO --concurrency=2 -f /var/log/shop/celery.log", user="shop", wd="/srv/shop",
             pid=1500, desc="Celery worker for shop", path="/etc/systemd/system/celery.service", env={"DJANGO_SETTINGS_MODULE": "shop.settings"},
             env_files=["/etc/default/shop"]),
        unit("nginx", "/usr/sbin/nginx -g 'daemon on; master_process on;'", pid=1210, desc="A high performance web server and a reverse proxy server",
             path="/lib/systemd/system/nginx.service"),
        unit("postgresql@9.5-main", "/usr/bin/pg_ctlcluster --skip-systemctl-redirect 9.5-main start", user="postgres", pid=1250,
             desc="PostgreSQL Cluster 9.5-main", path="/lib/systemd/system/postgresql@.service"),
        unit("redis-server", "/usr/bin/redis-server /etc/redis/redis.conf", user="redis", group="redis", pid=1190,
             desc="Advanced key-value store", path="/lib/systemd/system/redis-server.service"),
    ]
    socks += [
        listen(80, 1210, "nginx"), listen(80, 1210, "nginx", addr="::", fam="ipv6"), listen(8000, 1400, "gunicorn", addr="127.0.0.1"),
        listen(5432, 1250, "postgres", addr="127.0.0.1"), listen(6379, 1190, "redis-server", addr="127.0.0.1"),
    ]
    pkgs = [deb(s) for s in (
        "linux-image-4.4.0-210-generic 4.4.0-210.242", "base-files 9.4ubuntu4.14", "bash 4.3-14ubuntu1.4", "libc6 2.23-0ubuntu11.3",
        "openssh-server 1:7.2p2-4ubuntu2.10", "systemd 229-4ubuntu21.31", "cron 3.0pl1-128ubuntu2", "rsyslog 8.16.0-1ubuntu3.1",
        "nginx 1.10.3-0ubuntu0.16.04.5", "nginx-common 1.10.3-0ubuntu0.16.04.5", "nginx-core 1.10.3-0ubuntu0.16.04.5",
        "python3 3.5.1-3", "python3.5 3.5.2-2ubuntu0~16.04.13", "python3-minimal 3.5.1-3", "python3-venv 3.5.1-3",
        "python3-dev 3.5.1-3", "python3-pip 8.1.1-2ubuntu0.6", "libpq-dev 9.5.25-0ubuntu0.16.04.1", "libpq5 9.5.25-0ubuntu0.16.04.1",
        "postgresql 9.5+173ubuntu0.3", "postgresql-9.5 9.5.25-0ubuntu0.16.04.1", "postgresql-client-9.5 9.5.25-0ubuntu0.16.04.1",
        "postgresql-common 173ubuntu0.3", "redis-server 2:3.0.6-1ubuntu0.4", "redis-tools 2:3.0.6-1ubuntu0.4",
        "libjpeg-turbo8 1.4.2-0ubuntu3.4", "zlib1g 1:1.2.8.dfsg-2ubuntu4.3", "libssl1.0.0 1.0.2g-1ubuntu4.20",
        "git 1:2.7.4-0ubuntu1.10", "curl 7.47.0-1ubuntu2.19", "sysstat 11.2.0-1ubuntu0.3", "logrotate 3.8.7-2ubuntu2.16.04.2",
        "sudo 1.8.16-0ubuntu1.10", "unattended-upgrades 1.1ubuntu1.18.04.7~16.04.6", "ca-certificates 20210119~16.04.1",
        "tzdata 2021a-0ubuntu0.16.04", "vim 2:7.4.1689-3ubuntu1.5", "supervisor 3.2.0-2ubuntu0.2", "build-essential 12.1ubuntu2",
    )]
    files = [
        f("/etc/nginx/nginx.conf", """
user www-data;
worker_processes auto;
pid /run/nginx.pid;

events {
    worker_connections 768;
}

http {
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log /var/log/nginx/access.log;
    error_log /var/log/nginx/error.log;
    gzip on;
    include /etc/nginx/conf.d/*.conf;
    include /etc/nginx/sites-enabled/*;
}
"""),
        f("/etc/nginx/sites-enabled/shop", """
upstream shop_app {
    server 127.0.0.1:8000 fail_timeout=0;
}

server {
    listen 80 default_server;
    listen [::]:80 default_server;
    server_name shop.example.com;
    client_max_body_size 20M;

    location /static/ {
        alias /srv/shop/static/;
        expires 30d;
    }

    location /media/ {
        alias /srv/shop/media/;
    }

    location / {
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_pass http://shop_app;
    }
}
"""),
        f("/srv/shop/shop/wsgi.py", """
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

application = get_wsgi_application()
""", owner="shop:shop"),
        f("/srv/shop/shop/settings.py", DJANGO_SETTINGS, owner="shop:shop", mode="0640"),
        f("/srv/shop/shop/celery.py", """
import os

from celery import Celery

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings')
app = Celery('shop')
app.config_from_object('django.conf:settings', namespace='CELERY')
app.autodiscover_tasks()
""", owner="shop:shop"),
        f("/srv/shop/manage.py", """
#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
""", owner="shop:shop", mode="0755"),
        f("/srv/shop/requirements.txt", """
Django==1.11.29
gunicorn==19.9.0
psycopg2==2.7.7
celery==4.2.2
redis==3.2.1
django-redis==4.10.0
Pillow==5.4.1
requests==2.21.0
"""),
        f("/etc/default/shop", f"""
# Environment for gunicorn.service and celery.service
SHOP_ENV=production
SHOP_DB_PASSWORD={S}
SHOP_SECRET_KEY={S}
DATABASE_URL=postgres://shop:{S}@localhost:5432/shop
""", mode="0640", owner="root:shop"),
        f("/etc/postgresql/9.5/main/postgresql.conf", """
data_directory = '/var/lib/postgresql/9.5/main'
hba_file = '/etc/postgresql/9.5/main/pg_hba.conf'
ident_file = '/etc/postgresql/9.5/main/pg_ident.conf'
external_pid_file = '/var/run/postgresql/9.5-main.pid'
listen_addresses = 'localhost'
port = 5432
max_connections = 100
unix_socket_directories = '/var/run/postgresql'
shared_buffers = 128MB
log_line_prefix = '%t [%p-%l] %q%u@%d '
log_timezone = 'Etc/UTC'
datestyle = 'iso, mdy'
"""),
        f("/etc/postgresql/9.5/main/pg_hba.conf", """
local   all             postgres                                peer
local   all             all                                     peer
host    all             all             127.0.0.1/32            md5
host    all             all             ::1/128                 md5
"""),
        f("/var/lib/postgresql/9.5/main/PG_VERSION", "9.5\n", owner="postgres:postgres"),
        f("/etc/redis/redis.conf", """
daemonize yes
pidfile /var/run/redis/redis-server.pid
port 6379
bind 127.0.0.1
timeout 0
loglevel notice
logfile /var/log/redis/redis-server.log
databases 16
save 900 1
save 300 10
save 60 10000
dbfilename dump.rdb
dir /var/lib/redis
appendonly no
"""),
    ]
    return HostFacts(
        host="ubuntu1604-django", address="192.168.56.40", collector="sample", collected_at=at("2025-11-21T10:00:00"), privileged=True,
        os=OSInfo(id="ubuntu", version_id="16.04", name="Ubuntu", pretty_name="Ubuntu 16.04.7 LTS", family="debian",
                  kernel="4.4.0-210-generic", arch="x86_64", hostname="shop-web01", init_system="systemd"),
        hardware=Hardware(cpu_count=2, cpu_model="Intel Xeon E312xx (Sandy Bridge)", memory_bytes=4 * GB, swap_bytes=1 * GB),
        mounts=[
            Mount(device="/dev/sda1", mountpoint="/", fstype="ext4", options="rw,relatime,errors=remount-ro,data=ordered", size_bytes=40 * GB, used_bytes=11 * GB),
            Mount(device="/dev/sdb1", mountpoint="/srv", fstype="ext4", options="rw,relatime", size_bytes=20 * GB, used_bytes=3 * GB),
            Mount(device="tmpfs", mountpoint="/run", fstype="tmpfs", options="rw,nosuid,noexec,relatime,size=404088k,mode=755", size_bytes=404088 * 1024, used_bytes=6 * MB),
        ],
        processes=sorted(ps, key=lambda p: p.pid), sockets=socks,
        connections=[
            conn(50412, "127.0.0.1", 5432, 1421, "gunicorn"), conn(50414, "127.0.0.1", 5432, 1422, "gunicorn"),
            conn(5432, "127.0.0.1", 50412, 1602, "postgres"), conn(5432, "127.0.0.1", 50414, 1603, "postgres"),
            conn(51700, "127.0.0.1", 6379, 1500, "celery"), conn(51702, "127.0.0.1", 6379, 1421, "gunicorn"),
            conn(6379, "127.0.0.1", 51700, 1190, "redis-server"), conn(6379, "127.0.0.1", 51702, 1190, "redis-server"),
            conn(47110, "127.0.0.1", 8000, 1211, "nginx"), conn(8000, "127.0.0.1", 47110, 1421, "gunicorn"),
        ],
        services=svcs, packages=pkgs,
        cron=[
            CronJob(schedule="*/15 * * * *", command="cd /srv/shop && /srv/shop/venv/bin/python manage.py clearsessions", user="shop", source="/var/spool/cron/crontabs/shop"),
            CronJob(schedule="0 1 * * *", command="cd /srv/shop && /srv/shop/venv/bin/python manage.py send_abandoned_cart_mails --days 2 >> /var/log/shop/cron.log 2>&1", user="shop", source="/var/spool/cron/crontabs/shop"),
            CronJob(schedule="15 3 * * *", command="pg_dump shop | gzip > /var/backups/shop-$(date +\\%F).sql.gz", user="postgres", source="/var/spool/cron/crontabs/postgres"),
            CronJob(schedule="17 * * * *", command="cd / && run-parts --report /etc/cron.hourly", user="root", source="/etc/crontab"),
        ],
        users=base_users([("shop", 1001, 1001, "/srv/shop", "/bin/bash"), ("postgres", 112, 117, "/var/lib/postgresql", "/bin/bash"),
                          ("redis", 113, 118, "/var/lib/redis", "/bin/false"), ("ubuntu", 1000, 1000, "/home/ubuntu", "/bin/bash")], debian=True),
        utilization=sysstat(t - 4 * 3600, 4, 2, 4 * GB, 14.0, 0.55, seed=16),
        files=files,
        http=[http(80, 200, "Shop – Home"), http(8000, 200, "Shop – Home")],
    )


def rhel8_springboot() -> HostFacts:
    boot = 1763400000.0
    t = 1763805600.0
    ps, svcs, socks = rhel7_system(boot)
    for p in ps:  # RHEL 8 paths
        if p.pid == 1:
            p.cmdline = ["/usr/lib/systemd/systemd", "--switched-root", "--system", "--deserialize", "18"]
    java = "/usr/lib/jvm/java-11-openjdk-11.0.12.0.7-0.el8_4.x86_64/bin/java"
    cmd = [java, "-Xms256m", "-Xmx768m", "-XX:+UseG1GC", "-Dspring.profiles.active=prod", "-Dfile.encoding=UTF-8",
           "-jar", "/opt/orders/orders-service-2.3.1.jar", "--server.port=8080", "--management.server.port=8081"]
    env = {"SPRING_PROFILES_ACTIVE": "prod", "SPRING_DATASOURCE_URL": "jdbc:postgresql://pgsql01.corp.example.com:5432/orders",
           "SPRING_DATASOURCE_USERNAME": "orders", "SPRING_DATASOURCE_PASSWORD": S, "ORDERS_PAYMENT_API_KEY": S,
           "JAVA_HOME": "/usr/lib/jvm/jre-11", "LANG": "C.UTF-8"}
    ps += [
        proc(2101, 1, "orders", cmd, exe=java, cwd="/opt/orders", rss=690, cpu=4.2, start=boot + 40, unit="orders.service", env=env),
        proc(1130, 1, "root", "/usr/sbin/rhsmcertd", exe="/usr/sbin/rhsmcertd", rss=1.2, start=boot + 9, unit="rhsmcertd.service"),
        proc(1190, 1, "node_exporter", "/usr/local/bin/node_exporter --collector.systemd", exe="/usr/local/bin/node_exporter", rss=18, cpu=0.1, start=boot + 12, unit="node_exporter.service"),
    ]
    svcs += [
        unit("orders", "/usr/lib/jvm/jre-11/bin/java -Xms256m -Xmx768m -XX:+UseG1GC -Dspring.profiles.active=prod -Dfile.encoding=UTF-8 -jar /opt/orders/orders-service-2.3.1.jar --server.port=8080 --management.server.port=8081",
             user="orders", group="orders", wd="/opt/orders", pid=2101, desc="Orders service (Spring Boot)", path="/etc/systemd/system/orders.service",
             env_files=["/etc/sysconfig/orders"]),
        unit("node_exporter", "/usr/local/bin/node_exporter --collector.systemd", user="node_exporter", pid=1190, desc="Prometheus node exporter",
             path="/etc/systemd/system/node_exporter.service"),
    ]
    socks += [listen(8080, 2101, "java", addr="::", fam="ipv6"), listen(8081, 2101, "java", addr="::", fam="ipv6"),
              listen(9100, 1190, "node_exporter", addr="::", fam="ipv6")]
    pkgs = [rpm(s) for s in (
        "kernel 4.18.0-305.el8", "bash 4.4.19-14.el8", "glibc 2.28-151.el8", "openssl-libs 1:1.1.1g-15.el8_3",
        "openssh-server 8.0p1-10.el8", "systemd 239-45.el8_4.3", "rsyslog 8.1911.0-7.el8", "cronie 1.5.2-4.el8",
        "chrony 3.5-2.el8", "postfix 2:3.5.8-1.el8", "tuned 2.15.0-2.el8", "NetworkManager 1:1.30.0-10.el8_4",
        "platform-python 3.6.8-37.el8", "python3-libs 3.6.8-37.el8", "dnf 4.4.2-11.el8", "curl 7.61.1-18.el8",
        "java-11-openjdk-headless 1:11.0.12.0.7-0.el8_4", "java-11-openjdk 1:11.0.12.0.7-0.el8_4", "tzdata-java 2021a-1.el8",
        "subscription-manager 1.28.13-2.el8", "insights-client 3.1.1-1.el8_3", "sysstat 11.7.3-5.el8", "logrotate 3.14.0-4.el8",
        "sudo 1.8.29-7.el8", "audit 3.0-0.17.20191104git1c2f876.el8", "dbus 1:1.12.8-12.el8", "polkit 0.115-11.el8",
        "xfsprogs 5.0.0-8.el8", "lvm2 8:2.03.11-5.el8", "firewalld 0.8.2-6.el8", "vim-minimal 2:8.0.1763-15.el8",
        "redhat-release 8.4-0.6.el8", "ca-certificates 2020.2.41-80.0.el8_2", "fontconfig 2.13.1-3.el8", "unzip 6.0-45.el8",
    )]
    files = [
        f("/opt/orders/application.properties", f"""
spring.application.name=orders-service
server.port=8080
server.servlet.context-path=/
management.server.port=8081
management.endpoints.web.exposure.include=health,info,prometheus
spring.datasource.url=jdbc:postgresql://pgsql01.corp.example.com:5432/orders
spring.datasource.username=orders
spring.datasource.password={S}
spring.jpa.hibernate.ddl-auto=validate
spring.redis.host=cache01.corp.example.com
spring.redis.port=6379
orders.export.dir=/var/lib/orders/exports
logging.file.name=/var/log/orders/orders.log
""", owner="root:orders", mode="0640"),
        f("/etc/sysconfig/orders", f"""
SPRING_PROFILES_ACTIVE=prod
SPRING_DATASOURCE_URL=jdbc:postgresql://pgsql01.corp.example.com:5432/orders
SPRING_DATASOURCE_USERNAME=orders
SPRING_DATASOURCE_PASSWORD={S}
ORDERS_PAYMENT_API_KEY={S}
""", mode="0600"),
        f("/opt/orders/orders-service-2.3.1.jar!/META-INF/MANIFEST.MF", """
Manifest-Version: 1.0
Implementation-Title: orders-service
Implementation-Version: 2.3.1
Start-Class: com.example.orders.OrdersApplication
Spring-Boot-Classes: BOOT-INF/classes/
Spring-Boot-Lib: BOOT-INF/lib/
Build-Jdk-Spec: 11
Spring-Boot-Version: 2.3.12.RELEASE
Created-By: Maven Jar Plugin 3.2.0
Main-Class: org.springframework.boot.loader.JarLauncher
"""),
    ]
    return HostFacts(
        host="rhel8-springboot", address="10.20.1.33", collector="sample", collected_at=at("2025-11-22T10:00:00"), privileged=False,
        os=OSInfo(id="rhel", version_id="8.4", name="Red Hat Enterprise Linux", pretty_name="Red Hat Enterprise Linux 8.4 (Ootpa)",
                  family="rhel", kernel="4.18.0-305.el8.x86_64", arch="x86_64", hostname="orders-app02.corp.example.com", init_system="systemd"),
        hardware=Hardware(cpu_count=2, cpu_model="Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz", memory_bytes=4 * GB, swap_bytes=2 * GB),
        mounts=[
            Mount(device="/dev/mapper/rhel-root", mountpoint="/", fstype="xfs", options="rw,relatime,attr2,inode64", size_bytes=30 * GB, used_bytes=7 * GB),
            Mount(device="/dev/sda1", mountpoint="/boot", fstype="xfs", options="rw,relatime", size_bytes=1 * GB, used_bytes=240 * MB),
            Mount(device="/dev/mapper/rhel-var_log", mountpoint="/var/log", fstype="xfs", options="rw,relatime", size_bytes=10 * GB, used_bytes=2 * GB),
        ],
        processes=sorted(ps, key=lambda p: p.pid), sockets=socks,
        connections=[
            conn(38110, "10.20.0.15", 5432, 2101, "java", laddr="10.20.1.33"), conn(38112, "10.20.0.15", 5432, 2101, "java", laddr="10.20.1.33"),
            conn(44302, "10.20.0.18", 6379, 2101, "java", laddr="10.20.1.33"),
        ],
        services=svcs, packages=pkgs,
        cron=[CronJob(schedule="0 2 * * *", command="/usr/bin/find /var/lib/orders/exports -mtime +14 -delete", user="orders", source="/var/spool/cron/orders")],
        users=base_users([("orders", 1001, 1001, "/opt/orders", "/sbin/nologin"), ("node_exporter", 995, 993, "/", "/sbin/nologin"),
                          ("chrony", 998, 996, "/var/lib/chrony", "/sbin/nologin")], debian=False),
        utilization=proc_sample(t, 4 * GB, 7.5, 0.38),
        files=files,
        http=[http(8080, 404, "", ctype="application/json"), http(8081, 200, "", ctype="application/vnd.spring-boot.actuator.v3+json", path="/actuator/health"),
              http(9100, 200, "Node Exporter")],
        not_visible=["environment of processes of other users", "files readable only by root"],
    )


WP_CONFIG = f"""
<?php
/** The base configuration for WordPress */
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wp' );
define( 'DB_PASSWORD', '{S}' );
define( 'DB_HOST', 'localhost' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );

define( 'AUTH_KEY',         '{S}' );
define( 'SECURE_AUTH_KEY',  '{S}' );
define( 'LOGGED_IN_KEY',    '{S}' );
define( 'NONCE_KEY',        '{S}' );

$table_prefix = 'wp_';
define( 'WP_DEBUG', false );
define( 'FS_METHOD', 'direct' );

if ( ! defined( 'ABSPATH' ) ) {{
    define( 'ABSPATH', __DIR__ . '/' );
}}
require_once ABSPATH . 'wp-settings.php';
"""


def debian10_lamp() -> HostFacts:
    boot = 1763500000.0
    t = 1763892000.0
    ps, svcs, socks = deb_system(boot, flavour="debian")
    ap = "/usr/sbin/apache2"
    ps += [proc(842, 1, "root", [ap, "-k", "start"], exe=ap, rss=24, cpu=0.2, start=boot + 12, unit="apache2.service")]
    for i, pid in enumerate((1901, 1902, 1903, 1904, 1905, 2230)):
        ps.append(proc(pid, 842, "www-data", [ap, "-k", "start"], exe=ap, rss=48 + 3 * i, cpu=1.5 + 0.2 * i, start=boot + 13 + i, unit="apache2.service"))
    ps += [
        proc(731, 1, "mysql", "/usr/sbin/mysqld", exe="/usr/sbin/mysqld", cwd="/var/lib/mysql", rss=180, cpu=1.4, start=boot + 10, unit="mariadb.service"),
    ]
    svcs += [
        unit("apache2", "/usr/sbin/apachectl start", pid=842, desc="The Apache HTTP Server", path="/lib/systemd/system/apache2.service",
             env={"APACHE_STARTED_BY_SYSTEMD": "true"}),
        unit("mariadb", "/usr/sbin/mysqld $MYSQLD_OPTS $_WSREP_NEW_CLUSTER $_WSREP_START_POSITION", user="mysql", group="mysql", pid=731,
             desc="MariaDB 10.3.29 database server", path="/lib/systemd/system/mariadb.service"),
    ]
    socks += [listen(80, 842, "apache2", addr="::", fam="ipv6"), listen(443, 842, "apache2", addr="::", fam="ipv6"),
              listen(3306, 731, "mysqld", addr="127.0.0.1")]
    pkgs = [deb(s) for s in (
        "linux-image-4.19.0-17-amd64 4.19.194-3", "base-files 10.3+deb10u10", "bash 5.0-4", "libc6 2.28-10",
        "openssh-server 1:7.9p1-10+deb10u2", "systemd 241-7~deb10u8", "cron 3.0pl1-134+deb10u1", "rsyslog 8.1901.0-1",
        "apache2 2.4.38-3+deb10u5", "apache2-bin 2.4.38-3+deb10u5", "apache2-data 2.4.38-3+deb10u5", "apache2-utils 2.4.38-3+deb10u5",
        "libapache2-mod-php7.3 7.3.29-1~deb10u1", "php7.3 7.3.29-1~deb10u1", "php7.3-cli 7.3.29-1~deb10u1", "php7.3-common 7.3.29-1~deb10u1",
        "php7.3-mysql 7.3.29-1~deb10u1", "php7.3-gd 7.3.29-1~deb10u1", "php7.3-curl 7.3.29-1~deb10u1", "php7.3-mbstring 7.3.29-1~deb10u1",
        "php7.3-xml 7.3.29-1~deb10u1", "php7.3-zip 7.3.29-1~deb10u1", "php7.3-intl 7.3.29-1~deb10u1", "php-imagick 3.4.3-4.1",
        "mariadb-server-10.3 1:10.3.29-0+deb10u1", "mariadb-client-10.3 1:10.3.29-0+deb10u1", "mariadb-common 1:10.3.29-0+deb10u1",
        "default-mysql-server 1.0.5", "certbot 0.31.0-1+deb10u1", "python3-certbot-apache 0.31.0-1", "ssl-cert 1.0.39",
        "curl 7.64.0-4+deb10u2", "ca-certificates 20200601~deb10u2", "logrotate 3.14.0-4", "sudo 1.8.27-1+deb10u3",
        "tzdata 2021a-0+deb10u1", "unattended-upgrades 1.11.2", "ghostscript 9.27~dfsg-2+deb10u4",
    )]
    files = [
        f("/etc/apache2/apache2.conf", """
DefaultRuntimeDir ${APACHE_RUN_DIR}
PidFile ${APACHE_PID_FILE}
Timeout 300
KeepAlive On
User ${APACHE_RUN_USER}
Group ${APACHE_RUN_GROUP}
HostnameLookups Off
ErrorLog ${APACHE_LOG_DIR}/error.log
LogLevel warn
IncludeOptional mods-enabled/*.load
IncludeOptional mods-enabled/*.conf
Include ports.conf
<Directory /var/www/>
	Options Indexes FollowSymLinks
	AllowOverride None
	Require all granted
</Directory>
AccessFileName .htaccess
IncludeOptional conf-enabled/*.conf
IncludeOptional sites-enabled/*.conf
"""),
        f("/etc/apache2/ports.conf", """
Listen 80

<IfModule ssl_module>
	Listen 443
</IfModule>
"""),
        f("/etc/apache2/mods-enabled/php7.3.load", "LoadModule php7_module /usr/lib/apache2/modules/libphp7.3.so\n"),
        f("/etc/apache2/sites-enabled/blog.conf", """
<VirtualHost *:80>
	ServerName blog.example.org
	ServerAlias www.blog.example.org
	DocumentRoot /var/www/wordpress
	<Directory /var/www/wordpress>
		AllowOverride All
		Require all granted
	</Directory>
	ErrorLog ${APACHE_LOG_DIR}/blog_error.log
	CustomLog ${APACHE_LOG_DIR}/blog_access.log combined
	RewriteEngine on
	RewriteCond %{SERVER_NAME} =blog.example.org
	RewriteRule ^ https://%{SERVER_NAME}%{REQUEST_URI} [END,NE,R=permanent]
</VirtualHost>
"""),
        f("/etc/apache2/sites-enabled/blog-le-ssl.conf", """
<IfModule mod_ssl.c>
<VirtualHost *:443>
	ServerName blog.example.org
	DocumentRoot /var/www/wordpress
	<Directory /var/www/wordpress>
		AllowOverride All
	</Directory>
	ErrorLog ${APACHE_LOG_DIR}/blog_error.log
	CustomLog ${APACHE_LOG_DIR}/blog_access.log combined
	SSLCertificateFile /etc/letsencrypt/live/blog.example.org/fullchain.pem
	SSLCertificateKeyFile /etc/letsencrypt/live/blog.example.org/privkey.pem
	Include /etc/letsencrypt/options-ssl-apache.conf
</VirtualHost>
</IfModule>
"""),
        f("/var/www/wordpress/wp-config.php", WP_CONFIG, owner="www-data:www-data", mode="0640"),
        f("/etc/php/7.3/apache2/php.ini", """
[PHP]
engine = On
short_open_tag = Off
memory_limit = 256M
upload_max_filesize = 64M
post_max_size = 64M
max_execution_time = 120
display_errors = Off
log_errors = On
date.timezone = Europe/Paris
"""),
        f("/etc/mysql/mariadb.conf.d/50-server.cnf", """
[server]

[mysqld]
user                    = mysql
pid-file                = /run/mysqld/mysqld.pid
socket                  = /run/mysqld/mysqld.sock
basedir                 = /usr
datadir                 = /var/lib/mysql
tmpdir                  = /tmp
lc-messages-dir         = /usr/share/mysql
bind-address            = 127.0.0.1
query_cache_size        = 16M
log_error = /var/log/mysql/error.log
expire_logs_days        = 10
character-set-server  = utf8mb4
collation-server      = utf8mb4_general_ci
"""),
        f("/etc/mysql/my.cnf", """
[client-server]
!includedir /etc/mysql/conf.d/
!includedir /etc/mysql/mariadb.conf.d/
"""),
    ]
    return HostFacts(
        host="debian10-lamp", address="203.0.113.17", collector="sample", collected_at=at("2025-11-23T10:00:00"), privileged=True,
        os=OSInfo(id="debian", version_id="10", name="Debian GNU/Linux", pretty_name="Debian GNU/Linux 10 (buster)", family="debian",
                  kernel="4.19.0-17-amd64", arch="x86_64", hostname="blog", init_system="systemd"),
        hardware=Hardware(cpu_count=1, cpu_model="DO-Regular", memory_bytes=2 * GB, swap_bytes=0),
        mounts=[
            Mount(device="/dev/vda1", mountpoint="/", fstype="ext4", options="rw,relatime,errors=remount-ro", size_bytes=50 * GB, used_bytes=9 * GB),
            Mount(device="tmpfs", mountpoint="/run", fstype="tmpfs", options="rw,nosuid,noexec,relatime,size=201364k,mode=755", size_bytes=201364 * 1024, used_bytes=10 * MB),
        ],
        processes=sorted(ps, key=lambda p: p.pid), sockets=socks,
        connections=[conn(36410, "127.0.0.1", 3306, 1903, "apache2"), conn(3306, "127.0.0.1", 36410, 731, "mysqld")],
        services=svcs, packages=pkgs,
        cron=[
            CronJob(schedule="*/10 * * * *", command="php -q /var/www/wordpress/wp-cron.php >/dev/null 2>&1", user="www-data", source="/var/spool/cron/crontabs/www-data"),
            CronJob(schedule="0 */12 * * *", command="test -x /usr/bin/certbot -a \\! -d /run/systemd/system && perl -e 'sleep int(rand(43200))' && certbot -q renew", user="root", source="/etc/cron.d/certbot"),
            CronJob(schedule="0 3 * * *", command="mysqldump --single-transaction wordpress | gzip > /root/backups/wordpress.sql.gz", user="root", source="/var/spool/cron/crontabs/root"),
        ],
        users=base_users([("mysql", 106, 112, "/nonexistent", "/bin/false"), ("admin", 1000, 1000, "/home/admin", "/bin/bash")], debian=True),
        utilization=sysstat(t - 3 * 3600, 3, 1, 2 * GB, 11.0, 0.61, seed=10),
        files=files,
        http=[http(80, 301, "301 Moved Permanently"), HttpCheck(port=443, scheme="https", status=200, title="Example Blog – Just another WordPress site", content_type="text/html; charset=UTF-8")],
    )


def ubuntu1804_node_pm2() -> HostFacts:
    boot = 1763600000.0
    t = 1763978400.0
    ps, svcs, socks = deb_system(boot, flavour="ubuntu")
    node = "/usr/bin/node"
    pm2_env_base = {"PM2_HOME": "/home/deploy/.pm2", "HOME": "/home/deploy", "PATH": "/usr/bin:/bin:/usr/local/bin", "USER": "deploy"}
    api_env = {**pm2_env_base, "name": "api", "pm_id": "0", "NODE_ENV": "production", "PORT": "3000",
               "DATABASE_URL": f"postgres://api:{S}@10.0.3.12:5432/api", "JWT_SECRET": S,
               "WELCOME_BANNER": HOSTILE}
    admin_env = {**pm2_env_base, "name": "admin", "pm_id": "1", "NODE_ENV": "production", "PORT": "3001",
                 "API_URL": "http://127.0.0.1:3000", "SESSION_SECRET": S}
    hostile_args = [node, "/srv/api/server.js", "--banner", HOSTILE, "--label=prod; rm -rf / #"]
    ps += [
        proc(1350, 1, "deploy", ["PM2 v4.5.6: God Daemon (/home/deploy/.pm2)"], exe=node, cwd="/home/deploy", rss=52, cpu=0.4,
             start=boot + 25, unit="pm2-deploy.service", env=pm2_env_base, name="PM2 v4.5.6: God"),
        proc(1371, 1350, "deploy", hostile_args, exe=node, cwd="/srv/api", rss=142, cpu=4.8, start=boot + 26, unit="pm2-deploy.service", env=api_env),
        proc(1388, 1350, "deploy", [node, "/srv/admin/bin/www"], exe=node, cwd="/srv/admin", rss=98, cpu=1.1, start=boot + 26, unit="pm2-deploy.service",
             env=admin_env, name="node /srv/admin"),
        proc(1389, 1350, "deploy", [node, "/srv/admin/bin/www"], exe=node, cwd="/srv/admin", rss=96, cpu=1.0, start=boot + 26, unit="pm2-deploy.service",
             env={**admin_env, "NODE_APP_INSTANCE": "1", "pm_id": "2"}, name="node /srv/admin"),
        proc(1010, 1, "root", "nginx: master process /usr/sbin/nginx -g daemon on; master_process on;", exe="/usr/sbin/nginx", rss=3.1, start=boot + 12, unit="nginx.service"),
        proc(1011, 1010, "www-data", "nginx: worker process", exe="/usr/sbin/nginx", rss=7.9, cpu=0.4, start=boot + 12, unit="nginx.service"),
        proc(1012, 1010, "www-data", "nginx: worker process", exe="/usr/sbin/nginx", rss=7.7, cpu=0.3, start=boot + 12, unit="nginx.service"),
    ]
    svcs += [
        unit("pm2-deploy", "/usr/lib/node_modules/pm2/bin/pm2 resurrect", user="deploy", pid=1350, desc="PM2 process manager",
             path="/etc/systemd/system/pm2-deploy.service",
             env={"PATH": "/usr/bin:/bin:/usr/local/bin", "PM2_HOME": "/home/deploy/.pm2"}),
        unit("nginx", "/usr/sbin/nginx -g 'daemon on; master_process on;'", pid=1010, desc="A high performance web server and a reverse proxy server",
             path="/lib/systemd/system/nginx.service"),
    ]
    socks += [
        listen(80, 1010, "nginx"), listen(443, 1010, "nginx"), listen(3000, 1371, "node", addr="127.0.0.1"),
        listen(3001, 1388, "node", addr="127.0.0.1"),
    ]
    pkgs = [deb(s) for s in (
        "linux-image-4.15.0-163-generic 4.15.0-163.171", "base-files 10.1ubuntu2.11", "bash 4.4.18-2ubuntu1.2", "libc6 2.27-3ubuntu1.4",
        "openssh-server 1:7.6p1-4ubuntu0.5", "systemd 237-3ubuntu10.52", "cron 3.0pl1-128.1ubuntu1", "rsyslog 8.32.0-1ubuntu4",
        "nodejs 10.24.1-1nodesource1", "nginx 1.14.0-0ubuntu1.9", "nginx-common 1.14.0-0ubuntu1.9", "nginx-core 1.14.0-0ubuntu1.9",
        "python3 3.6.7-1~18.04", "python3.6 3.6.9-1~18.04ubuntu1.6", "python3-minimal 3.6.7-1~18.04", "networkd-dispatcher 1.7-0ubuntu3.3",
        "build-essential 12.4ubuntu1", "g++ 4:7.4.0-1ubuntu2.3", "make 4.1-9.1ubuntu1", "git 1:2.17.1-1ubuntu0.9",
        "certbot 0.27.0-1~ubuntu18.04.1", "python3-certbot-nginx 0.23.0-1", "curl 7.58.0-2ubuntu3.16", "ca-certificates 20210119~18.04.2",
        "sysstat 11.6.1-1ubuntu0.1", "logrotate 3.11.0-0.1ubuntu1", "sudo 1.8.21p2-3ubuntu1.4", "unattended-upgrades 1.1ubuntu1.18.04.14",
        "tzdata 2021e-0ubuntu0.18.04", "accountsservice 0.6.45-1ubuntu1.3", "libssl1.1 1.1.1-1ubuntu2.1~18.04.13", "ufw 0.36-0ubuntu0.18.04.2",
    )]
    dump = [
        {"name": "api", "pm_id": 0, "exec_mode": "fork_mode", "instances": 1, "pm_exec_path": "/srv/api/server.js", "pm_cwd": "/srv/api",
         "args": ["--banner", HOSTILE, "--label=prod; rm -rf / #"], "node_args": [], "exec_interpreter": "node",
         "pm_out_log_path": "/home/deploy/.pm2/logs/api-out.log", "pm_err_log_path": "/home/deploy/.pm2/logs/api-error.log",
         "env": {"NODE_ENV": "production", "PORT": "3000", "DATABASE_URL": f"postgres://api:{S}@10.0.3.12:5432/api", "JWT_SECRET": S,
                 "WELCOME_BANNER": HOSTILE, "PM2_HOME": "/home/deploy/.pm2", "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": "/home/deploy"}},
        {"name": "admin", "pm_id": 1, "exec_mode": "cluster_mode", "instances": 2, "pm_exec_path": "/srv/admin/bin/www", "pm_cwd": "/srv/admin",
         "args": [], "node_args": [], "exec_interpreter": "node",
         "pm_out_log_path": "/home/deploy/.pm2/logs/admin-out.log", "pm_err_log_path": "/home/deploy/.pm2/logs/admin-error.log",
         "env": {"NODE_ENV": "production", "PORT": "3001", "API_URL": "http://127.0.0.1:3000", "SESSION_SECRET": S,
                 "PM2_HOME": "/home/deploy/.pm2", "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": "/home/deploy"}},
    ]
    import json

    files = [
        f("/home/deploy/.pm2/dump.pm2", json.dumps(dump, indent=2), owner="deploy:deploy", mode="0600"),
        f("/srv/api/package.json", json.dumps({
            "name": "acme-api", "version": "1.8.3", "private": True, "main": "server.js",
            "scripts": {"start": "node server.js"}, "engines": {"node": ">=10"},
            "dependencies": {"express": "^4.17.1", "pg": "^7.18.2", "jsonwebtoken": "^8.5.1", "morgan": "^1.10.0", "dotenv": "^8.2.0"},
        }, indent=2), owner="deploy:deploy"),
        f("/srv/admin/package.json", json.dumps({
            "name": "acme-admin", "version": "0.9.0", "private": True, "scripts": {"start": "node ./bin/www"},
            "dependencies": {"express": "~4.16.1", "pug": "2.0.0-beta11", "axios": "^0.21.1", "express-session": "^1.17.1"},
        }, indent=2), owner="deploy:deploy"),
        f("/srv/api/ecosystem.config.js", """
module.exports = {
  apps: [
    { name: 'api', script: '/srv/api/server.js', cwd: '/srv/api', env: { NODE_ENV: 'production', PORT: 3000 } },
    { name: 'admin', script: '/srv/admin/bin/www', cwd: '/srv/admin', exec_mode: 'cluster', instances: 2,
      env: { NODE_ENV: 'production', PORT: 3001, API_URL: 'http://127.0.0.1:3000' } },
  ],
};
""", owner="deploy:deploy"),
        f("/etc/nginx/nginx.conf", """
user www-data;
worker_processes auto;
pid /run/nginx.pid;
include /etc/nginx/modules-enabled/*.conf;

events {
	worker_connections 768;
}

http {
	sendfile on;
	keepalive_timeout 65;
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
	access_log /var/log/nginx/access.log;
	error_log /var/log/nginx/error.log;
	include /etc/nginx/conf.d/*.conf;
	include /etc/nginx/sites-enabled/*;
}
"""),
        f("/etc/nginx/sites-enabled/acme", """
upstream api_backend {
    server 127.0.0.1:3000;
    keepalive 16;
}

server {
    listen 80;
    server_name acme.example.net;
    return 301 https://$host$request_uri;
}

server {
    listen 443 ssl http2;
    server_name acme.example.net;
    ssl_certificate /etc/letsencrypt/live/acme.example.net/fullchain.pem;
    ssl_certificate_key /etc/letsencrypt/live/acme.example.net/privkey.pem;

    location /api/ {
        proxy_pass http://api_backend/;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
    }

    location /admin/ {
        proxy_pass http://127.0.0.1:3001/;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
}
"""),
    ]
    return HostFacts(
        host="ubuntu1804-node-pm2", address="172.31.20.8", collector="sample", collected_at=at("2025-11-24T10:00:00"), privileged=True,
        os=OSInfo(id="ubuntu", version_id="18.04", name="Ubuntu", pretty_name="Ubuntu 18.04.6 LTS", family="debian",
                  kernel="4.15.0-163-generic", arch="x86_64", hostname="ip-172-31-20-8", init_system="systemd"),
        hardware=Hardware(cpu_count=2, cpu_model="Intel(R) Xeon(R) Platinum 8175M CPU @ 2.50GHz", memory_bytes=4 * GB, swap_bytes=0),
        mounts=[
            Mount(device="/dev/nvme0n1p1", mountpoint="/", fstype="ext4", options="rw,relatime,discard", size_bytes=30 * GB, used_bytes=12 * GB),
            Mount(device="tmpfs", mountpoint="/run", fstype="tmpfs", options="rw,nosuid,noexec,relatime,size=398036k,mode=755", size_bytes=398036 * 1024, used_bytes=1 * MB),
        ],
        processes=sorted(ps, key=lambda p: p.pid), sockets=socks,
        connections=[
            conn(52010, "10.0.3.12", 5432, 1371, "node", laddr="172.31.20.8"), conn(52012, "10.0.3.12", 5432, 1371, "node", laddr="172.31.20.8"),
            conn(40100, "127.0.0.1", 3000, 1388, "node"), conn(3000, "127.0.0.1", 40100, 1371, "node"),
            conn(40222, "127.0.0.1", 3000, 1011, "nginx"),
        ],
        services=svcs, packages=pkgs,
        cron=[
            CronJob(schedule="0 4 * * *", command="cd /srv/api && /usr/bin/node scripts/purge-sessions.js --older-than 30d >> /home/deploy/purge.log 2>&1", user="deploy", source="/var/spool/cron/crontabs/deploy"),
            CronJob(schedule="30 5 * * 1", command=f"/usr/bin/node /srv/api/scripts/report.js --title '{HOSTILE}'".replace("\n", " "), user="deploy", source="/var/spool/cron/crontabs/deploy"),
            CronJob(schedule="0 */12 * * *", command="test -x /usr/bin/certbot -a \\! -d /run/systemd/system && perl -e 'sleep int(rand(43200))' && certbot -q renew", user="root", source="/etc/cron.d/certbot"),
        ],
        users=base_users([("deploy", 1001, 1001, "/home/deploy", "/bin/bash"), ("ubuntu", 1000, 1000, "/home/ubuntu", "/bin/bash")], debian=True),
        utilization=sysstat(t - 5 * 3600, 5, 2, 4 * GB, 18.0, 0.47, seed=18),
        files=files,
        http=[http(80, 301, "301 Moved Permanently"), HttpCheck(port=443, scheme="https", status=200, title="ACME Portal", content_type="text/html; charset=utf-8"),
              http(3000, 404, "Error", ctype="text/html; charset=utf-8"), http(3001, 200, "ACME Admin")],
    )


def centos6_static() -> HostFacts:
    boot = 1763100000.0
    t = 1764064800.0
    ps = kthreads(("jbd2/dm-0-8", "ext4-dio-unwrit", "rpciod/0", "nfsiod")) + [
        proc(1, 0, "root", "/sbin/init", exe="/sbin/init", rss=1.6, start=boot),
        proc(431, 1, "root", "/sbin/udevd -d", exe="/sbin/udevd", rss=1.1, start=boot + 2),
        proc(1120, 1, "root", "auditd", exe="/sbin/auditd", rss=0.9, start=boot + 6),
        proc(1144, 1, "root", "/sbin/rsyslogd -i /var/run/syslogd.pid -c 5", exe="/sbin/rsyslogd", rss=3.2, start=boot + 6),
        proc(1170, 1, "rpc", "rpcbind", exe="/sbin/rpcbind", rss=0.8, start=boot + 6),
        proc(1190, 1, "rpcuser", "rpc.statd", exe="/sbin/rpc.statd", rss=1.0, start=boot + 7),
        proc(1260, 1, "root", "/usr/sbin/sshd", exe="/usr/sbin/sshd", rss=1.2, start=boot + 8),
        proc(1280, 1, "ntp", "ntpd -u ntp:ntp -p /var/run/ntpd.pid -g", exe="/usr/sbin/ntpd", rss=1.9, start=boot + 8),
        proc(1360, 1, "root", "/usr/libexec/postfix/master", exe="/usr/libexec/postfix/master", rss=3.3, start=boot + 9),
        proc(1368, 1360, "postfix", "qmgr -l -t fifo -u", exe="/usr/libexec/postfix/qmgr", rss=3.4, start=boot + 9),
        proc(1390, 1, "root", "crond", exe="/usr/sbin/crond", rss=1.2, start=boot + 9),
        proc(1402, 1, "root", "/usr/sbin/atd", exe="/usr/sbin/atd", rss=0.5, start=boot + 9),
        proc(1418, 1, "root", "/sbin/mingetty /dev/tty1", exe="/sbin/mingetty", rss=0.6, start=boot + 10),
        proc(1420, 1, "root", "/sbin/mingetty /dev/tty2", exe="/sbin/mingetty", rss=0.6, start=boot + 10),
        proc(1330, 1, "root", ["/usr/sbin/httpd"], exe="/usr/sbin/httpd", rss=9.5, cpu=0.1, start=boot + 9),
    ]
    for i, pid in enumerate((1335, 1336, 1337, 1338, 1339, 1340, 1341, 1342)):
        ps.append(proc(pid, 1330, "apache", ["/usr/sbin/httpd"], exe="/usr/sbin/httpd", rss=6.2 + 0.3 * i, cpu=0.2, start=boot + 9))
    svcs = [
        unit("httpd", "/etc/rc.d/init.d/httpd start", init="sysv", pid=1330, desc="The Apache HTTP Server", env_files=["/etc/sysconfig/httpd"]),
        unit("sshd", "/etc/rc.d/init.d/sshd start", init="sysv", pid=1260, desc="OpenSSH server daemon"),
        unit("crond", "/etc/rc.d/init.d/crond start", init="sysv", pid=1390),
        unit("rsyslog", "/etc/rc.d/init.d/rsyslog start", init="sysv", pid=1144),
        unit("ntpd", "/etc/rc.d/init.d/ntpd start", init="sysv", pid=1280),
        unit("postfix", "/etc/rc.d/init.d/postfix start", init="sysv", pid=1360),
        unit("rpcbind", "/etc/rc.d/init.d/rpcbind start", init="sysv", pid=1170),
        unit("nfslock", "/etc/rc.d/init.d/nfslock start", init="sysv", pid=1190),
        unit("netfs", "/etc/rc.d/init.d/netfs start", init="sysv", state="exited"),
    ]
    socks = [
        listen(22, 1260, "sshd"), listen(22, 1260, "sshd", addr="::", fam="ipv6"), listen(80, 1330, "httpd", addr="::", fam="ipv6"),
        listen(25, 1360, "master", addr="127.0.0.1"), listen(111, 1170, "rpcbind"), listen(111, 1170, "rpcbind", proto="udp"),
        listen(662, 1190, "rpc.statd"), listen(123, 1280, "ntpd", proto="udp"),
    ]
    pkgs = [rpm(s) for s in (
        "kernel 2.6.32-754.35.1.el6", "bash 4.1.2-48.el6", "glibc 2.12-1.212.el6_10.3", "openssl 1.0.1e-58.el6_10",
        "openssh-server 5.3p1-124.el6_10", "upstart 0.6.5-17.el6", "initscripts 9.03.61-1.el6.centos", "chkconfig 1.3.49.5-1.el6",
        "rsyslog 5.8.10-12.el6", "cronie 1.4.4-16.el6_8.2", "ntp 4.2.6p5-15.el6.centos", "postfix 2:2.6.6-8.el6",
        "httpd 2.2.15-69.el6.centos", "httpd-tools 2.2.15-69.el6.centos", "mod_ssl 1:2.2.15-69.el6.centos", "apr 1.3.9-5.el6_9.1",
        "apr-util 1.3.9-3.el6_0.1", "nfs-utils 1:1.2.3-78.el6_10.2", "nfs-utils-lib 1.1.5-13.el6", "rpcbind 0.2.0-16.el6",
        "python 2.6.6-68.el6_10", "yum 3.2.29-81.el6.centos.0.1", "curl 7.19.7-54.el6_10", "wget 1.12-10.el6",
        "sysstat 9.0.4-33.el6_9.1", "logrotate 3.7.8-28.el6", "sudo 1.8.6p3-29.el6_10.4", "audit 2.4.5-6.el6",
        "centos-release 6-10.el6.centos.12.3", "tzdata 2020a-1.el6", "vim-minimal 2:7.4.629-5.el6_10.2", "rsync 3.0.6-12.el6",
    )]
    files = [
        f("/etc/httpd/conf/httpd.conf", """
ServerTokens OS
ServerRoot "/etc/httpd"
PidFile run/httpd.pid
Timeout 60
KeepAlive Off
<IfModule prefork.c>
StartServers       8
MinSpareServers    5
MaxSpareServers   20
ServerLimit      256
MaxClients       256
MaxRequestsPerChild  4000
</IfModule>
Listen 80
LoadModule auth_basic_module modules/mod_auth_basic.so
LoadModule alias_module modules/mod_alias.so
LoadModule rewrite_module modules/mod_rewrite.so
LoadModule dir_module modules/mod_dir.so
LoadModule mime_module modules/mod_mime.so
Include conf.d/*.conf
User apache
Group apache
ServerAdmin root@localhost
DocumentRoot "/var/www/html"
<Directory "/var/www/html">
    Options Indexes FollowSymLinks
    AllowOverride None
    Order allow,deny
    Allow from all
</Directory>
DirectoryIndex index.html index.html.var
ErrorLog logs/error_log
LogLevel warn
CustomLog logs/access_log combined
NameVirtualHost *:80
"""),
        f("/etc/httpd/conf.d/intranet.conf", """
<VirtualHost *:80>
    ServerName intranet.corp.local
    ServerAlias intranet
    DocumentRoot /srv/www/intranet
    <Directory /srv/www/intranet>
        Options -Indexes +FollowSymLinks
        AllowOverride None
        Order allow,deny
        Allow from all
    </Directory>
    Alias /handbook /srv/www/handbook
    ErrorLog logs/intranet-error_log
    CustomLog logs/intranet-access_log combined
</VirtualHost>
"""),
        f("/etc/httpd/conf.d/welcome.conf", """
<LocationMatch "^/+$">
    Options -Indexes
    ErrorDocument 403 /error/noindex.html
</LocationMatch>
"""),
        f("/etc/sysconfig/httpd", "#HTTPD=/usr/sbin/httpd.worker\n#OPTIONS=\n"),
    ]
    return HostFacts(
        host="centos6-static", address="10.1.1.15", collector="sample", collected_at=at("2025-11-25T10:00:00"), privileged=True,
        os=OSInfo(id="centos", version_id="6", name="CentOS", pretty_name="CentOS release 6.10 (Final)", family="rhel",
                  kernel="2.6.32-754.35.1.el6.x86_64", arch="x86_64", hostname="intranet01.corp.local", init_system="sysv"),
        hardware=Hardware(cpu_count=1, cpu_model="QEMU Virtual CPU version 1.5.3", memory_bytes=1 * GB, swap_bytes=2 * GB),
        mounts=[
            Mount(device="/dev/mapper/VolGroup-lv_root", mountpoint="/", fstype="ext4", options="rw", size_bytes=18 * GB, used_bytes=4 * GB),
            Mount(device="/dev/vda1", mountpoint="/boot", fstype="ext4", options="rw", size_bytes=485 * MB, used_bytes=60 * MB),
            Mount(device="nfs01.corp.local:/export/www", mountpoint="/srv/www", fstype="nfs",
                  options="rw,relatime,vers=3,rsize=65536,wsize=65536,hard,proto=tcp,timeo=600,retrans=2,sec=sys", size_bytes=200 * GB,
                  used_bytes=31 * GB, network=True),
        ],
        processes=sorted(ps, key=lambda p: p.pid), sockets=socks,
        connections=[conn(895, "10.1.1.5", 2049, None, "", laddr="10.1.1.15")],
        services=svcs, packages=pkgs,
        cron=[
            CronJob(schedule="0 1 * * *", command="rsync -a --delete /srv/www/intranet/ /backup/intranet/", user="root", source="/etc/crontab"),
            CronJob(schedule="*/10 * * * *", command="/usr/lib64/sa/sa1 1 1", user="root", source="/etc/cron.d/sysstat"),
        ],
        users=base_users([("apache", 48, 48, "/var/www", "/sbin/nologin"), ("rpc", 32, 32, "/var/lib/rpcbind", "/sbin/nologin"),
                          ("rpcuser", 29, 29, "/var/lib/nfs", "/sbin/nologin"), ("ntp", 38, 38, "/etc/ntp", "/sbin/nologin"),
                          ("webmaster", 500, 500, "/home/webmaster", "/bin/bash")], debian=False),
        utilization=proc_sample(t, 1 * GB, 1.8, 0.31),
        files=files,
        http=[http(80, 200, "Corp Intranet")],
    )


def sles12_bare() -> HostFacts:
    boot = 1763000000.0
    t = 1764151200.0
    ps = kthreads(("btrfs-cleaner", "btrfs-transacti")) + [
        proc(1, 0, "root", "/usr/lib/systemd/systemd --switched-root --system --deserialize 24", exe="/usr/lib/systemd/systemd", rss=7.8, start=boot, unit="init.scope"),
        proc(480, 1, "root", "/usr/lib/systemd/systemd-journald", exe="/usr/lib/systemd/systemd-journald", rss=12.4, start=boot + 2, unit="systemd-journald.service"),
        proc(505, 1, "root", "/usr/lib/systemd/systemd-udevd", exe="/usr/lib/systemd/systemd-udevd", rss=4.0, start=boot + 2, unit="systemd-udevd.service"),
        proc(690, 1, "root", "/sbin/haveged -w 1024 -v 0 -F", exe="/sbin/haveged", rss=4.6, start=boot + 4, unit="haveged.service"),
        proc(702, 1, "message+", "/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation", exe="/bin/dbus-daemon", rss=2.9, start=boot + 4, unit="dbus.service"),
        proc(744, 1, "root", "/usr/sbin/wickedd-dhcp4 --systemd --foreground", exe="/usr/lib/wicked/bin/wickedd-dhcp4", rss=5.1, start=boot + 5, unit="wickedd-dhcp4.service"),
        proc(746, 1, "root", "/usr/sbin/wickedd --systemd --foreground", exe="/usr/sbin/wickedd", rss=5.5, start=boot + 5, unit="wickedd.service"),
        proc(749, 1, "root", "/usr/sbin/wickedd-nanny --systemd --foreground", exe="/usr/sbin/wickedd-nanny", rss=4.8, start=boot + 5, unit="wickedd-nanny.service"),
        proc(802, 1, "root", "/usr/sbin/nscd", exe="/usr/sbin/nscd", rss=2.2, start=boot + 6, unit="nscd.service"),
        proc(1004, 1, "root", "/usr/sbin/rsyslogd -n -iNONE", exe="/usr/sbin/rsyslogd", rss=6.1, start=boot + 7, unit="rsyslog.service"),
        proc(1090, 1, "root", "/usr/sbin/sshd -D", exe="/usr/sbin/sshd", rss=5.3, start=boot + 8, unit="sshd.service"),
        proc(1102, 1, "root", "/usr/sbin/cron -n", exe="/usr/sbin/cron", rss=2.0, start=boot + 8, unit="cron.service"),
        proc(1130, 1, "ntp", "/usr/sbin/ntpd -p /var/run/ntp/ntpd.pid -g -u ntp:ntp -c /etc/ntp.conf", exe="/usr/sbin/ntpd", rss=4.4, start=boot + 8, unit="ntpd.service"),
        proc(1240, 1, "root", "/usr/lib/postfix/bin//master -w", exe="/usr/lib/postfix/bin/master", rss=3.0, start=boot + 9, unit="postfix.service"),
        proc(1242, 1240, "postfix", "qmgr -l -t fifo -u", exe="/usr/lib/postfix/bin/qmgr", rss=4.4, start=boot + 9, unit="postfix.service"),
        proc(1260, 1, "root", "/sbin/agetty --noclear tty1 linux", exe="/sbin/agetty", rss=1.6, start=boot + 9, unit="getty@tty1.service"),
        proc(30120, 1090, "root", "sshd: admin [priv]", exe="/usr/sbin/sshd", rss=7.4),
        proc(30124, 30120, "admin", "sshd: admin@pts/0", exe="/usr/sbin/sshd", rss=4.7),
        proc(30125, 30124, "admin", "-bash", exe="/bin/bash", rss=4.9, name="bash"),
    ]
    svcs = [
        unit("sshd", "/usr/sbin/sshd -D $SSHD_OPTS", pid=1090, desc="OpenSSH Daemon"),
        unit("cron", "/usr/sbin/cron -n", pid=1102, desc="Command Scheduler"),
        unit("rsyslog", "/usr/sbin/rsyslogd -n -iNONE", pid=1004, desc="System Logging Service"),
        unit("ntpd", "/usr/sbin/start-ntpd start", pid=1130, desc="NTP Server Daemon"),
        unit("postfix", "/usr/sbin/postfix start", pid=1240, desc="Postfix Mail Transport Agent"),
        unit("wickedd", "/usr/sbin/wickedd --systemd --foreground", pid=746, desc="wicked network management service daemon"),
        unit("haveged", "/sbin/haveged -w 1024 -v 0 -F", pid=690, desc="Entropy Daemon based on the HAVEGE algorithm"),
        unit("nscd", "/usr/sbin/nscd", pid=802, desc="Name Service Cache Daemon"),
    ]
    socks = [listen(22, 1090, "sshd"), listen(22, 1090, "sshd", addr="::", fam="ipv6"), listen(25, 1240, "master", addr="127.0.0.1"),
             listen(123, 1130, "ntpd", proto="udp"), listen(68, 744, "wickedd-dhcp4", proto="udp")]
    pkgs = [rpm(s) for s in (
        "kernel-default 4.12.14-122.37.1", "bash 4.3-83.23.1", "glibc 2.22-114.5.1", "openssh 7.2p2-81.4.1", "systemd 228-157.12.5",
        "rsyslog 8.24.0-3.16.1", "cron 4.2-59.3.2", "cronie 1.4.11-59.3.2", "ntp 4.2.8p15-88.1", "postfix 3.3.1-3.3.1",
        "wicked 0.6.64-3.3.1", "haveged 1.9.1-16.6.1", "nscd 2.22-114.5.1", "zypper 1.13.51-21.26.4", "sles-release 12.5-1.55",
        "suse-build-key 12.0-8.13.1", "sudo 1.8.27-4.11.1", "vim 8.0.1568-5.11.1", "curl 7.60.0-11.18.1", "sysstat 12.0.2-3.24.1",
        "logrotate 3.11.0-2.11.1", "SUSEConnect 0.3.32-19.21.1", "supportutils 3.0.10-95.41.1", "yast2 3.2.60-2.35.1",
        "python 2.7.18-33.56.1", "python3 3.4.10-25.61.1", "btrfsprogs 4.5.3-16.5.1", "snapper 0.5.6-4.6.1",
    )]
    return HostFacts(
        host="sles12-bare", address="10.30.2.9", collector="sample", collected_at=at("2025-11-26T10:00:00"), privileged=True,
        os=OSInfo(id="sles", version_id="12.5", name="SLES", pretty_name="SUSE Linux Enterprise Server 12 SP5", family="suse",
                  kernel="4.12.14-122.37-default", arch="x86_64", hostname="jump01", init_system="systemd"),
        hardware=Hardware(cpu_count=2, cpu_model="Intel(R) Xeon(R) CPU E5-2650 v3 @ 2.30GHz", memory_bytes=2 * GB, swap_bytes=2 * GB),
        mounts=[
            Mount(device="/dev/sda2", mountpoint="/", fstype="btrfs", options="rw,relatime,space_cache,subvolid=259", size_bytes=40 * GB, used_bytes=6 * GB),
            Mount(device="/dev/sda3", mountpoint="/home", fstype="xfs", options="rw,relatime,attr2,inode64,noquota", size_bytes=20 * GB, used_bytes=1 * GB),
        ],
        processes=sorted(ps, key=lambda p: p.pid), sockets=socks,
        services=svcs, packages=pkgs,
        cron=[CronJob(schedule="*/15 * * * *", command="test -x /usr/lib/cron/run-crons && /usr/lib/cron/run-crons >/dev/null 2>&1", user="root", source="/etc/crontab")],
        users=base_users([("ntp", 74, 482, "/var/lib/ntp", "/bin/false"), ("admin", 1000, 100, "/home/admin", "/bin/bash")], debian=False),
        utilization=sysstat(t - 2 * 3600, 2, 2, 2 * GB, 1.5, 0.18, seed=12),
        http=[],
    )


SAMPLES = {
    "centos7-tomcat": centos7_tomcat,
    "ubuntu1604-django": ubuntu1604_django,
    "rhel8-springboot": rhel8_springboot,
    "debian10-lamp": debian10_lamp,
    "ubuntu1804-node-pm2": ubuntu1804_node_pm2,
    "centos6-static": centos6_static,
    "sles12-bare": sles12_bare,
}


def build(name: str) -> HostFacts:
    return SAMPLES[name]()


def main(argv: Optional[list[str]] = None) -> int:
    names = (argv if argv else None) or list(SAMPLES)
    for name in names:
        facts = build(name)
        write_atomic(HERE / name / "discovery.yaml", dump_model(facts))
        print(f"samples/{name}/discovery.yaml: {len(facts.processes)} processes, {len(facts.files)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
