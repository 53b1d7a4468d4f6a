"""Answer words: the plan and the wizard's question registry read yes and no
the same way (the plan used to refuse 'on' and 'y' that the wizard accepted)."""

from __future__ import annotations

import pytest

from mta.errors import InputError
from mta.plan import make_plan
from mta.plan.answers import FALSE, TRUE, Answers, to_bool, validate_answers
from tests.render.fixtures import shop_host


@pytest.mark.parametrize("word", sorted(TRUE | FALSE) + ["ON", " Yes "])
def test_the_plan_takes_every_word_the_wizard_takes(word):
    facts, apps = shop_host()
    key = f"apps.{apps[0].name}.include"
    checked = validate_answers({key: word}, facts, apps, source="test")
    plan = make_plan(facts, apps, answers={key: word})
    assert plan.app(apps[0].name).include is checked[key] is to_bool(word)


def test_a_word_neither_side_knows_is_refused():
    facts, apps = shop_host()
    with pytest.raises(InputError, match="expected true or false"):
        make_plan(facts, apps, answers={f"apps.{apps[0].name}.include": "maybe"})
    with pytest.raises(ValueError):
        to_bool("maybe")


@pytest.fixture
def plan_calls(monkeypatch):
    """Counts make_plan calls, wherever a module bound it."""
    import sys

    import mta.batch.stages  # noqa: F401 - every module that binds make_plan, loaded before patching
    import mta.pipeline  # noqa: F401
    import mta.plan.core as core
    import mta.plan.defaults  # noqa: F401

    original = core.make_plan
    calls: list[int] = []

    def counted(*args, **kw):
        calls.append(1)
        return original(*args, **kw)

    for mod in list(sys.modules.values()):
        if getattr(mod, "__name__", "").startswith("mta") and getattr(mod, "make_plan", None) is original:
            monkeypatch.setattr(mod, "make_plan", counted)
    return calls


def test_answers_are_checked_without_a_plan(plan_calls):
    facts, apps = shop_host()
    checked = validate_answers({"targets.swarm": "no", f"apps.{apps[0].name}.replicas": "2"}, facts, apps)
    assert checked == {"targets.swarm": False, f"apps.{apps[0].name}.replicas": 2}
    assert isinstance(checked, Answers)
    assert plan_calls == []


def test_make_plan_runs_once_per_host_with_answers(plan_calls, tmp_path):
    from mta.pipeline import generate_host, plan_host

    facts, _ = shop_host()
    plan = plan_host(facts, {"targets.swarm": "no", "k8s.namespace": "shop"})
    assert plan.targets.namespace == "shop" and plan.targets.swarm is False
    assert len(plan_calls) == 1
    plan_calls.clear()
    generate_host(facts, None, tmp_path, {"targets.swarm": "no"})
    assert len(plan_calls) == 1


def test_batch_without_answers_plans_once(plan_calls):
    from mta.batch.stages import Stages

    facts, apps = shop_host()
    stages = Stages()
    answers = stages.answers(facts, apps, {})
    assert answers == {} and plan_calls == []
    stages.plan(facts, apps, answers=answers, base="official", discovery_path="")
    assert len(plan_calls) == 1


def test_typed_answers_are_read_as_they_are(plan_calls, monkeypatch):
    """make_plan checks a plain dict once; Answers it takes as they are."""
    import mta.plan.core as core

    facts, apps = shop_host()
    checked = validate_answers({"targets.swarm": "off"}, facts, apps)
    monkeypatch.setattr(core, "validate_answers", lambda *a, **k: pytest.fail("typed answers checked again"))
    assert core.make_plan(facts, apps, answers=checked).targets.swarm is False


def _sample_hosts():
    from pathlib import Path

    from mta.detect import detect_apps
    from mta.pipeline import load_discovery

    root = Path(__file__).resolve().parents[2]
    hosts = [shop_host()]
    for path in sorted(root.glob("samples/*/discovery.yaml")):
        facts = load_discovery(path)
        hosts.append((facts, detect_apps(facts)))
    return hosts


def test_plan_free_defaults_are_the_plans():
    """resolve_answers skips the plan for answers to PLAN_FREE ids: their defaults
    without the plan must equal the plan's decisions on every sample host."""
    from mta.plan.answers import host_questions
    from mta.plan.defaults import plan_free, questions_for

    checked = 0
    for facts, apps in _sample_hosts():
        planned = {q.id: q.default for q in questions_for(facts, apps)}
        for q in host_questions(facts, apps):
            if plan_free(q.id):
                assert q.default == planned[q.id], (facts.host, q.id)
                checked += 1
    assert checked > 50


def test_batch_answers_to_plan_free_ids_plan_once(plan_calls):
    """An inventory's usual answers (targets, namespace, replicas) need no plan to be
    resolved: batch plans each host once; an answer whose default is a plan decision
    (ports) still needs the plan's defaults (two plans)."""
    from mta.batch.stages import Stages

    facts, apps = shop_host()
    stages = Stages()
    app = apps[0].name
    given = {"targets.swarm": False, "k8s.namespace": "shop", f"apps.{app}.replicas": 1,
             f"apps.{app}.include": True}
    answers = stages.answers(facts, apps, given)
    assert answers == {"targets.swarm": False, "k8s.namespace": "shop"}  # restated defaults dropped
    plan = stages.plan(facts, apps, answers=answers, base="official", discovery_path="")
    assert plan.targets.namespace == "shop"
    assert len(plan_calls) == 1
    plan_calls.clear()
    stages.plan(facts, apps, answers=stages.answers(facts, apps, {f"apps.{app}.ports": [1234]}),
                base="official", discovery_path="")
    assert len(plan_calls) == 2
