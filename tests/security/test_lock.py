"""Digest pinning from a lock file reaches the Dockerfile FROM lines and backing images."""

from __future__ import annotations

import pytest

from mta.errors import InputError
from mta.pipeline import load_discovery, load_plan
from mta.render import render_host
from mta.security.lock import apply_lock, load_lock

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
