"""Section ``hardware``: CPUs and memory from /proc."""

from __future__ import annotations

from ...model import Hardware
from . import Blocks, lines, to_int


def meminfo(text: str) -> dict[str, int]:
    """/proc/meminfo as bytes."""
    out: dict[str, int] = {}
    for line in lines(text):
        k, _, v = line.partition(":")
        parts = v.split()
        if parts and parts[0].isdigit():
            mult = 1024 if len(parts) > 1 and parts[1].lower() == "kb" else 1
            out[k.strip()] = int(parts[0]) * mult
    return out


def parse(blocks: Blocks) -> Hardware:
    hw = Hardware()
    processors = 0
    for line in lines(blocks.get("cpuinfo", "")):
        k, _, v = line.partition(":")
        k = k.strip()
        if k == "processor":
            processors += 1
        elif k in ("model name", "cpu model", "Hardware") and not hw.cpu_model:
            hw.cpu_model = v.strip()
    nproc = to_int(next(lines(blocks.get("nproc", "")), "0"))
    hw.cpu_count = nproc or processors
    mem = meminfo(blocks.get("meminfo", ""))
    hw.memory_bytes = mem.get("MemTotal", 0)
    hw.swap_bytes = mem.get("SwapTotal", 0)
    return hw
