"""Digest pinning from a lock file reaches the Dockerfile FROM lines and backing images."""

from __future__ import annotations

import pytest

from mta.errors import InputError
from mta.pipeline import load_discovery, load_plan
from mta.render import render_host
from mta.plan.security.lock import apply_lock, load_lock

D1, D2 = "sha256:" + "a" * 64, "sha256:" + "b" * 64


def test_lock_pins_base_and_backing_images(generated, tmp_path):
    host = generated / "hosts" / "centos7-tomcat"
    facts, plan = load_discovery(host / "discovery.yaml"), load_plan(host / "plan.yaml")
    lock = tmp_path / "images.lock.yaml"
    lock.write_text(f"images:\n  {plan.app('tomcat').build.base_image}: {D1}\n  docker.io/library/mysql:5.7: {D2}\n")
    pinned, missing = apply_lock(plan, load_lock(lock))
    assert missing == []
    files = render_host(facts, pinned)
    assert f"FROM {plan.app('tomcat').build.base_image}@{D1}" in files["apps/tomcat/Dockerfile"]
    assert f"image: mysql:5.7@{D2}" in files["k8s/db-statefulset.yaml"]
    assert "CKV_K8S_43" not in files["k8s/db-statefulset.yaml"]  # digest: nothing left to waive
    assert f"mysql:5.7@{D2}" in files["compose.yaml"]


def test_missing_entries_are_listed(generated, tmp_path):
    plan = load_plan(generated / "hosts" / "centos7-tomcat" / "plan.yaml")
    lock = tmp_path / "l.json"
    lock.write_text('{"mysql:5.7": "%s"}' % D2)
    _, missing = apply_lock(plan, load_lock(lock))
    assert missing == [plan.app("tomcat").build.base_image]


@pytest.mark.parametrize("text", ["images: [a]", "images:\n  a:1: latest\n", "images:\n  a:1: sha256:abc\n"])
def test_bad_lock_files(tmp_path, text):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    with pytest.raises(InputError):
        load_lock(p)


def test_generate_cli_lock_pins_and_warns(tmp_path, capsys):
    """``mta generate --lock``: the FROM line carries the digest; images the lock lacks are named on stderr."""
    from pathlib import Path

    from mta.cli import main

    sample = Path(__file__).resolve().parents[2] / "samples" / "centos7-tomcat" / "discovery.yaml"
    out = tmp_path / "out"
    assert main(["generate", str(sample), "-o", str(out)]) == 0
    plan = load_plan(out / "hosts" / "centos7-tomcat" / "plan.yaml")
    base = plan.app("tomcat").build.base_image
    capsys.readouterr()

    lock = tmp_path / "images.lock.yaml"
    lock.write_text(f"images:\n  {base}: {D1}\n")
    locked = tmp_path / "locked"
    assert main(["generate", str(sample), "-o", str(locked), "--lock", str(lock)]) == 0
    err = capsys.readouterr().err
    host = locked / "hosts" / "centos7-tomcat"
    assert f"FROM {base}@{D1}" in (host / "apps" / "tomcat" / "Dockerfile").read_text()
    assert load_plan(host / "plan.yaml").app("tomcat").build.base_image == f"{base}@{D1}"
    assert "mysql:5.7" in err and "no digest" in err and base not in err

    # an edited plan is pinned the same way
    replan = tmp_path / "replan"
    assert main(["generate", str(sample), "-o", str(replan), "--plan", str(out / "hosts" / "centos7-tomcat" / "plan.yaml"),
                 "--lock", str(lock)]) == 0
    assert f"@{D1}" in (replan / "hosts" / "centos7-tomcat" / "apps" / "tomcat" / "Dockerfile").read_text()

    bad = tmp_path / "bad.lock.yaml"
    bad.write_text("images:\n  mysql:5.7: latest\n")
    broken = tmp_path / "broken"
    assert main(["generate", str(sample), "-o", str(broken), "--lock", str(bad)]) == 1
    assert "images.mysql:5.7" in capsys.readouterr().err and not broken.exists()
