"""DNS-1123 names for apps and secrets, unique per host."""

from __future__ import annotations

import re

_MAX = 63


def slug(text: str, fallback: str = "app") -> str:
    """A DNS-1123 label that also starts with a letter (a valid Service name too)."""
    s = re.sub(r"[^a-z0-9-]+", "-", text.lower().replace("_", "-").replace(".", "-"))
    s = re.sub(r"-{2,}", "-", s).strip("-")
    if s and not s[0].isalpha():
        s = f"{fallback}-{s}"
    s = s[:_MAX].rstrip("-")
    return s or fallback


def unique(name: str, taken: set[str], alt: str = "") -> str:
    """``name``, else ``name-alt``, else ``name-2``, ``name-3``…; records the choice."""
    base = slug(name)
    candidates = [base]
    if alt and slug(alt) != base:
        # "static" + "static-apache" -> "static-apache", "db" + "postgresql" -> "db-postgresql"
        candidates.append(slug(alt) if slug(alt).startswith(base + "-") else slug(f"{base}-{alt}"))
    for c in candidates:
        if c not in taken:
            taken.add(c)
            return c
    n = 2
    while True:
        suffix = f"-{n}"
        c = base[: _MAX - len(suffix)].rstrip("-") + suffix
        if c not in taken:
            taken.add(c)
            return c
        n += 1
