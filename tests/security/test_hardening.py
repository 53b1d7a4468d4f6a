"""Hardened output: Pod Security 'restricted' and more in every pod, NetworkPolicies
from observed traffic, compose rule set, and checkov with zero failed checks."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml

from mta.pipeline import load_plan
from mta.render.security.hardening import write_plan

from .compose_rules import check_compose
from .conftest import SAMPLES


def objects(generated, name):
    k8s = generated / "hosts" / name / "k8s"
    if not k8s.is_dir():
        return {}
    return {p.name: yaml.safe_load(p.read_text()) for p in sorted(k8s.glob("*.yaml")) if p.name != "kustomization.yaml"}


def pod_specs(obj):
    kind = obj["kind"]
    if kind in ("Deployment", "StatefulSet"):
        yield obj["spec"]["template"]["spec"]
    elif kind == "CronJob":
        yield obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]


@pytest.mark.parametrize("name", SAMPLES)
def test_pods_meet_restricted_and_more(generated, name):
    plan = load_plan(generated / "hosts" / name / "plan.yaml")
    for fname, obj in objects(generated, name).items():
        skips = " ".join((obj["metadata"].get("annotations") or {}).values())
        for pod in pod_specs(obj):
            assert pod["automountServiceAccountToken"] is False, fname
            psc = pod["securityContext"]
            assert psc["runAsNonRoot"] is True and psc["runAsUser"] > 0 and psc["runAsGroup"] > 0, fname
            assert psc["seccompProfile"] == {"type": "RuntimeDefault"}, fname
            mounts_of = {v["name"]: v for v in pod.get("volumes", [])}
            for c in pod["containers"]:
                sc = c["securityContext"]
                assert sc["allowPrivilegeEscalation"] is False and sc["runAsNonRoot"] is True, fname
                assert sc["capabilities"]["drop"] == ["ALL"], fname
                assert set(sc["capabilities"].get("add", [])) <= {"NET_BIND_SERVICE"}, fname
                assert sc["runAsUser"] > 0 and sc["runAsGroup"] > 0, fname
                assert c["resources"]["requests"]["memory"] and c["resources"]["limits"]["memory"], fname
                assert sc["readOnlyRootFilesystem"] or "CKV_K8S_22=" in skips, fname
                app = plan.app(obj["metadata"]["labels"]["app.kubernetes.io/name"])
                if sc["readOnlyRootFilesystem"]:
                    empty = {m["mountPath"] for m in c.get("volumeMounts", []) if "emptyDir" in mounts_of.get(m["name"], {})}
                    assert empty == set(write_plan(app).paths), fname
                if obj["kind"] != "CronJob":
                    assert c.get("readinessProbe") or "CKV_K8S_9=no probe" in skips, fname


@pytest.mark.parametrize("name", SAMPLES)
def test_compose_rule_set_passes(generated, name):
    path = generated / "hosts" / name / "compose.yaml"
    if not path.exists():
        pytest.skip("no compose file for a host without apps")
    failed, skipped = check_compose(yaml.safe_load(path.read_text()))
    assert failed == []
    assert all(": " in s for s in skipped)


def test_compose_rules_catch_problems():
    bad = {"services": {"x": {"image": "a:1", "privileged": True, "user": "0", "cap_add": ["SYS_ADMIN"],
                              "environment": {"DB_PASSWORD": "hunter2"},
                              "volumes": ["/var/run/docker.sock:/var/run/docker.sock"],
                              "labels": {"io.mta.skip.MTA-C8": ""}}}}
    failed, _ = check_compose(bad)
    assert {f.split()[1] for f in failed} == {f"MTA-C{i}" for i in range(1, 10)}


def test_tomcat_keeps_a_writable_root_and_says_why(generated):
    plan = load_plan(generated / "hosts" / "centos7-tomcat" / "plan.yaml")
    wp = write_plan(plan.app("tomcat"))
    assert not wp.read_only and "webapps" in wp.reason
    dep = objects(generated, "centos7-tomcat")["tomcat-deployment.yaml"]
    assert "webapps" in " ".join(dep["metadata"]["annotations"].values())
    compose = yaml.safe_load((generated / "hosts" / "centos7-tomcat" / "compose.yaml").read_text())
    assert "webapps" in compose["services"]["tomcat"]["labels"]["io.mta.skip.MTA-C8"]
    assert compose["services"]["db"]["read_only"] is True
    assert compose["services"]["db"]["tmpfs"] == ["/tmp", "/var/run/mysqld"]


def test_django_web_is_read_only_with_its_write_paths(generated):
    plan = load_plan(generated / "hosts" / "ubuntu1604-django" / "plan.yaml")
    wp = write_plan(plan.app("web"))
    assert wp.read_only and "/tmp" in wp.paths and "/var/log/shop" in wp.paths
    assert "/srv/shop/media" not in wp.paths  # a volume already


def test_network_policies_follow_observed_traffic(generated):
    objs = objects(generated, "centos7-tomcat")
    tomcat = objs["tomcat-networkpolicy.yaml"]["spec"]
    assert tomcat["policyTypes"] == ["Ingress", "Egress"]
    assert [p["port"] for p in tomcat["ingress"][0]["ports"]] == [8009, 8080]
    egress = tomcat["egress"]
    assert {"port": 53, "protocol": "UDP"} in egress[0]["ports"]
    to_db = [e for e in egress if e.get("to", [{}])[0].get("podSelector", {}).get("matchLabels", {})
             .get("app.kubernetes.io/name") == "db"]
    assert to_db and to_db[0]["ports"] == [{"port": 3306, "protocol": "TCP"}]
    db = objs["db-networkpolicy.yaml"]["spec"]
    assert db["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/instance"] == "centos7-tomcat"
    assert len(db["egress"]) == 1  # DNS only: the database talked to nobody
    spring = objects(generated, "rhel8-springboot")["orders-service-networkpolicy.yaml"]["spec"]["egress"]
    assert {"to": [{"ipBlock": {"cidr": "10.20.0.15/32"}}], "ports": [{"port": 5432, "protocol": "TCP"}]} in spring


@pytest.mark.parametrize("name", SAMPLES)
def test_kustomization_lists_policies_and_manifests_validate(generated, name, request):
    k8s = generated / "hosts" / name / "k8s"
    if not k8s.is_dir():
        pytest.skip("no k8s for a host without apps")
    kust = yaml.safe_load((k8s / "kustomization.yaml").read_text())
    policies = sorted(p.name for p in k8s.glob("*-networkpolicy.yaml"))
    assert policies and set(policies) <= set(kust["resources"])
    from tests.support.validators import kube_validate

    assert kube_validate(sorted(k8s.glob("*.yaml"))) == []


def test_checkov_finds_no_failed_check(generated, checkov):
    """checkov (Kubernetes + Dockerfile) over every sample: 0 failed; each skip carries a reason."""
    proc = subprocess.run([checkov, "-d", str(generated / "hosts"), "--framework", "kubernetes", "dockerfile",
                           "--skip-download", "--compact", "-o", "json"],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"})
    reports = json.loads(proc.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed = [f"{f['check_id']} {f['file_path']}" for r in reports for f in r["results"]["failed_checks"]]
    assert failed == []
    assert {r["check_type"] for r in reports} == {"kubernetes", "dockerfile"}
    assert sum(r["summary"]["passed"] for r in reports) > 1000
    for r in reports:
        for s in r["results"]["skipped_checks"]:
            assert len((s.get("check_result") or {}).get("suppress_comment", "")) > 10, s["check_id"]
