"""The answer schema: every decision a user can make, as data, and the one
place an answer's value is parsed.

Each question has a stable id (the key of an answers file), a type, a default,
help text and a ``validate`` that coerces a raw value (from YAML, ``--set`` or
a prompt) to its type or raises ``ValueError``. ``validate_answers`` checks a
``{id: value}`` dict against them and returns ``Answers``: typed values that
``make_plan`` reads as they are (it never parses an answer again). The wizard
asks the questions; ``mta questions`` lists them; ``mta generate --answers``
and batch check answers against them. Answers files are layered
(``--set`` > file > detected defaults > built-in, a ``ChainMap`` as copier
does); an answers file is YAML::

    schema_version: 1
    answers:
      targets.kubernetes: true
      apps.web.ports: [8080]

Nested mappings (``answers: {apps: {web: {ports: [8080]}}}``) are flattened
to the same dotted ids. A ``connection:`` mapping (written by the wizard, no
secrets) is informational and ignored here. The defaults that are the plan's
own decisions come from ``mta.plan.defaults`` (it needs ``make_plan``).
"""

from __future__ import annotations

import difflib
import re
from collections import ChainMap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Mapping, Optional, Sequence, Union

import yaml

from .. import yamlload
from ..discover.secrets import env_is_secret
from ..errors import InputError, MtaError
from ..io import load_yaml
from ..model import SCHEMA_VERSION, App, HostFacts, Plan
from .images import check_image_ref
from .resources import DEFAULT_STRATEGY

#: the one spelling of yes and no, for every answer (files, --set, prompts)
TRUE = frozenset({"true", "yes", "y", "on", "1"})
FALSE = frozenset({"false", "no", "n", "off", "0"})

QType = Literal["bool", "int", "str", "choice", "list"]

TARGETS = ("compose", "swarm", "kubernetes", "security", "sbom")
BASE_CHOICES = ("official", "debian")
PROXY_CHOICES = ("keep", "drop")
RESOURCE_CHOICES = ("as-is", "p95", "peak", "default")

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_NAME = re.compile(r"^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$")
# registry/name:tag or @digest; deliberately loose, but no spaces or shell characters



@dataclass(frozen=True)
class Question:
    """One decision. ``app`` is set for per-app questions (``apps.<app>.*``)."""

    id: str
    type: QType
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    #: for "choice": values outside ``choices`` are accepted when ``check`` passes
    open_choice: bool = False
    #: extra check on the coerced value (each item for lists); raises ValueError
    check: Optional[Callable[[Any], None]] = field(default=None, compare=False, repr=False)
    #: wizard step that asks it: review | targets
    step: str = "review"
    app: str = ""
    item_type: Literal["str", "int"] = "str"

    @property
    def key(self) -> str:
        """The last part of the id (``ports`` for ``apps.web.ports``)."""
        return self.id.rsplit(".", 1)[-1]

    def validate(self, value: Any) -> Any:
        """The value coerced to this question's type; ValueError says why not."""
        coerce = _COERCERS[self.type]
        result = coerce(self, value)
        if self.check is not None:
            for item in result if isinstance(result, list) else [result]:
                self.check(item)
        return result

    def as_row(self) -> dict[str, Any]:
        """What ``mta questions`` lists."""
        return {
            "id": self.id,
            "type": self.type if self.type != "list" else f"list[{self.item_type}]",
            "default": self.default,
            "choices": list(self.choices),
            "help": self.help,
        }


# -- coercion ---------------------------------------------------------------


def to_bool(value: Any) -> bool:
    """True/False from a bool or one of the ``TRUE``/``FALSE`` words (any case); else ValueError."""
    if isinstance(value, bool):
        return value
    word = value.strip().lower() if isinstance(value, str) else None
    if word in TRUE or word in FALSE:
        return word in TRUE
    raise ValueError(f"expected true or false, got {value!r}")


def _to_bool(q: Question, value: Any) -> bool:
    return to_bool(value)


def _to_int(q: Question, value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]+\s*", value):
        return int(value)
    raise ValueError(f"expected a whole number, got {value!r}")


def _to_str(q: Question, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (bool, list, dict)):
        raise ValueError(f"expected text, got {value!r}")
    return str(value).strip()


def _to_choice(q: Question, value: Any) -> str:
    text = _to_str(q, value)
    if text in q.choices:
        return text
    if q.open_choice and text:
        return text
    raise ValueError(f"expected one of {', '.join(q.choices)}, got {value!r}")


def _to_list(q: Question, value: Any) -> list:
    if value is None:
        items: list = []
    elif isinstance(value, str):
        items = [part.strip() for part in value.split(",") if part.strip()]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    elif isinstance(value, int) and not isinstance(value, bool) and q.item_type == "int":
        items = [value]
    else:
        raise ValueError(f"expected a list (or comma-separated text), got {value!r}")
    out: list = []
    for item in items:
        if q.item_type == "int":
            item = _to_int(q, item)
        else:
            if isinstance(item, (list, dict, bool)) or item is None:
                raise ValueError(f"expected text items, got {item!r}")
            item = str(item).strip()
        if item not in out:  # duplicates would only produce duplicate objects
            out.append(item)
    return out


_COERCERS: dict[str, Callable[[Question, Any], Any]] = {
    "bool": _to_bool,
    "int": _to_int,
    "str": _to_str,
    "choice": _to_choice,
    "list": _to_list,
}


# -- checks -----------------------------------------------------------------


def _check_namespace(value: str) -> None:
    if not _DNS_LABEL.match(value):
        raise ValueError(f"{value!r} is not a valid namespace (lowercase letters, digits, '-', at most 63)")


def _check_ingress_host(value: str) -> None:
    if value and (len(value) > 253 or not _DNS_NAME.match(value)):
        raise ValueError(f"{value!r} is not a DNS name (like app.example.com), or leave it empty")


def _check_base(value: str) -> None:
    if value in BASE_CHOICES:
        return
    # a path to a base-image mapping file
    if value.endswith((".yaml", ".yml")) or "/" in value:
        if "\0" in value or not Path(value).expanduser().is_file():
            raise ValueError(f"base image mapping file {value!r} does not exist")
        return
    raise ValueError(f"expected official, debian or the path of a mapping file, got {value!r}")


def _check_image(value: str) -> None:
    if value in BASE_CHOICES:
        return
    try:  # the plan's own rule, so the wizard never accepts what the plan rejects
        check_image_ref(value, "base image")
    except MtaError as exc:
        raise ValueError(f"{exc.message} (or use official or debian)") from None


def _check_port(value: int) -> None:
    if not 1 <= value <= 65535:
        raise ValueError(f"port {value} is not between 1 and 65535")


def _check_abs_path(value: str) -> None:
    if not value.startswith("/") or "\0" in value or "\n" in value:
        raise ValueError(f"{value!r} is not an absolute path")


def _check_volume(value: str) -> None:
    path, _, size = value.partition("=")
    _check_abs_path(path)
    if size and not _QUANTITY.match(size):
        raise ValueError(f"{value!r}: size {size!r} is not a quantity like 5Gi or 500Mi")


def _check_env_name(value: str) -> None:
    if not _ENV_NAME.match(value):
        raise ValueError(f"{value!r} is not an environment variable name")


def _check_app_name(value: str) -> None:
    if not _DNS_LABEL.match(value):
        raise ValueError(f"{value!r} is not a valid app name (lowercase letters, digits, '-', at most 63)")


def _check_replicas(value: int) -> None:
    if not 0 <= value <= 1000:
        raise ValueError(f"replicas must be between 0 and 1000, got {value}")


def _check_merge(app: str, names: Sequence[str]) -> Callable[[str], None]:
    def check(value: str) -> None:
        if value == app:
            raise ValueError(f"app {app!r} cannot be merged into itself")
        if value and value not in names:
            raise ValueError(f"no app named {value!r} on this host (apps: {', '.join(names) or 'none'})")

    return check


# -- defaults from discovery ------------------------------------------------


def _secret_env_names(app: App) -> list[str]:
    """The env vars the plan would make Secrets: the one detector (mta.discover.secrets) decides."""
    return [var.name for var in app.env if env_is_secret(var.name, var.value, var.secret)]


_SECRETISH = ("PASS", "PWD", "SECRET", "TOKEN", "KEY", "CRED", "AUTH", "PRIVATE", "SALT", "CERT", "DSN", "URL")


def secret_choices(app: App, likely: Sequence[str]) -> tuple[str, ...]:
    """The env names to offer as secrets, most likely first: the ones the
    detector calls secret (preselected), then names that sound secret, then
    the rest alphabetically."""
    rest = sorted({v.name for v in app.env} - set(likely))
    sounding = [n for n in rest if any(w in n.upper() for w in _SECRETISH)]
    return tuple(dict.fromkeys([*likely, *sounding, *rest]))


def _app_defaults(app: App, planned: Any) -> dict[str, Any]:
    """Per-app defaults: from the plan's decisions, else from the detector."""
    if planned is not None:
        vols = [f"{v.path}={v.size}" for v in planned.volumes]
        return {
            "include": bool(planned.include),
            "base": "official",
            "ports": [p.port for p in planned.expose],
            "configmaps": [c.source for c in planned.config if c.configmap],
            "volumes": vols,
            # env names only: file secrets are keyed by file name, not env
            "secrets": [e.name for e in planned.env if e.secret],
            "replicas": int(planned.replicas),
            "resources": planned.resources.strategy,
        }
    return {
        "include": True,
        "base": "official",
        "ports": [p.port for p in app.ports],
        "configmaps": list(app.config_files),
        "volumes": [f"{p}=1Gi" for p in app.data_paths],
        "secrets": _secret_env_names(app),
        "replicas": 1,
        "resources": DEFAULT_STRATEGY,
    }


def builtin_defaults(apps: Sequence[App] = ()) -> dict[str, Any]:
    """Defaults that need no discovery (the last layer)."""
    out: dict[str, Any] = {"base": "official"}
    for t in TARGETS:
        out[f"targets.{t}"] = True
    out["k8s.namespace"] = "default"
    out["k8s.ingress_host"] = ""
    for app in apps:
        p = f"apps.{app.name}."
        out.update(
            {
                p + "include": True,
                p + "name": app.name,
                p + "merge_into": "",
                p + "base": "official",
                p + "ports": [],
                p + "configmaps": [],
                p + "volumes": [],
                p + "secrets": [],
                p + "proxy": "keep",
                p + "replicas": 1,
                p + "resources": DEFAULT_STRATEGY,
            }
        )
    return out


def host_questions(facts: HostFacts, apps: Sequence[App], planned: Optional[Plan] = None) -> list[Question]:
    """Every question for this host, in the order the wizard asks them. The
    defaults are ``planned``'s decisions (``mta.plan.defaults.questions_for``
    passes the plan made with no answers), else the detector's; the types,
    choices and checks are the same either way, so checking answers needs no plan."""
    qs: list[Question] = [
        Question(
            "base",
            "choice",
            getattr(planned, "base", None) or "official",
            "Base image family: 'official' images per stack (tomcat, python, node…), "
            "'debian' (one distro for every image), or the path of a YAML mapping file.",
            choices=BASE_CHOICES,
            open_choice=True,
            check=_check_base,
            step="targets",
        )
    ]
    target_help = {
        "compose": "Write compose.yaml (docker compose up).",
        "swarm": "Make compose.yaml deployable with docker stack deploy (deploy: sections).",
        "kubernetes": "Write k8s/ manifests with a kustomization.yaml.",
        "security": "Write runtime-security rules (Falco) and network-policy notes.",
        "sbom": "Write a CycloneDX SBOM (sbom.cdx.json) of the VM's packages.",
    }
    ptargets = getattr(planned, "targets", None)
    for t in TARGETS:
        default = bool(getattr(ptargets, t, True)) if ptargets is not None else True
        qs.append(Question(f"targets.{t}", "bool", default, target_help[t], step="targets"))
    qs.append(
        Question(
            "k8s.namespace",
            "str",
            getattr(ptargets, "namespace", None) or "default",
            "Kubernetes namespace for every object.",
            check=_check_namespace,
            step="targets",
        )
    )
    qs.append(
        Question(
            "k8s.ingress_host",
            "str",
            getattr(ptargets, "ingress_host", None) or "",
            "Host name for an Ingress to the HTTP apps (empty: no Ingress).",
            check=_check_ingress_host,
            step="targets",
        )
    )

    names = [a.name for a in apps]
    for app in apps:
        papp = planned.app(app.name) if planned is not None and hasattr(planned, "app") else None
        d = _app_defaults(app, papp)
        p = f"apps.{app.name}."
        evidence = "; ".join(f"{e.kind} {e.ref}" for e in app.evidence[:3])
        qs += [
            Question(
                p + "include",
                "bool",
                d["include"],
                f"Containerize {app.name} ({app.stack}{', ' + evidence if evidence else ''}).",
                app=app.name,
            ),
            Question(
                p + "name",
                "str",
                app.name,
                "The app's name in the plan, its image, compose service and Kubernetes objects "
                "(answers keep using the detected name as id).",
                check=_check_app_name,
                app=app.name,
            ),
            Question(
                p + "merge_into",
                "choice",
                "",
                "Merge this app's processes into another app of the host (empty: keep separate).",
                choices=tuple([""] + [n for n in names if n != app.name]),
                check=_check_merge(app.name, names),
                app=app.name,
            ),
            Question(
                p + "base",
                "choice",
                d["base"],
                "Base image: 'official' for the stack, 'debian', or an image reference with a tag.",
                choices=BASE_CHOICES,
                open_choice=True,
                check=_check_image,
                app=app.name,
            ),
            Question(
                p + "ports",
                "list",
                d["ports"],
                "Ports to expose (container ports).",
                check=_check_port,
                app=app.name,
                item_type="int",
            ),
            Question(
                p + "configmaps",
                "list",
                d["configmaps"],
                "Config files (VM paths) that become ConfigMaps instead of being baked into the image.",
                choices=tuple(dict.fromkeys(list(app.config_files) + d["configmaps"])),
                check=_check_abs_path,
                app=app.name,
            ),
            Question(
                p + "volumes",
                "list",
                d["volumes"],
                "Data volumes as container paths, with an optional size: /var/lib/app=5Gi.",
                check=_check_volume,
                app=app.name,
            ),
            Question(
                p + "secrets",
                "list",
                d["secrets"],
                "Environment variables whose values are secrets (kept out of images and ConfigMaps).",
                choices=secret_choices(app, d["secrets"]),
                check=_check_env_name,
                app=app.name,
            ),
            Question(
                p + "proxy",
                "choice",
                "keep",
                "For a reverse proxy (nginx, httpd in front of the apps): keep it as its own container, "
                "or drop it and let clients reach the apps directly or through the Ingress. "
                + ("This app is a proxy." if app.role == "proxy" else "No effect: this app is not a proxy."),
                choices=PROXY_CHOICES,
                app=app.name,
            ),
            Question(
                p + "replicas",
                "int",
                d["replicas"],
                "Replicas (Kubernetes and Swarm). Stateful apps usually stay at 1.",
                check=_check_replicas,
                app=app.name,
            ),
            Question(
                p + "resources",
                "choice",
                d["resources"],
                "Resource requests/limits: as-is (VM size), p95 or peak of measured use, or mta defaults.",
                choices=RESOURCE_CHOICES,
                app=app.name,
            ),
        ]
    return qs


def by_id(qs: Sequence[Question]) -> dict[str, Question]:
    return {q.id: q for q in qs}


class Answers(dict):
    """``{question id: value}`` checked against the questions: each value has its
    question's type. ``make_plan`` reads these as they are; a plain dict it is
    given goes through ``validate_answers`` first."""


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
) -> Answers:
    """Answers coerced to their questions' types.

    An unknown id or an invalid value raises InputError naming it (and
    ``source``, the file or ``--set``). With ``unknown_apps="ignore"`` ids of
    apps this host does not have are dropped: one batch answers file serves
    many hosts.
    """
    # the types, choices and checks do not depend on the defaults: no plan is made here
    qs = by_id(questions if questions is not None else host_questions(facts, apps))
    out = Answers()
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


__all__ = [
    "Answers",
    "FALSE",
    "QType",
    "Question",
    "TARGETS",
    "TRUE",
    "builtin_defaults",
    "by_id",
    "layer",
    "load_answers",
    "load_connection",
    "parse_set",
    "parse_sets",
    "host_questions",
    "secret_choices",
    "to_bool",
    "validate_answers",
]
