"""Answer words: the plan and the wizard's question registry read yes and no
the same way (the plan used to refuse 'on' and 'y' that the wizard accepted)."""

from __future__ import annotations

import pytest

from mta.errors import InputError
from mta.plan import make_plan
from mta.plan.answers import FALSE, TRUE, to_bool
from mta.wizard.answers import validate_answers
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
