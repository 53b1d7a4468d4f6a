"""Writing an answers file: the wizard's record of a run, replayed by
``mta generate --answers``. Reading, checking and layering answers is the
plan's (``mta.plan.answers``, ``mta.plan.defaults``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Optional, Union

import yaml

from ..io import dump_yaml, write_atomic
from ..model import SCHEMA_VERSION

ANSWERS_FILE = "mta-answers.yaml"


def dump_answers(
    answers: Mapping[str, Any],
    *,
    host: str = "",
    connection: Optional[Mapping[str, Any]] = None,
    defaults: Optional[Mapping[str, Any]] = None,
) -> str:
    """The text of an answers file. Answers hold ids, names and paths, never
    secret values; ``connection`` must not hold a password either.

    With ``defaults`` (the detected defaults), only answers that differ are
    written as answers and every other id follows as a comment showing its
    default: the file stays a record of the decisions, and replaying it
    leaves the plan's own decisions alone.
    """
    if connection and any(k in connection for k in ("password", "passphrase")):
        raise ValueError("refusing to write a password into an answers file")
    doc: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    if connection:
        doc["connection"] = dict(connection)
    plain = {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in answers.items()}
    kept = plain if defaults is None else {k: v for k, v in plain.items() if k not in defaults or defaults[k] != v}
    doc["answers"] = kept
    head = f"# mta answers{' for ' + host if host else ''}; replay: mta generate DISCOVERY --answers THIS_FILE\n"
    text = head + dump_yaml(doc)
    if defaults is not None:
        rest = {k: v for k, v in defaults.items() if k not in kept}
        if rest:
            # each default through the YAML dumper, then commented line by line,
            # so no discovered string can end the comment
            lines: list[str] = []
            for key, value in rest.items():
                lines += f"{key}: {_flow(value)}".splitlines()
            text += "# detected defaults (answers above win; uncomment under 'answers:' to change):\n"
            text += "".join(f"#   {line}\n" for line in lines)
    return text


def _flow(value: Any) -> str:
    """One value as inline YAML (lists in [..])."""
    if isinstance(value, tuple):
        value = list(value)
    out = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6)
    if out.endswith("\n...\n"):
        out = out[: -len("\n...\n")]
    return out.strip()


def write_answers(path: Union[str, Path], answers: Mapping[str, Any], **kw: Any) -> Path:
    """Write an answers file atomically; returns its path."""
    path = Path(path)
    write_atomic(path, dump_answers(answers, **kw))
    return path


__all__ = ["ANSWERS_FILE", "dump_answers", "write_answers"]
