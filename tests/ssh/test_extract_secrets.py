"""``mta extract --secrets`` over the REAL sshd on loopback: the gunicorn test
service holds secrets in its environment (DATABASE_URL, SECRET_KEY), a copied
config file holds a password, and a whole secret file is planned; after the
runbook's commands the values are in OUT/hosts/<h>/secrets/ where compose.yaml
reads them (dir 0700, files 0600, git-ignored) and nowhere else under OUT."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from mta.cli import main
from mta.io import dump_model, load_model, write_atomic
from mta.model import Plan, SecretRef

pytestmark = [pytest.mark.sshd, pytest.mark.services, pytest.mark.timeout(600)]

ENV_VALUES = ("not-for-images", "s3cret-pw")
CONFIG_VALUE = "cfg-pass-9f3k"
FILE_VALUE = "-----BEGIN TEST KEY-----\nAAAAsecretfilebody\n-----END TEST KEY-----\n"


def run(args: list[str], cwd: Path | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(args)
    finally:
        os.chdir(old)
    return rc, out.getvalue(), err.getvalue()


def leaks(root: Path, values) -> list[tuple[str, str]]:
    found = []
    for p in root.rglob("*"):
        if p.is_file() and not p.is_symlink() and "secrets" not in p.relative_to(root).parts:
            data = p.read_bytes()
            found += [(str(p.relative_to(root)), v) for v in values if v.encode() in data]
    return found


@pytest.fixture
def host(sshd, services, tmp_path, monkeypatch):
    """discover + generate, then a hand edit of plan.yaml: one more dir to copy
    (with a config file holding a password) and one whole secret file."""
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(sshd.known_hosts))
    monkeypatch.setenv("MTA_SSH_CONFIG", "")
    extra = tmp_path / "vm" / "etc-shop"
    extra.mkdir(parents=True)
    (extra / "config.ini").write_text(f"[db]\nuser = shop\npassword = {CONFIG_VALUE}\n")
    (extra / "tls.key").write_text(FILE_VALUE)
    for p in (tmp_path, tmp_path / "vm", extra):
        os.chmod(p, 0o755)
    out = tmp_path / "out"
    rc, _, err = run(["discover", sshd.target(), "-i", str(sshd.key_path), "-o", str(out),
                      "--sample-seconds", "0", "--no-http-checks"])
    assert rc == 0, err
    (hdir,) = [p for p in (out / "hosts").iterdir() if p.is_dir()]
    assert run(["generate", str(hdir / "discovery.yaml")])[0] == 0
    plan = load_model(hdir / "plan.yaml", Plan)
    app = next(a for a in plan.apps if any(str(services.app_dir) in i for i in a.extract.include))
    app.extract.include = [*app.extract.include, str(extra)]
    app.secrets = [*app.secrets, SecretRef(name=f"{app.name}-files", key="tls.key", source=str(extra / "tls.key"),
                                           target="/etc/shop/tls.key")]
    write_atomic(hdir / "plan.yaml", dump_model(plan))
    rc, _, err = run(["generate", "discovery.yaml", "--plan", "plan.yaml"], cwd=hdir)
    assert rc == 0, err
    return out, hdir, app.name


def test_secrets_land_where_compose_reads_them(host):
    out, hdir, app = host
    rc, stdout, err = run(["extract", "--secrets", "plan.yaml", "--app", app], cwd=hdir)
    assert rc == 0, err
    for v in ENV_VALUES + (CONFIG_VALUE, "secretfilebody"):
        assert v not in stdout + err, "a value is never printed"

    secrets = hdir / "secrets"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    files = [p for p in secrets.rglob("*") if p.is_file() and p.name != ".gitignore"]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    assert all(stat.S_IMODE(d.stat().st_mode) == 0o700 for d in secrets.rglob("*") if d.is_dir())

    # every secret file compose.yaml names for this app exists, with the VM's value
    compose = yaml.safe_load((hdir / "compose.yaml").read_text())
    named = {spec["file"] for spec in compose["secrets"].values() if f"/{app}/" in spec["file"]}
    assert named and all((hdir / f).is_file() for f in named), sorted(f for f in named if not (hdir / f).is_file())
    assert (secrets / app / "SECRET_KEY").read_text() == "not-for-images"
    assert "s3cret-pw" in (secrets / app / "DATABASE_URL").read_text()
    assert (secrets / app / "files" / "tls.key").read_text() == FILE_VALUE
    assert any(CONFIG_VALUE == p.read_text() or CONFIG_VALUE in p.read_text() for p in files), \
        "the password taken out of the copied config.ini is a secret file too"

    # nowhere else under OUT, and git ignores the secrets
    assert leaks(out, ENV_VALUES + (CONFIG_VALUE, "secretfilebody")) == []
    assert "/secrets/" in (hdir / ".gitignore").read_text().splitlines()
    subprocess.run(["git", "init", "-q", str(out)], check=True)
    status = subprocess.run(["git", "-C", str(out), "status", "--porcelain", "--untracked-files=all"],
                            capture_output=True, text=True, check=True).stdout
    assert "secrets/" not in status and "compose.yaml" in status

    # a second run refreshes the values in place
    rc, _, err = run(["extract", "--secrets", "plan.yaml", "--app", app], cwd=hdir)
    assert rc == 0, err
    assert (secrets / app / "SECRET_KEY").read_text() == "not-for-images"


def test_verify_names_every_missing_secret_file_with_its_source(host):
    from mta.verify.compose import load_project
    from mta.verify.engine import Engine
    from mta.verify.runner import HostRun

    out, hdir, app = host
    plan = load_model(hdir / "plan.yaml", Plan)
    run_ = HostRun(hdir, Engine("podman", None), runner=None)
    absent = dict(run_._absent_secret_files(load_project(hdir), plan))
    assert f"secrets/{app}/files/tls.key" in absent and "etc-shop/tls.key on the VM" in absent[f"secrets/{app}/files/tls.key"]
    assert f"secrets/{app}/SECRET_KEY" in absent

    assert run(["extract", "--secrets", "plan.yaml", "--app", app], cwd=hdir)[0] == 0
    absent = dict(run_._absent_secret_files(load_project(hdir), plan))
    assert not [p for p in absent if f"/{app}/" in p]

    # the runbook says how to get them
    readme = (hdir / "README.md").read_text()
    assert "mta extract --secrets plan.yaml" in readme and f"secrets/{app}/files/tls.key" in readme


def test_with_secret_values_still_works_and_says_it_is_deprecated(host, tmp_path):
    out, hdir, app = host
    values = tmp_path / "private" / "values.env"
    rc, _, err = run(["extract", "plan.yaml", "--app", app, "--with-secret-values", str(values)], cwd=hdir)
    assert rc == 0, err
    assert "deprecated" in err and "--secrets" in err
    assert stat.S_IMODE(values.stat().st_mode) == 0o600 and "not-for-images" in values.read_text()


WP_CONFIG = ("<?php\ndefine('DB_NAME', 'wordpress');\ndefine('DB_USER', 'wordpress');\n"
             "define('DB_PASSWORD', 'wp-Harb0ur-db');\ndefine('DB_HOST', 'localhost');\n"
             "define('WP_HOME', 'http://localhost');\n")


def test_a_withheld_db_settings_file_points_at_the_db_service(host):
    """Debian's WordPress: /etc/<app>/config-*.php holds the DB password, so it is a secret file
    written by extract --secrets; its DB_HOST 'localhost' becomes the plan's database service."""
    out, hdir, app = host
    cfg = hdir.parent.parent.parent / "vm" / "etc-shop" / "config-shop.php"
    cfg.write_text(WP_CONFIG)
    os.chmod(cfg, 0o644)
    plan = load_model(hdir / "plan.yaml", Plan)
    ap = plan.app(app)
    ap.secrets = [*ap.secrets, SecretRef(name=f"{app}-files", key="config-shop.php", source=str(cfg),
                                         target="/etc/wordpress/config-shop.php")]
    ap.rewrites = [*ap.rewrites, f"config {cfg}: database host localhost -> db"]
    write_atomic(hdir / "plan.yaml", dump_model(plan))
    assert run(["generate", "discovery.yaml", "--plan", "plan.yaml"], cwd=hdir)[0] == 0
    rc, stdout, err = run(["extract", "--secrets", "plan.yaml", "--app", app], cwd=hdir)
    assert rc == 0, err
    assert "wp-Harb0ur-db" not in stdout + err
    got = (hdir / "secrets" / app / "files" / "config-shop.php").read_text()
    assert got == WP_CONFIG.replace("define('DB_HOST', 'localhost')", "define('DB_HOST', 'db')")
    assert leaks(out, ("wp-Harb0ur-db",)) == []
