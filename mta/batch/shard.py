"""Deterministic slices of an inventory, so a fleet can be spread over machines.

A host belongs to shard ``sha256(name) mod N``; the name alone decides, so
every machine agrees without talking to the others, and adding a host never
moves the others.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Iterable, TypeVar

from ..errors import InputError

T = TypeVar("T")

_SHARD_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    index: int  # 0-based, like a Kubernetes Indexed Job's JOB_COMPLETION_INDEX
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, name: str) -> bool:
        return shard_of(name, self.count) == self.index

    def select(self, items: Iterable[T], key=lambda t: t.name) -> list[T]:
        return [t for t in items if self.holds(key(t))]


def shard_of(name: str, count: int) -> int:
    """The shard (0..count-1) host ``name`` falls in."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


def parse_shard(text: str) -> Shard:
    """``"K/N"`` with 0 <= K < N."""
    m = _SHARD_RE.match(text or "")
    if not m:
        raise InputError(f"bad --shard {text!r}", hint="use K/N, e.g. --shard 0/4 … --shard 3/4")
    k, n = int(m.group(1)), int(m.group(2))
    if n < 1 or k >= n:
        raise InputError(
            f"bad --shard {text!r}: K must be between 0 and N-1",
            hint=f"shards count from 0: --shard 0/{max(n, 1)} … --shard {max(n, 1) - 1}/{max(n, 1)}",
        )
    return Shard(k, n)
