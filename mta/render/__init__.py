"""Rendering: one Jinja2 environment, view models, ``{path: text}`` out.

``render_host`` writes nothing; the pipeline writes what it returns.
"""

from __future__ import annotations

from ..io import dump_model
from ..model import HostFacts, Plan
from .compose import render_compose
from .dockerfile import render_app
from .k8s import render_k8s
from .runbook import render_runbook
from .security import render_security


def render_host(facts: HostFacts, plan: Plan) -> dict[str, str]:
    """Every artifact of one host, paths relative to OUT/hosts/<host>/."""
    files: dict[str, str] = {"plan.yaml": dump_model(plan)}
    kept = [a for a in plan.apps if a.include]
    for app in kept:
        if app.build is not None:
            files.update(render_app(plan.host, app))
    if kept:
        if plan.targets.compose or plan.targets.swarm:
            files.update(render_compose(facts, plan))
        if plan.targets.kubernetes:
            files.update(render_k8s(facts, plan))
    if kept:
        files.update(render_security(facts, plan))  # falco, CI snippet, sbom.cdx.json
    files["README.md"] = render_runbook(facts, plan)
    return files


__all__ = ["render_host"]
