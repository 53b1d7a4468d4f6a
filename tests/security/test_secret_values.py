"""Secret values collected from a host through the Transport's read_files (a fake host here;
the live path is in test_no_secret_leak): process env wins over unit files."""

from __future__ import annotations

import stat

import pytest

from mta.errors import InputError
from mta.model import AppPlan, HostFacts, Plan, SecretRef, Service
from mta.security.secret_values import collect, render_values, write_values


class FakeHost:
    def __init__(self, files):
        self.files, self.asked = files, []

    def read_files(self, paths, *, max_bytes=1 << 20):
        self.asked.append(list(paths))
        return {p: self.files.get(p) for p in paths}


def setup():
    facts = HostFacts(host="h", services=[Service(name="shop.service", unit_path="/etc/systemd/system/shop.service",
                                                  environment={"DB_PASSWORD": "<redacted:secret>"},
                                                  environment_files=["-/etc/default/shop"])])
    app = AppPlan(name="web", stack="django", pids=[41, 42], service="shop.service", secrets=[
        SecretRef(name="web-secrets", key="DB_PASSWORD", source="env"),
        SecretRef(name="web-secrets", key="API_TOKEN", source="env"),
        SecretRef(name="web-secrets", key="UNIT_ONLY", source="env"),
        SecretRef(name="web-files", key="settings.py", source="/srv/shop/settings.py", target="/srv/shop/settings.py"),
    ])
    files = {
        "/etc/systemd/system/shop.service": b'[Service]\nEnvironment="DB_PASSWORD=from unit" UNIT_ONLY=u-1\n',
        "/etc/default/shop": b"API_TOKEN=from-envfile\n",
        "/proc/41/environ": None,  # exited or unreadable: the next pid is used
        "/proc/42/environ": b"DB_PASSWORD=from proc 'q'\0PATH=/bin\0",
        "/srv/shop/settings.py": b'PASSWORD = "file-secret"\n',
    }
    return facts, Plan(host="h", apps=[app]), FakeHost(files)


def test_collect_prefers_the_running_process():
    facts, plan, host = setup()
    values = collect(host, facts, plan)
    assert len(host.asked) == 1  # one round trip
    assert values == {"web-secrets": {"DB_PASSWORD": "from proc 'q'", "API_TOKEN": "from-envfile", "UNIT_ONLY": "u-1"},
                      "web-files": {"settings.py": 'PASSWORD = "file-secret"\n'}}


def test_values_file_is_private_sourceable_and_outside_out(tmp_path):
    facts, plan, host = setup()
    values = collect(host, facts, plan)
    out = tmp_path / "out"
    with pytest.raises(InputError):
        write_values(out / "x.env", "h", values, out)
    path = write_values(tmp_path / "h.env", "h", values, out)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    import subprocess

    got = subprocess.run(["sh", "-c", f'. "{path}"; printf "%s|%s" "$DB_PASSWORD" "$MTA_FILE_settings_py"'],
                         capture_output=True, text=True).stdout
    assert got == "from proc 'q'|" + 'PASSWORD = "file-secret"\n'
    assert "# [web-secrets]" in render_values("h", values)
