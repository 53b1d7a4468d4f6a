"""End to end on three legacy "VMs": discover over SSH, generate (--base debian),
extract, verify; the migrated app must answer like the original: same status,
same title, and a data round trip through its store.

  (a) tomcat: a WAR (servlet + JSP) on Debian's Tomcat 10
  (b) flask:  Flask on gunicorn behind nginx, notes in Redis
  (c) php:    PHP on Apache (mod_php) with MariaDB
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import yaml

from mta.cli import cli, main

from ..support.podman import RUNTIME
from .legacy import STACKS, ensure_standins, http, remove_by_label, ssh_keypair, start_vm

pytestmark = [pytest.mark.podman, pytest.mark.timeout(1500)]


def _tomcat_roundtrip(hostport: str, token: str) -> None:
    r = http("POST", hostport, "/api/items", {"name": token})
    assert r is not None and r.status == 201, r and r.body[:300]
    got = http("GET", hostport, "/api/items")
    assert got is not None and token in got.body
    page = http("GET", hostport, "/")
    assert token in page.body


def _flask_roundtrip(hostport: str, token: str) -> None:
    r = http("POST", hostport, "/notes", {"text": token})
    assert r is not None and r.status == 303, r and r.body[:300]
    got = http("GET", hostport, "/api/notes")
    assert got is not None and token in json.loads(got.body)["notes"]


def _php_roundtrip(hostport: str, token: str) -> None:
    r = http("POST", hostport, "/", {"name": token})
    assert r is not None and r.status == 303, r and r.body[:300]
    got = http("GET", hostport, "/")
    assert got is not None and token in got.body


ROUNDTRIP = {"tomcat": _tomcat_roundtrip, "flask": _flask_roundtrip, "php": _php_roundtrip}


@pytest.fixture(scope="module")
def keypair(tmp_path_factory, podman):
    return ssh_keypair(tmp_path_factory.mktemp("e2e-key"))


def _cli(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    cap = capsys.readouterr()
    return code, cap.out + cap.err


def _step(name: str, code: int, out: str, ok=(0,)) -> None:
    assert code in ok, f"`mta {name}` exited {code}:\n{out[-4000:]}"


@pytest.mark.parametrize("kind", list(STACKS))
def test_legacy_vm_migrates(kind, keypair, tmp_path, capsys, monkeypatch):
    key, pubkey = keypair
    app_port, path, title, _ = STACKS[kind]
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(tmp_path / "known_hosts"))
    monkeypatch.setenv("MTA_SSH_CONFIG", "")
    missing = [c for c in ("discover", "generate", "extract", "verify") if c not in cli.commands]
    assert not missing, f"blocked: mta {', '.join(missing)} not available yet"

    vm = start_vm(kind, pubkey)
    out = tmp_path / "out"
    try:
        before = http("GET", vm.app, path)
        assert before is not None and (before.status, before.title) == (200, title)
        token = f"e2e-{uuid.uuid4().hex[:8]}"
        ROUNDTRIP[kind](vm.app, token + "-vm")

        code, log = _cli(capsys, "discover", "root@127.0.0.1", "-p", str(vm.ssh_port), "-i", str(key),
                         "--accept-new-host-key", "--sample-seconds", "0.5", "-o", str(out))
        _step("discover", code, log)
        hosts = sorted((out / "hosts").iterdir())
        assert len(hosts) == 1, hosts
        hdir = hosts[0]

        code, log = _cli(capsys, "generate", str(hdir / "discovery.yaml"), "-o", str(out), "--base", "debian")
        _step("generate", code, log)
        assert (hdir / "compose.yaml").is_file() and (hdir / "plan.yaml").is_file(), log

        code, log = _cli(capsys, "extract", str(hdir / "plan.yaml"), "root@127.0.0.1", "-p", str(vm.ssh_port),
                         "-i", str(key))
        _step("extract", code, log)

        compose = yaml.safe_load((hdir / "compose.yaml").read_text())
        official = [s["image"] for s in compose["services"].values() if "build" not in s and s.get("image")]
        problems = ensure_standins(official)
        assert not problems, f"backing images unavailable: {problems}"

        code, log = _cli(capsys, "verify", str(hdir), "--runtime", RUNTIME, "--keep", "--timeout", "240")
        report = json.loads((hdir / "verify.json").read_text())
        run_label = f"io.mta.verify={report['hosts'][0]['run_id']}"
        try:
            _step("verify", code, log)
            services = report["hosts"][0]["services"]
            candidates = [s for s in services if s["role"] == "app" and s["endpoints"]]
            # Prefer the service listening where the VM's app did (nginx:80 over gunicorn:8000).
            candidates.sort(key=lambda s: str(app_port) not in s["endpoints"])
            failures = []
            for svc in candidates:
                for cport, hostport in svc["endpoints"].items():
                    after = http("GET", hostport, path)
                    if after is None or (after.status, after.title) != (before.status, before.title):
                        failures.append(f"{svc['name']}:{cport} answered {after and (after.status, after.title)}")
                        continue
                    try:
                        ROUNDTRIP[kind](hostport, token + "-container")
                    except AssertionError as exc:
                        failures.append(f"{svc['name']}:{cport} round trip failed: {exc}")
                        continue
                    return  # migrated app answers like the original, data goes through its store
            pytest.fail(
                f"no migrated service answers like the VM ({before.status}, {before.title!r}): {failures}\n{log[-3000:]}"
            )
        finally:
            remove_by_label(run_label)
    finally:
        vm.stop()
