"""What render_security adds, and the targets that switch it off."""

from __future__ import annotations

import yaml

from mta.pipeline import load_discovery, load_plan
from mta.render import render_host
from mta.render.security.falco_check import check_rules


def load(generated, name):
    host = generated / "hosts" / name
    return load_discovery(host / "discovery.yaml"), load_plan(host / "plan.yaml")


def test_all_security_files_by_default(generated):
    facts, plan = load(generated, "ubuntu1604-django")
    files = render_host(facts, plan)
    for path in ("sbom.cdx.json", "security/falco-rules.yaml", "security/README.md",
                 "security/ci/github-actions.yml", "k8s/web-networkpolicy.yaml"):
        assert path in files, path
    ci = yaml.safe_load(files["security/ci/github-actions.yml"])
    steps = [s.get("uses", s.get("run", "")) for s in ci["jobs"]["images"]["steps"]]
    assert any(s.startswith("anchore/scan-action@") for s in steps)
    assert any(s.startswith("cosign sign") for s in steps)
    assert ci["permissions"]["id-token"] == "write"  # keyless signing


def test_targets_switch_outputs_off(generated):
    facts, plan = load(generated, "ubuntu1604-django")
    plan.targets.security = False
    plan.targets.sbom = False
    files = render_host(facts, plan)
    assert not any(p.startswith("security/") or p == "sbom.cdx.json" or p.endswith("-networkpolicy.yaml")
                   for p in files)
    dep = yaml.safe_load(next(t.split("\n", 1)[1] for p, t in files.items() if p == "k8s/web-deployment.yaml"))
    assert dep["spec"]["template"]["spec"]["automountServiceAccountToken"] is False  # hardening stays


def test_odd_host_names_stay_valid(generated):
    facts, plan = load(generated, "centos7-tomcat")
    odd = 'db "prod" #1: a/b'
    facts = facts.model_copy(update={"host": odd})
    plan = plan.model_copy(update={"host": odd})
    files = render_host(facts, plan)
    assert check_rules(yaml.safe_load(files["security/falco-rules.yaml"])) == []
    ci = yaml.safe_load(files["security/ci/github-actions.yml"])
    assert ci["on"]["push"]["paths"] == ["hosts/db_prod_1_a_b/**"]
