"""Fixtures of the SSH suite: non-root users with awkward sudo rules.

``sudo_users`` creates (as root, for the session) three local users that the
test key may log in as through the ``sshd`` fixture:

- ``mtapw``: ``sudo`` requires a password (``mtapw ALL=(ALL) ALL``); its login
  password is ``MTAPW_PASSWORD`` (for password-authentication tests);
- ``mtatty``: ``Defaults:mtatty requiretty`` with a NOPASSWD rule;
- ``mtaok``: a plain NOPASSWD rule (sudo works).

Both, and their sudoers drop-in, are removed at the end.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.sshd import unavailable

SUDOERS = Path("/etc/sudoers.d/mta-test-users")
USERS = ("mtapw", "mtatty", "mtaok")
#: mtapw's login password, for the password-authentication tests
MTAPW_PASSWORD = "mta-test-pw"


@pytest.fixture(scope="session")
def sudo_users():
    if os.geteuid() != 0:
        unavailable("creating test users needs root")
    if not shutil.which("sudo") or not shutil.which("useradd"):
        unavailable("sudo and useradd are needed (apt-get install sudo passwd)")
    created = []
    for user in USERS:
        try:
            pwd.getpwnam(user)
        except KeyError:
            subprocess.run(["useradd", "-m", "-s", "/bin/sh", user], check=True, capture_output=True)
            created.append(user)
        # "*": no password, yet not locked, so sshd accepts key logins without PAM
        subprocess.run(["usermod", "-p", "*", user], check=True, capture_output=True)
    subprocess.run(["chpasswd"], input=f"mtapw:{MTAPW_PASSWORD}\n", text=True, check=True, capture_output=True)
    SUDOERS.write_text(
        "# mta test suite; removed when the suite ends\n"
        "mtapw ALL=(ALL) ALL\n"
        "Defaults:mtatty requiretty\n"
        "mtatty ALL=(ALL) NOPASSWD: ALL\n"
        "mtaok ALL=(ALL) NOPASSWD: ALL\n"
    )
    os.chmod(SUDOERS, 0o440)
    check = subprocess.run(["visudo", "-c", "-f", str(SUDOERS)], capture_output=True, text=True)
    if check.returncode != 0:
        SUDOERS.unlink()
        pytest.fail(f"sudoers drop-in rejected: {check.stdout} {check.stderr}")
    try:
        yield USERS
    finally:
        SUDOERS.unlink(missing_ok=True)
        for user in created:
            subprocess.run(["userdel", "-r", user], capture_output=True)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Keep the user's ~/.ssh (config, known_hosts, keys, agent) out of every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var in ("SSH_AUTH_SOCK", "MTA_SSH_PASSWORD", "MTA_SSH_KEY_PASSPHRASE", "MTA_SSH_CONFIG", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(home / "mta_known_hosts"))
    return home
