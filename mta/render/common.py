"""Facts every target needs about one app: config and secret files with keys."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import SECRET_MARKER, AppPlan, HostFacts
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
    person can drop one from plan.yaml and it is no longer applied.

    An entry holds ``SECRET_MARKER`` where the VM's file had a secret (the
    plan sees masked files only: ``mysql+pymysql://app:<redacted:secret>@localhost``).
    On a file with its real values (a secret file ``extract --secrets`` reads)
    each marker matches the value there and the new side gets the same value."""
    for entry in rewrites:
        m = re.match(r"^config: (.+?) -> (.+)$", entry)
        if not m:
            continue
        old, new = m.group(1), m.group(2)
        text = text.replace(old, new)
        if SECRET_MARKER in old and old.count(SECRET_MARKER) == new.count(SECRET_MARKER):
            text = _masked_swap(text, old, new)
    return text


def _masked_swap(text: str, old: str, new: str) -> str:
    parts = old.split(SECRET_MARKER)
    # a value is one word (a URL's password, an ini value): it runs to the literal text after it
    rx = "".join(re.escape(p) + ("" if i == len(parts) - 1 else r"(\S+?)" if parts[i + 1] else r"(\S+)")
                 for i, p in enumerate(parts))
    pieces = new.split(SECRET_MARKER)

    def sub(mm: re.Match) -> str:
        return "".join(p + (mm.group(i + 1) if i < len(pieces) - 1 else "") for i, p in enumerate(pieces))

    return re.sub(rx, sub, text)


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
