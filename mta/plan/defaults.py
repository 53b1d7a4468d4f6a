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


#: ids whose default is the same with or without the plan (make_plan only changes
#: them when answered): answers to these alone need no plan to be resolved.
#: tests/plan/test_answers.py checks the equality on every sample host.
PLAN_FREE = frozenset({"base", "targets.compose", "targets.swarm", "targets.kubernetes", "targets.security",
                       "targets.sbom", "k8s.namespace", "k8s.ingress_host"})
PLAN_FREE_APP = frozenset({"include", "name", "merge_into", "base", "proxy", "replicas"})


def plan_free(qid: str) -> bool:
    """Whether question ``qid``'s default is known without making the plan."""
    if qid in PLAN_FREE:
        return True
    parts = qid.split(".")
    return len(parts) >= 3 and parts[0] == "apps" and parts[-1] in PLAN_FREE_APP


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
    writes, so a reader sees every decision). The plan is made only when an
    answer's default depends on it (``plan_free``): with no answers, or with
    answers to targets, namespace, base, names, merges, proxies, replicas and
    includes only, the plan is made once, by the caller, with those answers.
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
    if not full and all(plan_free(k) for k in (*file_layer, *set_layer)):
        qs = schema  # its defaults for these ids are the plan's
    else:
        qs = questions_for(facts, apps)
    detected = {q.id: q.default for q in qs}
    chain = layer(set_layer, file_layer, detected, builtin_defaults(apps))
    if full:
        return Answers({q.id: chain[q.id] for q in qs})
    return Answers({q.id: chain[q.id] for q in qs if chain[q.id] != detected[q.id]})


__all__ = ["detected_defaults", "questions_for", "resolve_answers"]
