"""Secret values in copied config files become ${MTA_SECRET_X}; the sh fill
script puts them back from the environment at start (dash + busybox awk / mawk)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from mta.plan.security.placeholders import MANIFEST, fill_script, placeholder_text, sanitize_context

from .conftest import unavailable

FILES = {
    "srv/app/settings.py": 'DEBUG = False\nPASSWORD = "py-pw-1"\nDATABASES = {"default": {"PASSWORD": "py-pw-2"}}\n',
    "srv/app/config.json": '{"db": {"password": "js\\"on-pw", "host": "127.0.0.1"}}\n',
    "var/www/wp-config.php": "<?php\ndefine('DB_PASSWORD', 'wp&pw/3');\ndefine('DB_USER', 'wp');\n",
    "opt/app/application.properties": "spring.datasource.password=sp $pw\\4\nspring.datasource.url=jdbc:x\n",
    "opt/app/context.xml": '<Resource name="jdbc/x" username="u" password="ctx-pw-5"/>\n',
    "srv/app/.env.example": "DATABASE_URL=postgres://app:url-pw-6@db/app\nMODE=prod\n",
    "srv/app/plain.txt": "nothing secret here\n",
    "srv/app/config/app.yml": "db:\n  host: db\n  password: |\n    blk-pw-7\n    second line\nnext: 1\n",
}
VALUES = ["py-pw-1", "py-pw-2", "wp&pw/3", "sp $pw\\4", "ctx-pw-5", "url-pw-6", "blk-pw-7"]


def test_placeholder_names_follow_keys():
    text, found = placeholder_text("define('DB_PASSWORD', 'x1');\nspring.datasource.password=x2\n")
    assert found == {"MTA_SECRET_DB_PASSWORD": "x1", "MTA_SECRET_SPRING_DATASOURCE_PASSWORD": "x2"}
    assert "${MTA_SECRET_DB_PASSWORD}" in text and "x1" not in text


def test_sanitize_context_leaves_no_value(tmp_path):
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "srv/app/settings.py").chmod(0o640)
    res = sanitize_context(tmp_path)
    assert "srv/app/plain.txt" not in res.files and len(res.files) == 7
    for p in tmp_path.rglob("*"):
        if p.is_file():
            assert not any(v in p.read_text() for v in VALUES), p
    assert sorted(res.values.values()) == sorted([v for v in VALUES if v != "blk-pw-7"]
                                                 + ['js\\"on-pw', "|\n    blk-pw-7\n    second line"])
    assert (tmp_path / MANIFEST).read_text().splitlines() == res.files
    assert oct((tmp_path / "srv/app/settings.py").stat().st_mode & 0o777) == "0o640"


@pytest.mark.parametrize("awk", ["mawk", "busybox"])
def test_fill_script_restores_values(tmp_path, awk):
    dash, tool = shutil.which("dash"), shutil.which(awk)
    if not dash or not tool:
        unavailable(f"dash and {awk} are needed (apt-get install dash {awk})")
    ctx = tmp_path / "ctx"
    for rel, text in FILES.items():
        (ctx / rel).parent.mkdir(parents=True, exist_ok=True)
        (ctx / rel).write_text(text)
    res = sanitize_context(ctx)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "awk").symlink_to(tool)  # busybox picks its applet from the name
    for name in ("cat", "rm"):
        (bindir / name).symlink_to(shutil.which(name))
    script = tmp_path / "fill.sh"
    script.write_text(fill_script([str(ctx / f) for f in res.files]))
    env = {"PATH": str(bindir), "TMPDIR": str(tmp_path), **res.values}
    proc = subprocess.run([dash, str(script), "/bin/echo", "started"], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "started\n"
    for rel, text in FILES.items():
        assert (ctx / rel).read_text() == text, rel


def test_fill_block_is_idempotent_and_maps_context_paths():
    from mta.model.plan import ConfigFile
    from mta.plan.security.placeholders import container_paths, with_fill

    copies = [ConfigFile(source="context/srv/app", target="/app", configmap=False),
              ConfigFile(source="mta-secrets-env.sh", target="/usr/local/bin/mta-secrets-env", configmap=False)]
    paths = container_paths(["srv/app/settings.py", "etc/other.conf"], copies)
    assert paths == ["/app/settings.py"]
    shim = '#!/bin/sh\nset -e\nexec "$@"\n'
    once = with_fill(shim, paths)
    assert with_fill(once, paths) == once and once.count("mta_fill '/app/settings.py'") == 0
    assert once.count("mta_fill /app/settings.py") == 1 and once.rstrip().endswith('exec "$@"')
    assert with_fill(once, []) == shim


def test_read_only_file_is_reported_and_the_app_still_starts(tmp_path):
    """readOnlyRootFilesystem: the fill cannot write; it says so on stderr and execs the command."""
    import os
    import shutil
    import tempfile

    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to run the shim as another user")
    d = tempfile.mkdtemp(prefix="mta-ro-")
    try:
        os.chmod(d, 0o755)
        conf = os.path.join(d, "settings.py")
        with open(conf, "w") as fh:
            fh.write('PASSWORD = "${MTA_SECRET_PASSWORD}"\n')
        os.chmod(conf, 0o444)
        script = os.path.join(d, "fill.sh")
        with open(script, "w") as fh:
            fh.write(fill_script([conf]))
        os.chmod(script, 0o755)
        proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", script,
                               "/bin/echo", "started"], env={"PATH": "/usr/bin:/bin", "MTA_SECRET_PASSWORD": "x"},
                              capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0 and proc.stdout == "started\n", proc.stderr
        assert "read-only" in proc.stderr and conf in proc.stderr
        assert "${MTA_SECRET_PASSWORD}" in open(conf).read()
    finally:
        shutil.rmtree(d, ignore_errors=True)
