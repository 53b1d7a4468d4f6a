"""Base image rules every recipe shares: image references, version lines
(each family's own tags live in its recipe module, ``plan/recipes/``), the
Debian base, and the site mapping to an internal registry.

Tags are pinned to a major (or major.minor) line, never ``latest``. A VM
runtime too old for any published tag is moved to the closest one, and the
move is returned as a note so the runbook can say so.
"""

from __future__ import annotations

import re

from ..errors import InputError

DEBIAN_IMAGE = "debian:bookworm-slim"

#: image refs: [registry/]path[:tag][@digest]; no spaces, no shell characters.
IMAGE_REF = re.compile(
    r"^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-]{1,2}[a-z0-9]+)*)*"
    r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$"
)


def check_image_ref(ref: str, where: str) -> str:
    """Reject refs that are malformed, untagged or ``latest``."""
    if not IMAGE_REF.match(ref or ""):
        raise InputError(f"{where}: {ref!r} is not a valid image reference")
    name, _, tag = _split_tag(ref)
    if "@sha256:" not in ref and (not tag or tag == "latest"):
        raise InputError(f"{where}: image {ref!r} needs a pinned tag (not 'latest')",
                         hint="use a version tag such as python:3.11-slim")
    return ref


def _split_tag(ref: str) -> tuple[str, str, str]:
    ref = ref.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ":", ref[colon + 1:]
    return ref, "", ""


def version_tuple(text: str) -> tuple[int, ...]:
    """'1.8.0_292' -> (1, 8, 0); '3.6.8' -> (3, 6, 8); '' -> ()."""
    m = re.match(r"\D*(\d+(?:\.\d+)*)", text or "")
    return tuple(int(p) for p in m.group(1).split(".")) if m else ()


def closest(wanted: tuple[int, ...], known: list[tuple[int, ...]]) -> tuple[int, ...]:
    """The known version equal to wanted, else the next newer, else the newest."""
    if wanted in known:
        return wanted
    newer = [k for k in known if k > wanted]
    return min(newer) if newer else max(known)


def moved(kind: str, had: str, got: str) -> list[str]:
    return [f"{kind} {had} has no published image; using the closest available {got}"] if had and had != got else []


def minor_line(label: str, version: str, known: list, default: str, unknown: str) -> tuple[str, list[str]]:
    """The published major.minor line closest to ``version`` (a note when it moved)."""
    v = version_tuple(version)[:2]
    if len(v) < 2:
        return default, [unknown]
    got = closest(v, known)
    return "%d.%d" % got, moved(label, "%d.%d" % v, "%d.%d" % got)


# --- site mapping ------------------------------------------------------------

def apply_mapping(ref: str, mapping: dict[str, str]) -> str:
    """Swap an official ref for the site's mirror: keys are repos ('python') or
    full refs ('python:3.6-slim'); a value without a tag keeps ours."""
    if not mapping or not ref:
        return ref
    if ref in mapping:
        return mapping[ref]
    repo, _, tag = _split_tag(ref)
    target = mapping.get(repo)
    if not target:
        return ref
    _, _, ttag = _split_tag(target)
    return target if ttag else f"{target}:{tag}"
