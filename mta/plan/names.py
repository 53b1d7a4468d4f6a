"""Names that must satisfy Kubernetes, Docker and compose at once."""

from __future__ import annotations

import re

_NON_LABEL = re.compile(r"[^a-z0-9-]+")


def dns_label(text: str, fallback: str = "app", max_len: int = 63) -> str:
    """A DNS-1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric."""
    label = _NON_LABEL.sub("-", text.lower()).strip("-")
    label = re.sub(r"-{2,}", "-", label)[:max_len].strip("-")
    if not label or not label[0].isalpha():
        label = f"{fallback}-{label}".strip("-")[:max_len].strip("-")
    return label or fallback


def image_repo_component(text: str) -> str:
    """A Docker repository path component (lowercase, [a-z0-9] joined by . _ -)."""
    comp = re.sub(r"[^a-z0-9._-]+", "-", text.lower())
    comp = re.sub(r"[._-]{2,}", "-", comp).strip("._-")
    return comp or "host"


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def is_env_name(name: str) -> bool:
    return bool(_ENV_NAME.match(name))


def config_key(path: str) -> str:
    """A ConfigMap/Secret data key for a file path (basename, made valid)."""
    base = path.rstrip("/").rsplit("/", 1)[-1]
    key = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip(".") or "file"
    return key[:253]
