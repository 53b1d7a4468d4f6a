"""Every generated artifact passes the real validators: hadolint (no error or
warning), kubernetes-validate --strict, kubectl kustomize, docker-compose
config + Compose Spec."""

from __future__ import annotations

import pytest

from mta.plan.recipes.backing import backing_kind

from .cases import CASES, render_case, write

BASES = ["official", "debian"]


@pytest.fixture(scope="module", params=[(c, b) for c in CASES for b in BASES], ids=lambda p: f"{p[0]}-{p[1]}")
def generated(request, tmp_path_factory):
    name, base = request.param
    plan, files = render_case(name, base)
    return plan, write(files, tmp_path_factory.mktemp(f"{name}-{base}"))


def test_dockerfiles_pass_hadolint(generated, validators):
    plan, root = generated
    dockerfiles = sorted(root.glob("apps/*/Dockerfile"))
    built = [a for a in plan.apps if a.include and a.build]
    assert len(dockerfiles) == len(built)
    problems = {str(p.relative_to(root)): validators.hadolint(p) for p in dockerfiles}
    assert not {k: v for k, v in problems.items() if v}


def test_k8s_manifests_validate_strictly(generated, validators):
    plan, root = generated
    manifests = sorted(root.glob("k8s/*.yaml"))
    if not any(a.include for a in plan.apps):
        assert not manifests
        return
    assert (root / "k8s" / "kustomization.yaml").exists()
    assert validators.kube_validate(manifests) == []


def _secret_refs(obj: dict) -> set[tuple[str, str]]:
    """(secret name, key) pairs a pod spec reads; key '' for a whole-Secret volume."""
    refs = set()
    for pod in _pod_specs(obj):
        for c in pod.get("containers", []):
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    refs.add((ref["name"], ref["key"]))
            for m in c.get("volumeMounts", []):
                vol = next((v for v in pod.get("volumes", []) if v["name"] == m["name"]), {})  # or a claim template
                if "secret" in vol:
                    refs.add((vol["secret"]["secretName"], m.get("subPath", "")))
    return refs


def test_kustomize_builds_k8s_and_the_secrets_in_the_namespace(generated, validators):
    import yaml

    plan, root = generated
    if not (root / "k8s").is_dir():
        assert not any(a.include for a in plan.apps)
        return
    ns = plan.targets.namespace
    problems, objs = validators.kustomize(root / "k8s")
    assert problems == []
    listed = [yaml.safe_load(p.read_text()) for p in sorted((root / "k8s").glob("*.yaml"))
              if p.name != "kustomization.yaml"]
    placeholders = {o["metadata"]["name"]: o for o in listed if o["kind"] == "Secret"}
    assert len(objs) == len(listed) - len(placeholders) and all(o["metadata"]["namespace"] == ns for o in objs)
    assert all(o["metadata"]["namespace"] == ns for o in placeholders.values())  # kubectl apply -f lands there too

    # The host folder's kustomization: k8s/ plus Secrets from the files compose reads.
    kust = yaml.safe_load((root / "kustomization.yaml").read_text())
    assert kust["resources"] == ["k8s"] and kust["namespace"] == ns
    for gen in kust.get("secretGenerator", []):
        for spec in gen["files"]:
            path = root / spec.split("=", 1)[1]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"value of {spec}\n")
    compose = yaml.safe_load((root / "compose.yaml").read_text())
    compose_files = {s["file"].removeprefix("./") for s in (compose.get("secrets") or {}).values()}
    assert {spec.split("=", 1)[1] for g in kust.get("secretGenerator", []) for spec in g["files"]} <= compose_files
    problems, full = validators.kustomize(root)
    assert problems == []
    assert all(o["metadata"]["namespace"] == ns for o in full)
    made = {o["metadata"]["name"]: o for o in full if o["kind"] == "Secret"}
    assert {n: sorted(o["data"]) for n, o in made.items()} == {
        n: sorted(o["stringData"]) for n, o in placeholders.items()}
    for obj in full:
        for name, key in _secret_refs(obj):
            assert name in made and (key == "" or key in made[name]["data"]), (obj["metadata"]["name"], name, key)


def test_compose_validates(generated, validators):
    plan, root = generated
    if not any(a.include for a in plan.apps):
        assert not (root / "compose.yaml").exists()
        return
    assert validators.compose_validate(root / "compose.yaml") == []


def test_no_latest_and_non_root(generated):
    plan, root = generated
    for df in root.glob("apps/*/Dockerfile"):
        text = df.read_text()
        froms = [line.split()[1] for line in text.splitlines() if line.startswith("FROM ")]
        assert froms and all(":" in f and not f.endswith(":latest") for f in froms), froms
        users = [line for line in text.splitlines() if line.startswith("USER ")]
        app = plan.app(df.parent.name)
        # backing services built from Debian run as the official image's uid (999), owner of the data
        assert users[-1] == f"USER {app.run_as_user}" and app.run_as_user == (999 if backing_kind(app) else 10001)
        assert any(line.startswith(("CMD [", "# No CMD")) for line in text.splitlines())
        assert "HEALTHCHECK" in text  # the instruction or a comment giving the reason
    for a in plan.apps:
        assert a.image and not a.image.endswith(":latest") and ":" in a.image


def _pod_specs(obj: dict) -> list[dict]:
    kind = obj.get("kind")
    if kind in ("Deployment", "StatefulSet"):
        return [obj["spec"]["template"]["spec"]]
    if kind == "CronJob":
        return [obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]]
    return []


def test_pods_meet_restricted_profile(generated):
    import yaml

    plan, root = generated
    pods = [p for f in root.glob("k8s/*.yaml") for p in _pod_specs(yaml.safe_load(f.read_text()))]
    assert bool(pods) == any(a.include for a in plan.apps)
    for pod in pods:
        psc = pod["securityContext"]
        assert psc["runAsNonRoot"] is True and psc["seccompProfile"]["type"] == "RuntimeDefault"
        for c in pod["containers"]:
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False and sc["capabilities"]["drop"] == ["ALL"]
            assert sc["runAsUser"] != 0 and sc["runAsNonRoot"] is True
            assert c["resources"]["requests"]["memory"] and c["resources"]["limits"]["memory"]
            assert not c["image"].endswith(":latest")
