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
