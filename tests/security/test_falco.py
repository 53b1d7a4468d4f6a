"""Falco rules: structure, priorities, field names and condition grammar checked offline."""

from __future__ import annotations

import re

import pytest
import yaml

from mta.pipeline import load_discovery, load_plan
from mta.render.security.falco import render_falco, repository
from mta.render.security.falco_check import ConditionError, check_condition, check_rules

from .conftest import SAMPLES


def rules_of(generated, name):
    path = generated / "hosts" / name / "security" / "falco-rules.yaml"
    if not path.exists():
        pytest.skip(f"{name}: no app, no rules")
    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_rules_are_valid(generated, name):
    items = rules_of(generated, name)
    assert check_rules(items) == []
    rules = [i for i in items if "rule" in i]
    assert rules and all(r["priority"] in ("WARNING", "NOTICE", "ERROR") for r in rules)


def test_rules_follow_what_was_observed(generated):
    items = {next(iter(i.values())) if "list" not in i else i["list"]: i
             for i in rules_of(generated, "centos7-tomcat")}
    assert "java" in items["mta_tomcat_programs"]["items"]
    assert items["mta_tomcat_ports"]["items"] == [8009, 8080]
    assert 3306 in items["mta_tomcat_peer_ports"]["items"] and 53 in items["mta_tomcat_peer_ports"]["items"]
    assert "/usr/local/tomcat/logs" in items["mta_tomcat_write_paths"]["items"]
    assert 'container.image.repository = "mta/centos7-tomcat-tomcat"' in items["mta_tomcat_container"]["condition"]
    titles = {i["rule"].split(": ", 1)[1] for i in items.values() if "rule" in i and "tomcat:" in i["rule"]}
    assert titles == {"unexpected program", "shell in container", "unexpected listening port",
                      "unexpected outbound connection", "system files changed", "write outside data paths"}


def test_hostile_names_stay_data(generated):
    """A process name with Falco syntax in it never reaches a condition."""
    from mta.model import Process

    host = generated / "hosts" / "ubuntu1604-django"
    facts, plan = load_discovery(host / "discovery.yaml"), load_plan(host / "plan.yaml")
    web = plan.app("web")
    facts.processes.append(Process(pid=web.pids[0] + 999999, name='x) or (proc.name="y'))
    web.pids.append(web.pids[0] + 999999)
    assert check_rules(yaml.safe_load(render_falco(facts, plan))) == []


@pytest.mark.parametrize("cond", [
    "proc.name = java",
    "evt.type in (execve, execveat) and evt.dir = <",
    'not (fd.name startswith "/etc/" or fd.directory in (/bin, /sbin))',
    "k8s.pod.label[app] = web and proc.cmdline contains \"a b\"",
    "fd.sip.name exists",
])
def test_grammar_accepts(cond):
    check_condition(cond)


@pytest.mark.parametrize("cond,why", [
    ("proc.nam = java", "unknown field"),
    ("proc.name =", "unexpected end"),
    ("proc.name = java and", "unexpected end"),
    ("(proc.name = java", "expected )"),
    ("evt.type in execve", "parenthesised list"),
    ("proc.name = (a, b)", "one value"),
    ("proc.name in (a,)", "expected a value"),
    ("some_macro and proc.name = a", "unknown macro"),
    ("proc.name = a b", "after a complete condition"),
    ("proc.name[x] = a", "takes no [argument]"),
])
def test_grammar_rejects(cond, why):
    with pytest.raises(ConditionError, match=re.escape(why)):
        check_condition(cond)


def test_structure_errors_are_reported():
    items = [
        {"list": "ok_list", "items": ["a"]},
        {"macro": "ok_macro", "condition": "proc.name in (ok_list)"},
        {"rule": "no priority", "desc": "d", "condition": "ok_macro", "output": "x %proc.name"},
        {"rule": "bad priority", "desc": "d", "condition": "ok_macro", "output": "x", "priority": "LOUD"},
        {"rule": "bad output", "desc": "d", "condition": "ok_macro", "output": "x %proc.nope", "priority": "INFO"},
        {"rule": "extra key", "desc": "d", "condition": "ok_macro", "output": "x", "priority": "debug", "when": 1},
        {"rule": "x", "macro": "y", "condition": "ok_macro"},
        {"list": "bad", "items": [{"a": 1}]},
    ]
    errors = "\n".join(check_rules(items))
    assert "'no priority': priority is required" in errors
    assert "priority 'LOUD'" in errors
    assert "unknown field 'proc.nope'" in errors
    assert "unknown keys ['when']" in errors
    assert "exactly one of" in errors
    assert "items must be a list" in errors
    assert check_rules(items[:2]) == []


@pytest.mark.parametrize("image,repo", [
    ("mta/h-web:0.1", "mta/h-web"), ("mysql:5.7", "mysql"), ("reg:5000/a/b:1", "reg:5000/a/b"),
    ("nginx@sha256:" + "a" * 64, "nginx"), ("reg:5000/a", "reg:5000/a"),
])
def test_repository(image, repo):
    assert repository(image) == repo


def test_host_name_with_line_separators_keeps_the_file_valid(generated):
    """U+2028 or a newline in a host name must not break the header comment out of YAML."""
    host = generated / "hosts" / "centos7-tomcat"
    facts, plan = load_discovery(host / "discovery.yaml"), load_plan(host / "plan.yaml")
    plan.host = "evil\u2028host\nx: 1"
    text = render_falco(facts, plan)
    assert check_rules(yaml.safe_load(text)) == []
    assert text.splitlines()[0].startswith("# Generated by mta for host evil host x: 1")
