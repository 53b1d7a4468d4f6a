"""The detected defaults are the plan's own decisions: the questions with the
defaults of the plan made with no answers, and the layering of one host's
answers over them (what ``mta questions``, the wizard and batch use).

It sits on ``make_plan`` (``mta.plan.answers`` does not: checking an answer
needs no plan), so answering every question with its default reproduces the
plan exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, Optional, Sequence, Union

from ..model import App, HostFacts, Plan
from .answers import (Answers, Question, builtin_defaults, host_questions, layer, load_answers, parse_sets,
                      validate_answers)
from .core import make_plan


def _plan_for(facts: HostFacts, apps: Sequence[App]) -> Optional[Plan]:
    """The plan mta would make with no answers; its decisions are the best defaults."""
    try:
        return make_plan(facts, list(apps))
    except Exception:  # a plan bug must not take the question list down with it; generate reports it
        return None


def questions_for(facts: HostFacts, apps: Sequence[App]) -> list[Question]:
    """Every question for this host, its default the plan's decision."""
    return host_questions(facts, apps, _plan_for(facts, apps))


def detected_defaults(facts: HostFacts, apps: Sequence[App]) -> dict[str, Any]:
    """``{id: default}`` for this host: the layer under an answers file."""
    return {q.id: q.default for q in questions_for(facts, apps)}


def resolve_answers(
    facts: HostFacts,
    apps: Sequence[App],
    *,
    answers_path: Union[str, Path, None] = None,
    sets: Iterable[str] = (),
    answers: Optional[Mapping[str, Any]] = None,
    unknown_apps: Literal["error", "ignore"] = "error",
    full: bool = False,
) -> Answers:
    """The checked answers for one host, for ``mta.plan.make_plan``.

    What ``mta generate --answers FILE --set id=value``, batch and the wizard
    use. ``answers`` is an already loaded file layer (batch loads once for
    many hosts). Layers: --set > file > detected defaults > built-in.

    The detected defaults *are* the plan's own decisions, so by default only
    answers that differ from them are returned: an answer that merely
    restates a default must not make the plan rebuild (and lose the details
    of) what it decided. ``full=True`` returns every id (what the wizard
    writes, so a reader sees every decision). With no answers and no sets
    (and not ``full``) there is nothing to resolve and no plan is made.
    """
    schema = host_questions(facts, apps)  # types and checks: no plan needed
    file_layer: dict[str, Any] = {}
    if answers_path is not None:
        raw = load_answers(answers_path)
        file_layer = validate_answers(raw, facts, apps, source=str(answers_path), unknown_apps=unknown_apps,
                                      questions=schema)
    elif answers is not None:
        file_layer = validate_answers(answers, facts, apps, source="answers", unknown_apps=unknown_apps,
                                      questions=schema)
    set_layer = validate_answers(parse_sets(sets), facts, apps, source="--set", questions=schema)
    if not (file_layer or set_layer or full):
        return Answers()
    qs = questions_for(facts, apps)
    detected = {q.id: q.default for q in qs}
    chain = layer(set_layer, file_layer, detected, builtin_defaults(apps))
    if full:
        return Answers({q.id: chain[q.id] for q in qs})
    return Answers({q.id: chain[q.id] for q in qs if chain[q.id] != detected[q.id]})


__all__ = ["detected_defaults", "questions_for", "resolve_answers"]
