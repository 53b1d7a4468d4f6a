"""``--with-secret-values FILE`` on ``mta discover`` over the REAL sshd on
loopback: the gunicorn test service holds secrets in its environment; the
values come back in a 0600 file outside OUT and nowhere under OUT."""

from __future__ import annotations

import contextlib
import io
import stat
import subprocess
from pathlib import Path

import pytest

from mta.cli import main

pytestmark = [pytest.mark.sshd, pytest.mark.services, pytest.mark.timeout(300)]

VALUES = ("not-for-images", "s3cret-pw")


def _run(args, env) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        mp.delenv("SSH_AUTH_SOCK", raising=False)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(args)
    return rc, out.getvalue(), err.getvalue()


def test_discover_over_ssh_writes_values_outside_out(sshd, services, tmp_path):
    out, home = tmp_path / "out", tmp_path / "home"
    home.mkdir()
    env = {**sshd.env, "HOME": str(home)}
    target = ["discover", sshd.target(), *sshd.cli_args(), "-o", str(out), "--sample-seconds", "0.5",
              "--no-http-checks"]

    rc, _, err = _run(target + ["--with-secret-values", str(out / "secrets.env")], env)
    assert rc == 1 and "inside the artifacts tree" in err
    assert not out.exists(), "refused before anything connected or was written"

    secrets = tmp_path / "private" / "secrets.env"
    rc, _, err = _run(target + ["--with-secret-values", str(secrets)], env)
    assert rc == 0, err
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    text = secrets.read_text()
    assert "SECRET_KEY=not-for-images" in text and "s3cret-pw" in text
    sourced = subprocess.run(["sh", "-c", f'. "{secrets}"; printf %s "$SECRET_KEY"'], capture_output=True,
                             text=True, timeout=10)
    assert sourced.stdout == "not-for-images"
    leaks = [(str(p), v) for p in Path(out).rglob("*") if p.is_file() for v in VALUES if v.encode() in p.read_bytes()]
    assert leaks == []


def test_several_targets_get_one_file_each(tmp_path):
    from mta.commands.discover import values_path

    base = tmp_path / "vals.env"
    assert values_path(base, "web1", False) == base
    assert values_path(base, "web1", True) == tmp_path / "vals-web1.env"
