"""A secrets corpus on a real host: >= 40 unique values planted in every place a VM keeps
secrets, then discover (real sshd) -> generate -> report, and every output file (discovery,
plan, README, Dockerfiles, compose, k8s, reports, findings.csv, caches) and the CLI's own
output are searched for every value.

Places: the environment of a running server, its command line in every argument form
(``--x-password=V``, ``--x-password V``, ``-Dx.password=V``, ``NAME=V``, URL user-info,
``?password=`` and ``&token=`` in URLs, credential-shaped values), a mysql-family client's
``-pV``, /etc/cron.d and a user crontab, an upstart job, a SysV script, a systemd unit file,
an env file, config files (YAML incl. a ``>-`` block scalar, INI, PHP, JSON, XML, properties)
and a PEM private key in an oddly named file. On failure the test prints a place -> leaked table.
"""

from __future__ import annotations

import os
import secrets as _random
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from mta.model import SECRET_MARKER

from .conftest import unavailable

pytestmark = pytest.mark.timeout(600)

TAG = _random.token_hex(3)
NODE = shutil.which("node") or shutil.which("nodejs")
APP_ROOT = f"/srv/mta-corpus-{TAG}"


def _v(n: int, place: str) -> str:
    return f"mk{n:02d}{place}{TAG}z"


def _alnum(n: int, length: int, upper: bool = False) -> str:
    core = f"MK{n:02d}{TAG}".upper() if upper else f"mk{n:02d}{TAG}"
    return (core + "Q" * length)[:length]


GH = "ghp_" + _alnum(1, 36)
AKIA = "AKIA" + _alnum(2, 16, upper=True)
AWS_SECRET = _alnum(3, 30) + "/abc+defg1"
JWT = f"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ{_alnum(4, 12)}In0.{_alnum(5, 20)}"
AIZA = "AIza" + _alnum(6, 35)
SLACK = f"xoxb-{_alnum(7, 14)}"
PEM_LINE = "MIIE" + _alnum(8, 40) + "AB"

ENV = {  # the server's environment
    "DB_PASSWORD": _v(10, "env"), "LDAP_BIND_PW": _v(11, "env"), "ADMIN_PIN": _v(12, "env"),
    "dbpass": _v(13, "env"), "PGPASS": _v(14, "env"), "MYAPP_DBPASS": _v(15, "env"), "SMTP_PW": _v(16, "env"),
    "SOME_SETTING": GH, "AWS_ACCESS_KEY_ID": AKIA, "AWS_SECRET_ACCESS_KEY": AWS_SECRET, "SESSION_BLOB": JWT,
    "DATABASE_URL": f"postgres://app:{_v(17, 'env')}@db.internal/app", "NOTIFY_HOOK": SLACK,
    "APP_MODE": "production", "TOX_TESTENV_PASSENV": "HOME",
}
ARGV = [  # the server's command line after the script
    f"--db-password={_v(20, 'arg')}", "--api.token", _v(21, "arg"), f"-Dapp.datasource.password={_v(22, 'arg')}",
    "--jdbc", f"jdbc:mysql://db/shop?user=shop&password={_v(23, 'arg')}&useSSL=false",
    f"--cache=redis://:{_v(24, 'arg')}@cache:6379/0", f"LDAP_BIND_PW={_v(25, 'arg')}", AIZA,
    "--admin-pin", _v(26, "arg"), f"--hook=https://hooks.example.com/x?a=1&token={_v(27, 'arg')}",
]
MYSQL_ARGV = ["-uroot", f"-p{_v(28, 'arg')}", "shop"]
NEVER = "0 0 31 2 *"  # February 31st: cron never runs these
CRON_D = (f"{NEVER} root /usr/local/bin/backup.sh --password={_v(30, 'cron')} >/dev/null 2>&1\n"
          f"{NEVER} root mysqldump -u root -p{_v(31, 'cron')} shop | gzip > /tmp/never.gz\n"
          f"{NEVER} root DB_PASSWORD={_v(32, 'cron')} /opt/never/job\n"
          f"{NEVER} root curl -s https://ops:{_v(33, 'cron')}@example.com/ping\n"
          f"{NEVER} root curl -s 'https://example.com/hook?api_key={_v(34, 'cron')}&x=1'\n"
          f"{NEVER} root {APP_ROOT}/bin/backup --password={_v(38, 'cron')} --keep 3\n")
USER_CRONTAB = (f"{NEVER} /opt/never/sync --secret {_v(35, 'cron')}\n"
                f"{NEVER} mariadb-dump -p{_v(36, 'cron')} shop > /tmp/never.sql\n"
                f"{NEVER} API_TOKEN={_v(37, 'cron')} /opt/never/report\n"
                f"{NEVER} cd {APP_ROOT} && node server.js --port 1 --db.password {_v(39, 'cron')}\n")
UPSTART = (f'description "corpus"\nstart on runlevel [2345]\nenv DB_PASSWORD={_v(40, "unit")}\n'
           f"env dbpass={_v(41, 'unit')}\nexec /opt/never/daemon --password={_v(42, 'unit')} --port 1\n")
SYSV = (f"#!/bin/sh\nDB_PASSWORD={_v(43, 'unit')}\nDAEMON_ARGS=\"--password={_v(44, 'unit')}\"\n"
        "exit 0\n")
SYSTEMD = (f"[Service]\nEnvironment=DB_PASSWORD={_v(45, 'unit')}\n"
           f"ExecStart=/opt/never/daemon --password={_v(46, 'unit')} -Dx.secret={_v(47, 'unit')}\n")
FILES = {
    ".env": f"SECRET_KEY={_v(50, 'file')}\nMYAPP_DBPASS={_v(51, 'file')}\nDEBUG=0\n",
    "config.yml": (f"server:\n  port: 8080\n  secret: >-\n    {_v(52, 'file')}\n    {_v(53, 'file')}\n"
                   f"  password: {_v(54, 'file')}\n  name: corpus\n"),
    "app.ini": f"[db]\nhost = db\ndbpass = {_v(55, 'file')}\n",
    "config.php": f'<?php\n$dbhost = "db";\n$dbpass = "{_v(56, "file")}";\ndefine("AUTH_KEY", "{_v(57, "file")}");\n',
    "config.json": f'{{"name": "corpus", "apiKey": "{_v(58, "file")}", "db": {{"password": "{_v(59, "file")}"}}}}\n',
    "context.xml": (f'<Context><Resource name="jdbc/x" username="u" password="{_v(60, "file")}"/>'
                    f"<password>{_v(61, 'file')}</password></Context>\n"),
    "application.properties": f"spring.datasource.password={_v(62, 'file')}\nserver.port=8080\n",
    "deploy-material.txt": f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_LINE}\n-----END RSA PRIVATE KEY-----\n",
}

SERVER = """const http = require("http");
const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
http.createServer((req, res) => { res.writeHead(200, {"Content-Type": "text/plain"}); res.end("ok"); })
  .listen(port, "0.0.0.0");
"""
PACKAGE = '{"name": "corpus", "version": "1.0.0", "main": "server.js", "dependencies": {}}\n'
SLEEPER = "#!/usr/bin/env python3\nimport time\ntime.sleep(900)\n"


def _places() -> dict[str, list[str]]:
    def found(text: str) -> list[str]:
        import re

        return sorted(set(re.findall(rf"mk\d\d[a-z]+{TAG}z", text)))

    argv_values = found(" ".join(ARGV + MYSQL_ARGV)) + [AIZA]
    return {
        "env": found(" ".join(ENV.values())) + [GH, AKIA, AWS_SECRET, JWT, SLACK],
        "argv": argv_values,
        "cron.d": found(CRON_D), "user crontab": found(USER_CRONTAB),
        "upstart": found(UPSTART), "sysv script": found(SYSV), "systemd unit": found(SYSTEMD),
        "env file": found(FILES[".env"]),
        "config files": found("".join(v for k, v in FILES.items() if k not in (".env", "deploy-material.txt"))),
        "pem file": [PEM_LINE],
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture(scope="module")
def corpus_host(sshd):
    """The planted host (this machine, reached over the real sshd); everything removed afterwards."""
    if os.geteuid() != 0:
        unavailable("plants files in /etc and /var/spool: needs root")
    if not NODE:
        unavailable("node is not installed (apt-get install nodejs)")
    name = f"mta-corpus-{TAG}"
    root = Path(APP_ROOT)
    planted: list[Path] = []
    made_dirs: list[Path] = []
    procs: list[subprocess.Popen] = []
    try:
        for rel, text in FILES.items():
            planted.append(_write(root / rel, text))
        server = _write(root / "server.js", SERVER)
        planted.append(_write(root / "package.json", PACKAGE))
        sleeper = _write(root / "bin" / "mysqldump", SLEEPER, 0o755)
        planted.append(_write(Path("/etc/cron.d") / name, CRON_D))
        spool = Path("/var/spool/cron/crontabs")
        if not spool.is_dir():
            spool.mkdir(parents=True)
            made_dirs.append(spool)
        planted.append(_write(spool / name, USER_CRONTAB, 0o600))
        init = Path("/etc/init")
        if not init.is_dir():
            init.mkdir()
            made_dirs.append(init)
        planted.append(_write(init / f"{name}.conf", UPSTART))
        planted.append(_write(Path("/etc/init.d") / name, SYSV, 0o755))
        planted.append(_write(Path("/etc/systemd/system") / f"{name}.service", SYSTEMD))
        port = _free_port()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **ENV}
        procs.append(subprocess.Popen([NODE, str(server), "--port", str(port), *ARGV], cwd=root, env=env,
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True))
        procs.append(subprocess.Popen([str(sleeper), *MYSQL_ARGV], cwd=root, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield {"root": root, "port": port, "pids": [p.pid for p in procs]}
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            p.wait(timeout=10)
        for path in planted:
            path.unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)
        for d in reversed(made_dirs):
            shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def corpus_out(corpus_host, sshd, tmp_path_factory):
    """discover -> generate -> report through the CLI, its own output kept as a 'log' to search too."""
    from mta.cli import main

    out = tmp_path_factory.mktemp("corpus-out")
    logs: list[str] = []
    old = os.environ.get("MTA_KNOWN_HOSTS")
    os.environ["MTA_KNOWN_HOSTS"] = str(sshd.known_hosts)
    try:
        import contextlib
        import io

        def run(args: list[str]) -> int:
            buf_out, buf_err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(buf_out), contextlib.redirect_stderr(buf_err):
                rc = main(args)
            logs.append(buf_out.getvalue() + buf_err.getvalue())
            return rc

        assert run(["discover", sshd.target(), *sshd.cli_args(), "-o", str(out), "--sample-seconds", "0.3"]) in (0, 3), logs
        (disc,) = list((out / "hosts").glob("*/discovery.yaml"))
        assert run(["generate", str(disc), "-o", str(out)]) in (0, 3), logs[-1]
        assert run(["report", str(out)]) in (0, 3), logs[-1]
    finally:
        if old is None:
            os.environ.pop("MTA_KNOWN_HOSTS", None)
        else:
            os.environ["MTA_KNOWN_HOSTS"] = old
    (out / "cli-output.log").write_text("\n".join(logs))
    return out


def test_corpus_is_big_enough():
    places = _places()
    values = [v for vs in places.values() for v in vs]
    assert len(values) == len(set(values)) >= 40, (len(values), len(set(values)))


def test_the_planted_host_was_seen(corpus_host, corpus_out):
    from mta.io import load_model
    from mta.model import HostFacts

    (disc,) = list((corpus_out / "hosts").glob("*/discovery.yaml"))
    facts = load_model(disc, HostFacts)
    server = facts.process(corpus_host["pids"][0])
    assert server is not None and SECRET_MARKER in " ".join(server.cmdline)
    assert server.env.get("APP_MODE") == "production" and server.env.get("TOX_TESTENV_PASSENV") == "HOME"
    assert any(f"mta-corpus-{TAG}" in (j.source or "") for j in facts.cron), "the planted crontabs were read"
    assert any(s.name == f"mta-corpus-{TAG}" for s in facts.services), "the planted jobs were read"


def test_no_planted_value_in_any_output(corpus_out):
    files = [p for p in corpus_out.rglob("*") if p.is_file()]
    assert any(p.name == "discovery.yaml" for p in files) and any(p.name == "plan.yaml" for p in files)
    assert any(p.name == "Dockerfile" for p in files) and any(p.suffix == ".html" for p in files)
    blobs = {str(p.relative_to(corpus_out)): p.read_bytes() for p in files}
    table = []
    for place, values in _places().items():
        leaked = [(v, f) for v in values for f, data in blobs.items() if v.encode() in data]
        table.append((place, len(values), leaked))
    report = "\n".join(f"{place:<14} planted {n:>3}  leaked {len({v for v, _ in leaked}):>3}"
                       + "".join(f"\n    {v} -> {f}" for v, f in leaked[:20])
                       for place, n, leaked in table)
    print(f"\nsecret corpus: {sum(n for _, n, _ in table)} values, {len(blobs)} output files\n{report}")
    assert not any(leaked for _, _, leaked in table), "\n" + report


def test_masked_arguments_become_secret_references(corpus_out):
    """The server's masked arguments reach the image's CMD as ${MTA_ARG_*} references, filled from
    the app's Secret (Kubernetes secretKeyRef; compose secrets through the shim), never as literals."""
    import json

    import yaml

    host = next((corpus_out / "hosts").iterdir())
    plan = yaml.safe_load((host / "plan.yaml").read_text())
    app = next(a for a in plan["apps"] if any(APP_ROOT in p for p in a.get("code_paths", [])))
    dockerfile = (host / "apps" / app["name"] / "Dockerfile").read_text()
    cmd = json.loads(next(line[4:] for line in dockerfile.splitlines() if line.startswith("CMD ")))
    assert cmd[:2] == ["/bin/sh", "-c"] and '"${MTA_ARG_DB_PASSWORD}"' in cmd[2] and SECRET_MARKER not in cmd[2]
    assert 'ENTRYPOINT ["/bin/sh", "/usr/local/bin/mta-secrets-env"]' in dockerfile
    deploy = yaml.safe_load((host / "k8s" / f"{app['name']}-deployment.yaml").read_text())
    env = {e["name"]: e for e in deploy["spec"]["template"]["spec"]["containers"][0]["env"]}
    refs = [n for n in env if n.startswith("MTA_ARG_")]
    assert len(refs) >= 8 and all("secretKeyRef" in env[n]["valueFrom"] for n in refs)
    jobs = [yaml.safe_load(p.read_text()) for p in (host / "k8s").glob(f"{app['name']}-cron-*-cronjob.yaml")]
    commands = [j["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"] for j in jobs]
    assert any("MTA_ARG_" in " ".join(c) for c in commands), commands


def test_with_secret_values_reads_the_masked_arguments(corpus_host, corpus_out, sshd, tmp_path):
    """The operator's 0600 file (outside OUT) gets each MTA_ARG_* value from the live command line."""
    import stat

    from mta.io import load_model
    from mta.model import HostFacts, Plan
    from mta.security.secret_values import export

    host = next((corpus_out / "hosts").iterdir())
    facts = load_model(host / "discovery.yaml", HostFacts)
    plan = load_model(host / "plan.yaml", Plan)
    path = export(sshd.transport(), facts, plan, tmp_path / "corpus-secrets.env", corpus_out)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert f"MTA_ARG_DB_PASSWORD={_v(20, 'arg')}" in text
    assert f"MTA_ARG_API_TOKEN={_v(21, 'arg')}" in text and f"MTA_ARG_ADMIN_PIN={_v(26, 'arg')}" in text
