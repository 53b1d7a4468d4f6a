"""The wizard flow in-process: a scripted prompter, a discovery file, and a
stand-in renderer (plan/render are other areas; the real pipeline is used in
test_pty.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from rich.console import Console

from mta.errors import InputError
from mta.plan.answers import load_answers
from mta.plan.defaults import questions_for, resolve_answers
from mta.wizard.flow import Session, Wizard, run_defaults
from mta.wizard.generate import generate

from .scripted import DEFAULT, ScriptedPrompter

DATA = Path(__file__).parent / "data"
DISCOVERY = DATA / "shop01.discovery.yaml"


def fake_renderer(facts, answers, out_root, discovery_path="", source=""):
    host = Path(out_root) / "hosts" / facts.host
    host.mkdir(parents=True)
    (host / "answers.json").write_text(json.dumps(dict(answers), sort_keys=True))
    (host / "compose.yaml").write_text("services: {}\n")


def make(tmp_path, apps, script, **kw):
    console = Console(file=open(os.devnull, "w"), width=120)
    session = Session(out=tmp_path / "out", discovery_path=DISCOVERY, preset=kw.pop("preset", []))
    prompter = ScriptedPrompter(script, **kw)
    wizard = Wizard(prompter, console, session, detector=lambda facts: list(apps), renderer=fake_renderer)
    return wizard, prompter, session


def review_web(action="keep", **over):
    """Script for one app's review with defaults, some answers overridden."""
    s = [("web: what to do", action)]
    if action != "keep":
        return s
    for key, label in (("ports", "ports"), ("configmaps", "config files"), ("volumes", "data volumes"), ("secrets", "secret env")):
        s.append((f"web: {label}", over.get(key, DEFAULT)))
    s += [("web: replicas", over.get("replicas", DEFAULT)), ("web: resource", over.get("resources", DEFAULT))]
    return s


def review_db(action="keep"):
    s = [("db: what to do", action)]
    if action == "keep":
        s += [(f"db: {k}", DEFAULT) for k in ("ports", "config files", "data volumes", "secret env", "replicas", "resource")]
    return s


TARGETS = [("Generate for", DEFAULT), ("namespace", DEFAULT), ("Ingress", DEFAULT), ("base image", DEFAULT)]


def test_full_run_writes_tree_and_answers(tmp_path, apps):
    script = (
        [("Next", "next")]
        + review_web(ports="8080, 8443", replicas="2", volumes="/var/lib/app=5Gi")
        + review_db("skip")
        + [("Next", "next")]
        + TARGETS
        + [("Write the artifacts", "go")]
    )
    wizard, prompter, session = make(tmp_path, apps, script)
    result = wizard.run()
    assert not prompter.script
    out = tmp_path / "out"
    assert result.answers_file == out / "mta-answers.yaml"
    got = resolve_answers(session.facts, apps, answers_path=result.answers_file, full=True)
    # changes are answers; every other decision is there as a commented default
    text = result.answers_file.read_text()
    for q in questions_for(session.facts, apps):
        assert f"  {q.id}:" in text or f"#   {q.id}:" in text, q.id
    assert set(load_answers(result.answers_file)) == {
        "apps.web.ports", "apps.web.replicas", "apps.web.volumes", "apps.db.include"
    }
    assert got["apps.web.ports"] == [8080, 8443]
    assert got["apps.web.replicas"] == 2
    assert got["apps.web.volumes"] == ["/var/lib/app=5Gi"]
    assert got["apps.db.include"] is False
    # the renderer got the file as `mta generate --answers` reads it
    assert json.loads((out / "hosts/shop01/answers.json").read_text()) == load_answers(result.answers_file)
    # nothing but the tree and the answers: no staging left behind
    assert sorted(p.name for p in out.iterdir()) == ["hosts", "mta-answers.yaml"]
    assert "hunter" not in result.answers_file.read_text()


def test_back_keeps_answers(tmp_path, apps):
    script = (
        [("Next", "next")]
        + review_web(replicas="3")
        + review_db()
        + [("Next", "next")]
        + TARGETS
        + [("Write the artifacts", "targets")]  # back to targets
        + [("Generate for", ["targets.compose"]), ("base image", DEFAULT)]
        + [("Write the artifacts", "go")]
    )
    wizard, prompter, session = make(tmp_path, apps, script)
    wizard.run()
    got = load_answers(tmp_path / "out/mta-answers.yaml")
    assert got["targets.kubernetes"] is False and "targets.compose" not in got  # default: commented
    assert got["apps.web.replicas"] == 3
    # the second time round kubernetes was off, so no namespace prompt
    msgs = [m for _, m, _ in prompter.asked]
    assert sum("namespace" in m for m in msgs) == 1


def test_back_from_generate_to_review(tmp_path, apps):
    script = (
        [("Next", "next")]
        + review_web()
        + review_db()
        + [("Next", "next")]
        + TARGETS
        + [("Write the artifacts", "review")]
        + review_web(replicas="2")
        + review_db("skip")
        + [("Next", "next")]
        + TARGETS
        + [("Write the artifacts", "go")]
    )
    wizard, prompter, _ = make(tmp_path, apps, script)
    wizard.run()
    got = load_answers(tmp_path / "out/mta-answers.yaml")
    assert got["apps.web.replicas"] == 2 and got["apps.db.include"] is False


def test_back_from_review_to_summary_offers_previous_answers(tmp_path, apps):
    script = (
        [("Next", "next")]
        + review_web(replicas="4")
        + review_db()
        + [("Next", "back")]  # back to discovery summary
        + [("Next", "next")]
        + review_web()
        + review_db()
        + [("Next", "next")]
        + TARGETS
        + [("Write the artifacts", "go")]
    )
    wizard, prompter, session = make(tmp_path, apps, script)
    wizard.run()
    offered = [d for k, m, d in prompter.asked if "web: replicas" in m]
    assert offered == ["1", "4"]  # the second pass offers the first answer
    assert load_answers(tmp_path / "out/mta-answers.yaml")["apps.web.replicas"] == 4


@pytest.mark.parametrize("at", ["Next", "web: ports", "Generate for", "Write the artifacts"])
def test_ctrl_c_writes_nothing(tmp_path, apps, at):
    script = [("Next", "next")] + review_web() + review_db() + [("Next", "next")] + TARGETS + [("Write the artifacts", "go")]
    idx = next(i for i, (m, _) in enumerate(script) if at in m)
    script = script[:idx] + [(at, KeyboardInterrupt())]
    wizard, _, _ = make(tmp_path, apps, script)
    with pytest.raises(KeyboardInterrupt):
        wizard.run()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_interrupt_during_rendering_leaves_old_tree(tmp_path, facts, apps):
    out = tmp_path / "out"
    generate(facts, apps, {}, out, renderer=fake_renderer)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def half(facts, answers, root, *rest):
        fake_renderer(facts, answers, root)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate(facts, apps, {"targets.swarm": False}, out, renderer=half)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_regenerating_keeps_files_that_are_not_ours(tmp_path, facts, apps):
    out = tmp_path / "out"
    generate(facts, apps, {}, out, renderer=fake_renderer)
    context = out / "hosts/vm1/apps/web/context/app.war"  # what `mta extract` pulled
    context.parent.mkdir(parents=True)
    context.write_bytes(b"war")
    generate(facts, apps, {"targets.swarm": False}, out, renderer=fake_renderer)
    assert context.read_bytes() == b"war"
    assert "targets.swarm: false" in (out / "mta-answers.yaml").read_text()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_preset_answers_are_prompt_defaults(tmp_path, apps):
    preset = [("a.yaml", {"apps.web.replicas": 2}), ("--set", {"apps.web.replicas": "5", "k8s.namespace": "shop"})]
    script = [("Next", "next")] + review_web() + review_db() + [("Next", "next")] + TARGETS + [("Write the artifacts", "go")]
    wizard, prompter, _ = make(tmp_path, apps, script, preset=preset)
    wizard.run()
    offered = {m: d for k, m, d in prompter.asked}
    assert offered["web: replicas"] == "5"
    assert offered["Kubernetes namespace"] == "shop"


def test_unknown_preset_id_is_named(tmp_path, apps):
    wizard, _, _ = make(tmp_path, apps, [], preset=[("a.yaml", {"apps.web.replica": 2})])
    with pytest.raises(InputError, match=r"a.yaml: unknown question id 'apps.web.replica'"):
        wizard.run()


def test_defaults_runs_without_prompts(tmp_path, apps, monkeypatch):
    monkeypatch.setattr("mta.wizard.load.detect", lambda facts: list(apps))
    console = Console(file=open(os.devnull, "w"))
    session = Session(out=tmp_path / "out", discovery_path=DISCOVERY, preset=[("--set", {"targets.swarm": "false"})])
    result = run_defaults(console, session, renderer=fake_renderer)
    got = load_answers(result.answers_file)
    assert got == {"targets.swarm": False}
    assert "#   apps.web.ports: [8080]" in result.answers_file.read_text()


def test_back_to_connection_rediscovers_and_keeps_answers(tmp_path, apps):
    from mta.wizard.load import load_facts

    calls = {"connect": 0, "discover": 0}

    def connector(p, c, session):
        calls["connect"] += 1
        session.connection = {"host": "shop01", "user": "ops", "auth": "agent"}

    def discoverer(session):
        calls["discover"] += 1
        return load_facts(DISCOVERY)

    script = (
        [("Next", "next")]
        + review_web(replicas="3")
        + review_db()
        + [("Next", "back")]  # review -> discovery
        + [("Next", "back")]  # discovery -> connection
        + [("Next", "next")]
        + review_web()
        + review_db()
        + [("Next", "next")]
        + TARGETS
        + [("Write the artifacts", "go")]
    )
    console = Console(file=open(os.devnull, "w"), width=120)
    session = Session(out=tmp_path / "out")
    prompter = ScriptedPrompter(script)
    wizard = Wizard(
        prompter, console, session, connector=connector, discoverer=discoverer,
        detector=lambda facts: list(apps), renderer=fake_renderer,
    )
    result = wizard.run()
    assert calls == {"connect": 2, "discover": 2}
    offered = [d for k, m, d in prompter.asked if "web: replicas" in m]
    assert offered == ["1", "3"]
    text = result.answers_file.read_text()
    assert "connection:" in text and "user: ops" in text


# -- the review respects the user's time ------------------------------------


def test_back_inside_the_review_returns_to_the_previous_app(tmp_path, apps):
    script = (
        [("Next", "next")]
        + review_web(replicas="2")
        + [("db: what to do", "back")]  # back to web, its answers offered again
        + review_web(replicas=DEFAULT)
        + review_db("skip")
        + [("Next", "next")]
        + TARGETS
        + [("Write the artifacts", "go")]
    )
    wizard, prompter, _ = make(tmp_path, apps, script)
    wizard.run()
    offered = [d for k, m, d in prompter.asked if "web: replicas" in m]
    assert offered == ["1", "2"]
    got = load_answers(tmp_path / "out/mta-answers.yaml")
    assert got["apps.web.replicas"] == 2 and got["apps.db.include"] is False
    # the first app's Back leaves the review for the discovery summary
    script = [("Next", "next"), ("web: what to do", "back"), ("Next", KeyboardInterrupt())]
    wizard, prompter, _ = make(tmp_path, apps, script)
    with pytest.raises(KeyboardInterrupt):
        wizard.run()
    assert [m for _, m, _ in prompter.asked] == ["Next", "web: what to do", "Next"]


class Recording(ScriptedPrompter):
    """Also keeps the choices each select offered."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.offered: dict[str, list] = {}

    def select(self, message, choices, default=None, instruction=""):
        self.offered[message] = [c[1] for c in choices]
        return super().select(message, choices, default, instruction)

    def checkbox(self, message, choices, instruction=""):
        self.offered[message] = [(c[1], bool(c[2])) for c in choices]
        return super().checkbox(message, choices, instruction)


def test_merge_offers_only_apps_still_kept_and_base_is_asked_once(tmp_path, apps):
    script = [("Next", "next"), ("web: what to do", "skip"), ("db: what to do", "keep")]
    script += [(f"db: {k}", DEFAULT) for k in ("ports", "config files", "data volumes", "secret env", "replicas",
                                               "resource")]
    script += [("Next", "next")] + TARGETS + [("Write the artifacts", "go")]
    console = Console(file=open(os.devnull, "w"), width=120)
    session = Session(out=tmp_path / "out", discovery_path=DISCOVERY)
    prompter = Recording(script)
    Wizard(prompter, console, session, detector=lambda facts: list(apps), renderer=fake_renderer).run()
    assert "merge:db" in prompter.offered["web: what to do"]
    assert "merge:web" not in prompter.offered["db: what to do"]  # web was skipped
    msgs = [m for _, m, _ in prompter.asked]
    assert sum("base image" in m for m in msgs) == 1  # one question for the host, none per app


def test_secret_names_most_likely_first_and_preselected(facts):
    from mta.model import App, EnvVar

    app = App(name="api", stack="node", env=[
        EnvVar(name="LANG", value="C"), EnvVar(name="API_TOKEN", secret="s1"), EnvVar(name="HOME", value="/srv"),
        EnvVar(name="SMTP_PASS_FILE", value="/etc/x"), EnvVar(name="DB_PASSWORD", secret="s2")])
    q = next(q for q in questions_for(facts, [app]) if q.id == "apps.api.secrets")
    assert set(q.default) == {"API_TOKEN", "DB_PASSWORD"}
    assert list(q.choices[:2]) == q.default  # the likely ones lead, checked
    assert list(q.choices[2:]) == ["SMTP_PASS_FILE", "HOME", "LANG"]  # sounding secret, then the rest


def test_summary_before_generate_and_edit_goes_back(tmp_path, apps):
    out_file = tmp_path / "screen.txt"
    console = Console(file=open(out_file, "w"), width=160)
    session = Session(out=tmp_path / "out", discovery_path=DISCOVERY)
    script = (
        [("Next", "next")] + review_web() + review_db("skip") + [("Next", "next")] + TARGETS
        + [("Write the artifacts", "review")] + review_web(replicas="3") + review_db("skip")
        + [("Next", "next")] + TARGETS + [("Write the artifacts", "go")]
    )
    called = []
    wizard = Wizard(ScriptedPrompter(script), console, session, detector=lambda facts: list(apps),
                    renderer=fake_renderer, after=lambda p, c, s, r: called.append(r))
    result = wizard.run()
    console.file.close()
    screen = out_file.read_text()
    assert screen.count("Your choices") == 2
    assert "skipped (stays on the VM)" in screen and "its own container" in screen
    assert called == [result]  # the after-generate offers get the result


def test_rename_an_app_in_the_review(tmp_path, apps):
    script = (
        [("Next", "next"), ("web: what to do", "rename"), ("web: name", "shop")]
        + review_web(replicas="2")
        + review_db()
        + [("Next", "next")] + TARGETS + [("Write the artifacts", "go")]
    )
    wizard, prompter, _ = make(tmp_path, apps, script)
    wizard.run()
    got = load_answers(tmp_path / "out/mta-answers.yaml")
    assert got["apps.web.name"] == "shop" and got["apps.web.replicas"] == 2  # ids stay the detected name


def test_a_renamed_app_keeps_its_answers_in_the_plan(tmp_path, capsys):
    import yaml

    from mta.cli import main

    sample = Path(__file__).resolve().parents[2] / "samples" / "centos7-tomcat" / "discovery.yaml"
    out = tmp_path / "out"
    assert main(["generate", str(sample), "-o", str(out), "--set", "apps.tomcat.name=inventory",
                 "--set", "apps.tomcat.replicas=3", "--set", "apps.db.merge_into=tomcat"]) == 0, capsys.readouterr().err
    plan = yaml.safe_load(next(out.glob("hosts/*/plan.yaml")).read_text())
    names = [a["name"] for a in plan["apps"]]
    assert "inventory" in names and "tomcat" not in names
    app = next(a for a in plan["apps"] if a["name"] == "inventory")
    assert app["replicas"] == 3
    db = next(a for a in plan["apps"] if a["name"] == "db")
    assert db["include"] is False and "merged into inventory" in db["notes"]
    assert main(["generate", str(sample), "-o", str(out), "--set", "apps.tomcat.name=db"]) == 1
    assert "two apps would be named 'db'" in capsys.readouterr().err
