"""Base images pinned by digest from a lock file (``--lock FILE``).

The plan pins every image by tag. A lock file adds the digest, so a rebuild
gets exactly the bytes that were scanned:

    # images.lock.yaml (YAML or JSON)
    images:
      python:3.5-slim: sha256:0123…
      mysql:5.7: sha256:4567…

Fill it with ``docker buildx imagetools inspect IMAGE`` / ``crane digest IMAGE``
/ ``skopeo inspect docker://IMAGE``. ``apply_lock`` rewrites base, builder and
backing images to ``name:tag@sha256:…``; images missing from the lock keep
their tag and are listed so the caller can warn.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Union

from ...errors import InputError
from ...io import load_yaml
from ...model import Plan

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def _normal(ref: str) -> str:
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/"):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref


def load_lock(path: Union[str, Path]) -> dict[str, str]:
    """{image ref: digest} from a lock file; InputError naming the bad entry."""
    data = load_yaml(path)
    if isinstance(data, dict) and isinstance(data.get("images"), dict):
        data = data["images"]
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected 'images:' mapping image -> sha256 digest")
    lock: dict[str, str] = {}
    for ref, digest in data.items():
        if not isinstance(ref, str) or not isinstance(digest, str) or not DIGEST.match(digest.strip()):
            raise InputError(f"{path}: images.{ref}: expected sha256:<64 hex>, got {digest!r}")
        lock[_normal(ref.strip())] = digest.strip()
    return lock


def pin(ref: str, lock: dict[str, str]) -> str:
    """``ref@digest`` when the lock knows ref (already-pinned refs stay as they are)."""
    if not ref or "@" in ref:
        return ref
    digest = lock.get(_normal(ref))
    return f"{ref}@{digest}" if digest else ref


def apply_lock(plan: Plan, lock: dict[str, str]) -> tuple[Plan, list[str]]:
    """A copy of ``plan`` with images pinned by digest, and the refs the lock lacked."""
    out = plan.model_copy(deep=True)
    missing: list[str] = []

    def do(ref: str) -> str:
        new = pin(ref, lock)
        if ref and new == ref and "@" not in ref:
            missing.append(ref)
        return new

    for app in out.apps:
        if not app.include:
            continue
        if app.build is None:
            app.image = do(app.image)
        else:
            app.build.base_image = do(app.build.base_image)
            if app.build.builder_image:
                app.build.builder_image = do(app.build.builder_image)
    return out, sorted(set(missing))
