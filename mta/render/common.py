"""Facts every target needs about one app: config and secret files with keys."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import AppPlan, HostFacts
from ..plan.names import config_key


@dataclass
class FileItem:
    key: str  # ConfigMap/Secret key, unique per app
    source: str  # VM path
    target: str  # container path
    content: str  # ConfigMap content after rewrites ("" for secrets)


def unique_keys(paths: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for p in paths:
        key = config_key(p)
        n = seen.get(key, 0)
        seen[key] = n + 1
        out.append(key if not n else f"{n}-{key}")
    return out


def apply_rewrites(text: str, rewrites: list[str]) -> str:
    """The plan's 'config: old -> new' entries, as plain substring swaps, so a
    person can drop one from plan.yaml and it is no longer applied."""
    for entry in rewrites:
        m = re.match(r"^config: (.+?) -> (.+)$", entry)
        if m:
            text = text.replace(m.group(1), m.group(2))
    return text


def config_items(facts: HostFacts, app: AppPlan) -> list[FileItem]:
    cms = [c for c in app.config if c.configmap]
    keys = unique_keys([c.source for c in cms])
    items = []
    for key, c in zip(keys, cms):
        f = facts.file(c.source)
        items.append(FileItem(key, c.source, c.target, apply_rewrites(f.content if f else "", app.rewrites)))
    return items


def secret_file_items(app: AppPlan) -> list[FileItem]:
    refs = [s for s in app.secrets if s.target]
    return [FileItem(s.key, s.source, s.target, "") for s in refs]


def env_secret_names(app: AppPlan) -> list[str]:
    return list(dict.fromkeys(s.key for s in app.secrets if not s.target and not s.shared))


def shared_secrets(app: AppPlan) -> list[tuple[str, str, str]]:
    """(env name here, owning app, key there) for secrets this app reads from another app's."""
    out = []
    for s in app.secrets:
        owner, _, key = s.shared.partition("/")
        if not s.target and owner and key:
            out.append((s.key, owner, key))
    return list(dict.fromkeys(out))


def port_name(port: int, http: bool, used: set[str]) -> str:
    """IANA_SVC_NAME: <= 15 chars, lowercase, unique in the pod."""
    name = "http" if http else f"tcp-{port}"
    if name in used:
        name = f"http-{port}"
    used.add(name)
    return name[:15]


def compose_memory(k8s_qty: str) -> str:
    m = re.match(r"^(\d+)(Mi|Gi|Ki|M|G)?$", k8s_qty or "")
    if not m:
        return k8s_qty
    unit = {"Mi": "M", "Gi": "G", "Ki": "K", "M": "M", "G": "G", None: ""}[m.group(2)]
    return f"{m.group(1)}{unit}"


def compose_cpus(k8s_qty: str) -> str:
    if k8s_qty.endswith("m"):
        return f"{int(k8s_qty[:-1]) / 1000:.3f}".rstrip("0").rstrip(".")
    return k8s_qty
