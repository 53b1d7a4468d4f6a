"""The recipe registry: every stack a detector can emit has a recipe family that
claims it by name (no silent fallback to the generic recipe), and a family's
claims, image and naive-size reference come from its one module."""

from __future__ import annotations

import pytest

from mta.detect import detectors
from mta.model import App
from mta.plan.recipes import claimed, families, family_of, naive_size, recipe, register
from tests.detect.conftest import SAMPLES, load_sample
from tests.detect.helpers import facts


def test_every_stack_a_detector_declares_is_claimed_by_a_recipe():
    unclaimed = sorted((d.name, s) for d in detectors() for s in d.stacks if not claimed(s))
    assert not unclaimed, ("stacks with no recipe family (add them to a family's stacks= in "
                           f"mta/plan/recipes/): {unclaimed}")
    assert all(d.stacks for d in detectors()), [d.name for d in detectors() if not d.stacks]


@pytest.mark.parametrize("name", sorted(p.parent.name for p in SAMPLES.glob("*/discovery.yaml")))
def test_detectors_emit_only_the_stacks_they_declare(name):
    facts = load_sample(name)
    for det in detectors():
        for app in det.detect(facts):
            assert app.stack in det.stacks, f"{det.name} emitted {app.stack!r}, not in its stacks {det.stacks}"


def test_a_claimed_stack_selects_its_family():
    for fam in families().values():
        for stack in fam.stacks:
            assert family_of(App(name="x", stack=stack)) == fam.name
            assert claimed(stack) == fam.name


def test_runtime_selects_a_family_but_never_backing():
    assert family_of(App(name="x", stack="celery-flower", runtime="python")) == "python"
    assert family_of(App(name="x", stack="php-cli")) == "php-apache"  # first word of the stack
    assert family_of(App(name="x", stack="thing", runtime="redis")) == "generic"
    assert family_of(App(name="x", stack="redis")) == "backing"


def test_naive_reference_comes_from_the_family():
    assert naive_size("java", "tomcat") == families()["java"].naive
    assert naive_size("", "jboss") == families()["wildfly"].naive == families()["java"].naive
    assert naive_size("php", "") == families()["php-apache"].naive
    assert naive_size("", "binary")[1].startswith("golang:")
    assert naive_size("mysqld", "mysql") is None and naive_size("perl", "perl") is None


def test_a_stack_is_claimed_once():
    with pytest.raises(ValueError, match="claimed by both"):
        register("not-python", stacks=("django",))(lambda app, facts, debian: None)
    assert "not-python" not in families()


def test_every_family_builds_a_recipe():
    for fam in families().values():
        app = App(name="x", stack=fam.stacks[0] if fam.stacks else fam.name)
        r = recipe(app, facts(), "official", {})
        assert r.build is not None or r.image
