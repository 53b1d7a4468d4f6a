"""The answer schema (mta.plan.answers): the question registry, coercion and
layering, without a terminal."""

from __future__ import annotations

from collections import ChainMap

import pytest

from mta.errors import InputError
from mta.plan.answers import TARGETS, builtin_defaults, layer, load_answers, parse_set, parse_sets, validate_answers
from mta.plan.defaults import questions_for, resolve_answers
from mta.wizard.answers import dump_answers
from tests.plan.small_host import small_apps, small_facts


@pytest.fixture
def facts():
    return small_facts()


@pytest.fixture
def apps():
    return small_apps()


def test_every_brief_id_is_there(facts, apps):
    ids = {q.id for q in questions_for(facts, apps)}
    expected = {"base", "k8s.namespace", "k8s.ingress_host"} | {f"targets.{t}" for t in TARGETS}
    for app in ("web", "db"):
        for key in ("include", "name", "merge_into", "base", "ports", "configmaps", "volumes", "secrets", "proxy",
                    "replicas", "resources"):
            expected.add(f"apps.{app}.{key}")
    assert ids == expected


def test_ids_are_unique_and_typed(facts, apps):
    qs = questions_for(facts, apps)
    assert len({q.id for q in qs}) == len(qs)
    for q in qs:
        assert q.type in {"bool", "int", "str", "choice", "list"}
        assert q.help
        assert q.validate(q.default) == q.default, q.id  # defaults pass their own check


def test_defaults_come_from_discovery(facts, apps):
    d = {q.id: q.default for q in questions_for(facts, apps)}
    assert d["apps.web.ports"] == [8080]
    assert d["apps.web.configmaps"] == ["/etc/app/app.conf"]
    assert any(v.startswith("/var/lib/app") for v in d["apps.web.volumes"])
    assert d["apps.web.secrets"] == ["DB_PASSWORD"]
    assert d["apps.db.ports"] == [5432]


@pytest.mark.parametrize(
    "qid,raw,expected",
    [
        ("targets.swarm", "no", False),
        ("targets.swarm", "TRUE", True),
        ("apps.web.replicas", "3", 3),
        ("apps.web.ports", "80, 443,80", [80, 443]),
        ("apps.web.ports", 8080, [8080]),
        ("apps.web.volumes", ["/data=5Gi", "/cache"], ["/data=5Gi", "/cache"]),
        ("apps.web.base", "eclipse-temurin:17-jre", "eclipse-temurin:17-jre"),
        ("apps.web.merge_into", "db", "db"),
        ("apps.web.merge_into", "", ""),
        ("base", "debian", "debian"),
        ("k8s.ingress_host", "shop.example.com", "shop.example.com"),
    ],
)
def test_coercion(facts, apps, qid, raw, expected):
    assert validate_answers({qid: raw}, facts, apps) == {qid: expected}


@pytest.mark.parametrize(
    "qid,raw",
    [
        ("targets.swarm", "maybe"),
        ("apps.web.replicas", "two"),
        ("apps.web.replicas", -1),
        ("apps.web.ports", "80,http"),
        ("apps.web.ports", [70000]),
        ("apps.web.volumes", ["relative/path"]),
        ("apps.web.volumes", ["/data=lots"]),
        ("apps.web.secrets", ["NOT A NAME"]),
        ("apps.web.merge_into", "web"),
        ("apps.web.merge_into", "ghost"),
        ("apps.web.proxy", "maybe"),
        ("apps.web.resources", "huge"),
        ("apps.web.base", "tomcat"),  # no tag: never latest
        ("apps.web.base", "bad image:1"),
        ("k8s.namespace", "Prod_NS"),
        ("base", "./no-such-mapping.yaml"),
        ("k8s.ingress_host", "not a host"),
    ],
)
def test_invalid_value_names_the_id(facts, apps, qid, raw):
    with pytest.raises(InputError) as err:
        validate_answers({qid: raw}, facts, apps, source="a.yaml")
    assert f"a.yaml: {qid}:" in err.value.message


def test_base_mapping_file_must_exist(tmp_path, facts, apps):
    mapping = tmp_path / "bases.yaml"
    mapping.write_text("python: registry.example.com/python:3.11-slim\n")
    assert validate_answers({"base": str(mapping)}, facts, apps) == {"base": str(mapping)}


def test_unknown_id_is_named_with_a_suggestion(facts, apps):
    with pytest.raises(InputError) as err:
        validate_answers({"apps.web.prots": [80]}, facts, apps, source="a.yaml")
    assert "'apps.web.prots'" in err.value.message
    assert "apps.web.ports" in err.value.message
    assert "mta questions" in err.value.hint


def test_unknown_app_can_be_ignored_for_batch(facts, apps):
    answers = {"apps.other.replicas": 2, "apps.web.replicas": 2}
    with pytest.raises(InputError):
        validate_answers(answers, facts, apps)
    assert validate_answers(answers, facts, apps, unknown_apps="ignore") == {"apps.web.replicas": 2}
    with pytest.raises(InputError):  # a typo in a known app's key is still an error
        validate_answers({"apps.web.replica": 2}, facts, apps, unknown_apps="ignore")


def test_layer_order():
    chain = layer({"a": 1}, {"a": 2, "b": 2}, {"a": 3, "b": 3, "c": 3}, {"a": 4, "b": 4, "c": 4, "d": 4})
    assert isinstance(chain, ChainMap)
    assert dict(chain) == {"a": 1, "b": 2, "c": 3, "d": 4}


def test_resolve_set_beats_file_beats_detected(tmp_path, facts, apps):
    f = tmp_path / "answers.yaml"
    f.write_text("schema_version: 1\nanswers:\n  apps.web.replicas: 2\n  targets.swarm: false\n  apps:\n    db:\n      replicas: 0\n")
    got = resolve_answers(facts, apps, answers_path=f, sets=["apps.web.replicas=5"], full=True)
    assert got["apps.web.replicas"] == 5  # --set
    assert got["targets.swarm"] is False  # file
    assert got["apps.db.replicas"] == 0  # nested form of the file
    assert got["apps.web.ports"] == [8080]  # detected
    assert got["apps.web.proxy"] == "keep"  # built-in
    assert set(got) == {q.id for q in questions_for(facts, apps)}
    assert set(builtin_defaults(apps)) == set(got)


def test_resolve_returns_only_changes_from_the_plan(tmp_path, facts, apps):
    detected = {q.id: q.default for q in questions_for(facts, apps)}
    f = tmp_path / "a.yaml"
    f.write_text(dump_answers(detected))  # an answers file restating every default
    assert resolve_answers(facts, apps, answers_path=f) == {}
    got = resolve_answers(facts, apps, answers_path=f, sets=["apps.db.replicas=0"])
    assert got == {"apps.db.replicas": 0}


def test_load_answers_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("answers: [1, 2]\n")
    with pytest.raises(InputError, match="bad.yaml: 'answers' must be a mapping"):
        load_answers(bad)
    bad.write_text("answer:\n  base: official\n")
    with pytest.raises(InputError, match="bad.yaml: unknown top-level key 'answer'"):
        load_answers(bad)
    bad.write_text("schema_version: 9\nanswers: {}\n")
    with pytest.raises(InputError, match="schema_version 9"):
        load_answers(bad)
    bad.write_text("answers:\n  base: [unclosed\n")
    with pytest.raises(InputError, match=r"bad.yaml:\d+:\d+: malformed YAML"):
        load_answers(bad)
    with pytest.raises(InputError, match="no such file"):
        load_answers(tmp_path / "missing.yaml")
    bad.write_text("answers:\n  apps.web:\n    ports: [1]\n  apps:\n    web:\n      ports: [2]\n")
    with pytest.raises(InputError, match="'apps.web.ports' is given twice"):
        load_answers(bad)


def test_parse_set():
    assert parse_set("targets.swarm=false") == ("targets.swarm", "false")
    assert parse_set("apps.web.ports=[80, 443]") == ("apps.web.ports", [80, 443])
    assert parse_set("apps.web.merge_into=") == ("apps.web.merge_into", "")
    assert parse_set("k8s.ingress_host=a=b") == ("k8s.ingress_host", "a=b")
    assert parse_sets(["a=1", "a=2"]) == {"a": "2"}
    with pytest.raises(InputError, match="expected id=value"):
        parse_set("novalue")


def test_dump_round_trips_and_holds_no_password(tmp_path, facts, apps):
    answers = resolve_answers(facts, apps, full=True)
    path = tmp_path / "mta-answers.yaml"
    path.write_text(dump_answers(answers, host="vm1", connection={"host": "vm1", "user": "ops", "auth": "password"}))
    assert validate_answers(load_answers(path), facts, apps) == answers
    with pytest.raises(ValueError):
        dump_answers(answers, connection={"password": "hunter2"})
