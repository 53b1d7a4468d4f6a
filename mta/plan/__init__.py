"""Planning: every decision that turns detected Apps into buildable, runnable
workloads (``plan.yaml``). ``make_plan`` is the only entry point."""

from __future__ import annotations

from .core import make_plan, load_mapping

__all__ = ["make_plan", "load_mapping"]
