"""The probe's own facts: when, as whom, clock tick, boot time."""

from __future__ import annotations

from . import Blocks, key_values


def parse(blocks: Blocks) -> dict[str, str]:
    return key_values(blocks.get("meta", ""))
