"""Command lines are masked where discovery parses them: /proc cmdlines, systemd ExecStart=,
upstart exec lines, cron lines (the live corpus in tests/security/test_secret_corpus.py plants
them on a real host; systemd does not run there, so its ``systemctl show`` text is fed here)."""

from __future__ import annotations

from mta.discover.parsers import cron, processes, services
from mta.model import SECRET_MARKER

M = SECRET_MARKER

SHOW = """Id=shop.service
LoadState=loaded
ActiveState=active
SubState=running
UnitFileState=enabled
FragmentPath=/etc/systemd/system/shop.service
ExecStart={ path=/usr/bin/java ; argv[]=/usr/bin/java -Dspring.datasource.password=U1 -jar /srv/shop.jar --db.password U2 --url jdbc:mysql://db/shop?password=U3 ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }
Environment=DB_PASSWORD=U4 MODE=prod
MainPID=42

"""


def test_systemd_exec_start_and_environment():
    (svc,) = services.parse({"systemd-show": SHOW, "systemd-unit-files": "shop.service enabled\n"})
    for v in ("U1", "U2", "U3", "U4"):
        assert v not in svc.exec_start + " ".join(svc.environment.values()), v
    assert svc.exec_start.startswith("/usr/bin/java ") and M in svc.exec_start
    assert svc.environment == {"DB_PASSWORD": M, "MODE": "prod"}


def test_upstart_exec_and_env():
    conf = ("description \"shop\"\nstart on runlevel [2345]\nenv dbpass=U5\nenv MODE=prod\n"
            "exec /usr/bin/mysqld_safe --user=mysql && mysqldump -pU6 shop\n")
    (svc,) = services.parse({"upstart-conf /etc/init/shop.conf": conf})
    assert "U6" not in svc.exec_start and svc.environment == {"dbpass": M, "MODE": "prod"}


def test_cron_lines():
    text = ("MAILTO=root\nDB_PASSWORD=U7\n0 2 * * * root /opt/backup.sh --password=U8 >/dev/null\n"
            "30 3 * * * root mysqldump -pU9 shop | gzip > /b.gz\n")
    jobs = cron.parse({"file /etc/cron.d/backup": text})
    assert len(jobs) == 2
    text_out = " ".join(j.command for j in jobs)
    assert "U7" not in text_out and "U8" not in text_out and "U9" not in text_out
    assert jobs[1].command == f"mysqldump -p'{M}' shop | gzip > /b.gz"


def test_proc_cmdline():
    blocks = {"stat 7": "7 (java) S 1 7 7 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 100 0 10 0 0",
              "cmdline 7": "java\0-Dapp.secret=U10\0-jar\0app.jar\0--token\0U11\0"}
    (p,) = processes.parse(blocks)
    assert p.cmdline == ["java", f"-Dapp.secret={M}", "-jar", "app.jar", "--token", M]
