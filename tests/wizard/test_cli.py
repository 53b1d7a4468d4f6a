"""``mta questions`` and the parts of ``mta wizard`` that need no terminal, in-process."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from mta.cli import main
from mta.model import App, Evidence, EnvVar, PortSpec
from mta.model.estimate import RightsizingSettings
from mta.plan import make_plan
from mta.plan.answers import builtin_defaults
from mta.plan.defaults import questions_for
from mta.plan.resources import DEFAULT_STRATEGY
from mta.wizard import summary
from mta.wizard.connect import ssh_aliases
from mta.wizard.load import detect, load_facts

DISCOVERY = Path(__file__).parent / "data" / "shop01.discovery.yaml"


def test_questions_table_without_discovery(capsys):
    assert main(["questions"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["ID", "TYPE", "DEFAULT", "CHOICES"]
    assert "apps.<app>.ports" in out and "list[int]" in out
    assert "targets.kubernetes" in out


def test_questions_json_with_discovery(capsys):
    assert main(["questions", "--discovery", str(DISCOVERY), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["host"] == "shop01"
    ids = [q["id"] for q in doc["questions"]]
    assert ids[0] == "base" and "k8s.namespace" in ids
    for q in doc["questions"]:
        assert set(q) == {"id", "type", "default", "choices", "help"}


def test_one_resource_strategy_default_everywhere(capsys):
    """`mta questions` (with and without a discovery), the wizard's question and a plan made with
    no answer agree on the resource strategy: the estimate's default, defined once."""
    assert DEFAULT_STRATEGY == RightsizingSettings().strategy == "p95"
    assert main(["questions", "--format", "json"]) == 0
    bare = {q["id"]: q["default"] for q in json.loads(capsys.readouterr().out)["questions"]}
    assert bare["apps.<app>.resources"] == DEFAULT_STRATEGY
    assert main(["questions"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("apps.<app>.resources"))
    assert row.split()[2] == DEFAULT_STRATEGY
    assert main(["questions", "--discovery", str(DISCOVERY), "--format", "json"]) == 0
    hosted = [q for q in json.loads(capsys.readouterr().out)["questions"] if q["id"].endswith(".resources")]
    assert hosted and {q["default"] for q in hosted} == {DEFAULT_STRATEGY}
    facts = load_facts(DISCOVERY)
    apps = detect(facts)
    asked = {q.id: q.default for q in questions_for(facts, apps) if q.id.endswith(".resources")}
    assert set(asked.values()) == {DEFAULT_STRATEGY}
    assert {k: v for k, v in builtin_defaults(apps).items() if k.endswith(".resources")} == asked
    assert {a.resources.strategy for a in make_plan(facts, apps).apps} == {DEFAULT_STRATEGY}


def test_questions_bad_discovery_is_an_input_error(tmp_path, capsys):
    bad = tmp_path / "d.yaml"
    bad.write_text("host: x\nbogus: 1\n")
    assert main(["questions", "--discovery", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "d.yaml" in err and "bogus" in err


def test_wizard_defaults_needs_a_source(capsys):
    assert main(["wizard", "--defaults"]) == 2


def test_wizard_rejects_unknown_answer_id(tmp_path, capsys):
    answers = tmp_path / "a.yaml"
    answers.write_text("answers:\n  targets.kubernets: false\n")
    code = main(["wizard", "--defaults", "--discovery", str(DISCOVERY), "--answers", str(answers), "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1
    assert "unknown question id 'targets.kubernets'" in err and "did you mean 'targets.kubernetes'" in err
    assert not (tmp_path / "o").exists()


def test_wizard_rejects_bad_set(tmp_path, capsys):
    code = main(["wizard", "--defaults", "--discovery", str(DISCOVERY), "--set", "k8s.namespace=Bad_NS", "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1 and "--set: k8s.namespace:" in err
    assert not (tmp_path / "o").exists()


def test_summary_treats_discovered_strings_as_data():
    facts = load_facts(DISCOVERY)
    app = App(
        name="web",
        stack="[bold red]tomcat",
        evidence=[Evidence(kind="process", ref="pid 812 [link=http://x]")],
        ports=[PortSpec(port=8080)],
        data_paths=["/srv/[b]data"],
        env=[EnvVar(name="API_TOKEN", secret="web-api-token")],
    )
    buf = io.StringIO()
    summary.show(Console(file=buf, width=200, color_system=None), facts, [app])
    summary.show_app(Console(file=buf, width=200, color_system=None), app)
    text = buf.getvalue()
    assert "[bold red]tomcat" in text and "/srv/[b]data" in text and "[link=http://x]" in text
    assert "web:API_TOKEN" in text
    assert "<redacted" not in text


def test_ssh_aliases(tmp_path):
    cfg = tmp_path / "config"
    cfg.write_text("Host web01 web02\n  User ops\nHost *.internal\nHost db-* !db-old\nhost   bastion\nMatch all\n")
    assert ssh_aliases(str(cfg)) == ["web01", "web02", "bastion"]
    assert ssh_aliases(str(tmp_path / "missing")) == []
    assert ssh_aliases("") == []
