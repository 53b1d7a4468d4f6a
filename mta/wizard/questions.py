"""The question registry: every decision a user can make, as data.

Each question has a stable id (the key of an answers file), a type, a default
computed from discovery, help text and a ``validate`` that coerces a raw value
(from YAML, ``--set`` or a prompt) to its type or raises ``ValueError``.
The wizard asks them; ``mta questions`` lists them; ``mta generate --answers``
and batch check answers against them.
"""

from __future__ import annotations

import re
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Optional, Sequence

from ..discover.secrets import env_is_secret
from ..errors import MtaError
from ..model import App, HostFacts
from ..plan import make_plan
from ..plan.answers import to_bool
from ..plan.images import check_image_ref

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


def _plan_for(facts: HostFacts, apps: Sequence[App]) -> Any:
    """The plan mta would make with no answers.

    Its decisions are the best defaults: answering every question with its
    default then reproduces the plan exactly. (The plan never asks the questions
    back: plan sits below wizard, tests/test_layers.py keeps it so.)
    """
    try:
        return make_plan(facts, list(apps))
    except Exception:  # a plan bug must not take the question list down with it; generate reports it
        return None


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
        "resources": "default",
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
                p + "resources": "default",
            }
        )
    return out


def questions_for(facts: HostFacts, apps: Sequence[App]) -> list[Question]:
    """Every question for this host, in the order the wizard asks them."""
    planned = _plan_for(facts, apps)
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


def detected_defaults(facts: HostFacts, apps: Sequence[App]) -> dict[str, Any]:
    """``{id: default}`` for this host: the layer under an answers file."""
    return {q.id: q.default for q in questions_for(facts, apps)}


def by_id(questions: Sequence[Question]) -> dict[str, Question]:
    return {q.id: q for q in questions}


__all__ = [
    "Question",
    "QType",
    "TARGETS",
    "builtin_defaults",
    "by_id",
    "detected_defaults",
    "questions_for",
]
