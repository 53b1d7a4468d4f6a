"""Answers: loading, checking and layering the ``{question id: value}`` dict.

Layers, first wins: ``--set id=value`` > answers file > detected defaults >
built-in defaults (a ``ChainMap``, as copier does). An answers file is YAML::

    schema_version: 1
    answers:
      targets.kubernetes: true
      apps.web.ports: [8080]

Nested mappings (``answers: {apps: {web: {ports: [8080]}}}``) are flattened
to the same dotted ids. A ``connection:`` mapping (written by the wizard, no
secrets) is informational and ignored here.
"""

from __future__ import annotations

import difflib
from collections import ChainMap
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, Optional, Sequence, Union

import yaml

from .. import yamlload
from ..errors import InputError
from ..io import dump_yaml, load_yaml, write_atomic
from ..model import SCHEMA_VERSION, App, HostFacts
from .questions import Question, builtin_defaults, questions_for

ANSWERS_FILE = "mta-answers.yaml"
_TOP_KEYS = {"schema_version", "answers", "connection"}
_HINT = "run `mta questions --discovery OUT/hosts/<host>/discovery.yaml` to list the ids, types and choices"


def _flatten(prefix: str, data: Mapping, out: dict[str, Any], where: str) -> None:
    for key, value in data.items():
        if not isinstance(key, str) or not key:
            raise InputError(f"{where}: answer id {key!r} is not text")
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            _flatten(full, value, out, where)
        else:
            if full in out:
                raise InputError(f"{where}: answer '{full}' is given twice")
            out[full] = value


def load_answers(path: Union[str, Path]) -> dict[str, Any]:
    """The raw ``{id: value}`` of an answers file (types checked later by
    ``validate_answers``); InputError names the file and the id."""
    data = load_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(
            f"{path}: expected a mapping with an 'answers:' key, got {type(data).__name__}",
            hint="an answers file looks like:  answers: {targets.kubernetes: true}",
        )
    extra = sorted(str(k) for k in data if k not in _TOP_KEYS)
    if extra:
        raise InputError(
            f"{path}: unknown top-level key '{extra[0]}' (expected: answers, schema_version, connection)",
            hint="put question ids under 'answers:'",
        )
    version = data.get("schema_version")
    if version is not None and version != SCHEMA_VERSION:
        raise InputError(f"{path}: schema_version {version!r} is not supported (this mta reads {SCHEMA_VERSION})")
    answers = data.get("answers")
    if answers is None:
        return {}
    if not isinstance(answers, dict):
        raise InputError(f"{path}: 'answers' must be a mapping of id: value, got {type(answers).__name__}")
    out: dict[str, Any] = {}
    _flatten("", answers, out, str(path))
    return out


def load_connection(path: Union[str, Path]) -> dict[str, Any]:
    """The wizard's informational ``connection:`` block of an answers file."""
    data = load_yaml(path)
    conn = data.get("connection") if isinstance(data, dict) else None
    return dict(conn) if isinstance(conn, dict) else {}


def parse_set(text: str) -> tuple[str, Any]:
    """``"id=value"`` -> ``(id, value)``. A value in ``[...]`` is read as a
    YAML list; anything else stays text for the question to coerce."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise InputError(f"--set {text!r}: expected id=value", hint="for example --set targets.swarm=false")
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        try:
            parsed = yamlload.load(value, f"--set {key}")
        except yaml.YAMLError:
            raise InputError(f"--set {key}: {value!r} is not a valid list") from None
        return key, parsed
    return key, value


def parse_sets(items: Iterable[str]) -> dict[str, Any]:
    """Every ``--set`` in order; a later one for the same id wins."""
    out: dict[str, Any] = {}
    for item in items:
        key, value = parse_set(item)
        out[key] = value
    return out


def _unknown(key: str, known: Sequence[str], where: str) -> InputError:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
    suggestion = f" (did you mean '{close[0]}'?)" if close else ""
    return InputError(f"{where}: unknown question id '{key}'{suggestion}", hint=_HINT)


def validate_answers(
    answers: Mapping[str, Any],
    facts: HostFacts,
    apps: Sequence[App],
    *,
    source: str = "answers",
    unknown_apps: Literal["error", "ignore"] = "error",
    questions: Optional[Sequence[Question]] = None,
) -> dict[str, Any]:
    """Answers coerced to their questions' types.

    An unknown id or an invalid value raises InputError naming it (and
    ``source``, the file or ``--set``). With ``unknown_apps="ignore"`` ids of
    apps this host does not have are dropped: one batch answers file serves
    many hosts.
    """
    qs = {q.id: q for q in (questions if questions is not None else questions_for(facts, apps))}
    out: dict[str, Any] = {}
    for key, value in answers.items():
        q = qs.get(key)
        if q is None:
            if unknown_apps == "ignore" and key.startswith("apps.") and key.count(".") >= 2:
                app = key.split(".")[1]
                if not any(a.name == app for a in apps):
                    continue
            raise _unknown(key, sorted(qs), source)
        try:
            out[key] = q.validate(value)
        except ValueError as exc:
            raise InputError(f"{source}: {key}: {exc}", hint=_HINT) from None
    return out


def layer(
    cli_sets: Mapping[str, Any],
    file_answers: Mapping[str, Any],
    detected_defaults: Mapping[str, Any],
    builtin: Mapping[str, Any],
) -> ChainMap:
    """First layer that has an id wins: --set > file > detected > built-in."""
    return ChainMap(dict(cli_sets), dict(file_answers), dict(detected_defaults), dict(builtin))


def resolve_answers(
    facts: HostFacts,
    apps: Sequence[App],
    *,
    answers_path: Union[str, Path, None] = None,
    sets: Iterable[str] = (),
    answers: Optional[Mapping[str, Any]] = None,
    unknown_apps: Literal["error", "ignore"] = "error",
    full: bool = False,
) -> dict[str, Any]:
    """The checked answers for one host, for ``mta.plan.make_plan``.

    What ``mta generate --answers FILE --set id=value``, batch and the wizard
    use. ``answers`` is an already loaded file layer (batch loads once for
    many hosts). Layers: --set > file > detected defaults > built-in.

    The detected defaults *are* the plan's own decisions, so by default only
    answers that differ from them are returned: an answer that merely
    restates a default must not make the plan rebuild (and lose the details
    of) what it decided. ``full=True`` returns every id (what the wizard
    writes, so a reader sees every decision).
    """
    qs = questions_for(facts, apps)
    file_layer: dict[str, Any] = {}
    if answers_path is not None:
        raw = load_answers(answers_path)
        file_layer = validate_answers(raw, facts, apps, source=str(answers_path), unknown_apps=unknown_apps, questions=qs)
    elif answers is not None:
        file_layer = validate_answers(answers, facts, apps, source="answers", unknown_apps=unknown_apps, questions=qs)
    set_layer = validate_answers(parse_sets(sets), facts, apps, source="--set", questions=qs)
    detected = {q.id: q.default for q in qs}
    chain = layer(set_layer, file_layer, detected, builtin_defaults(apps))
    if full:
        return {q.id: chain[q.id] for q in qs}
    return {q.id: chain[q.id] for q in qs if chain[q.id] != detected[q.id]}


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


__all__ = [
    "ANSWERS_FILE",
    "dump_answers",
    "layer",
    "load_answers",
    "load_connection",
    "parse_set",
    "parse_sets",
    "resolve_answers",
    "validate_answers",
    "write_answers",
]
