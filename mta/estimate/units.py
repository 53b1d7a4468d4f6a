"""Unit helpers shared by the estimator and the report."""

from __future__ import annotations

import math

MIB = 1024**2
GIB = 1024**3


def ceil_mib(value: float) -> int:
    """Round bytes up to a whole MiB (Kubernetes quantities read better)."""
    return int(math.ceil(value / MIB)) * MIB


def fmt_mi(value: int) -> str:
    """Bytes as a Kubernetes quantity: whole Mi, or Gi when exact."""
    mib = int(math.ceil(value / MIB))
    if mib and mib % 1024 == 0:
        return f"{mib // 1024}Gi"
    return f"{mib}Mi"


def fmt_m(millicores: int) -> str:
    """Millicores as a Kubernetes quantity."""
    if millicores % 1000 == 0:
        return str(millicores // 1000)
    return f"{millicores}m"


def gib(value: float) -> float:
    return value / GIB


_MEM_UNITS = {"": 1, "k": 1000, "m": 1000**2, "g": 1000**3, "t": 1000**4,
              "ki": 1024, "mi": MIB, "gi": GIB, "ti": 1024**4}


def parse_cpu(text: str) -> int:
    """A Kubernetes CPU quantity ("250m", "1.5", "2") in millicores."""
    t = str(text).strip()
    if t.endswith("m"):
        return int(math.ceil(float(t[:-1])))
    return int(math.ceil(float(t) * 1000))


def parse_memory(text: str) -> int:
    """A Kubernetes memory quantity ("256Mi", "1Gi", "512M", "1048576") in bytes."""
    t = str(text).strip()
    i = len(t)
    while i and t[i - 1].isalpha():
        i -= 1
    unit = t[i:].lower()
    if unit not in _MEM_UNITS:
        raise ValueError(f"not a memory quantity: {text!r}")
    return int(math.ceil(float(t[:i]) * _MEM_UNITS[unit]))
