"""Answer values as the plan reads them: one spelling of yes and no for the
plan and the wizard's question registry (``mta.wizard.questions`` coerces with
these), so an answer the wizard accepts is never refused by ``make_plan``."""

from __future__ import annotations

from typing import Any

TRUE = frozenset({"true", "yes", "y", "on", "1"})
FALSE = frozenset({"false", "no", "n", "off", "0"})


def to_bool(value: Any) -> bool:
    """True/False from a bool or one of the ``TRUE``/``FALSE`` words (any case); else ValueError."""
    if isinstance(value, bool):
        return value
    word = value.strip().lower() if isinstance(value, str) else None
    if word in TRUE or word in FALSE:
        return word in TRUE
    raise ValueError(f"expected true or false, got {value!r}")
