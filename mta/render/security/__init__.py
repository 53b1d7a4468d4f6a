"""Render-time security artefacts: Falco rules, NetworkPolicies, SBOM,
hardening, the CI snippet and the operators' security/README.md, each from
the plan and the facts only.

``render_security`` returns ``{path: text}`` relative to OUT/hosts/<host>/,
like ``mta.render.render_host`` which merges it. (Plan-time security, the
config-file placeholders and digest locks, is ``mta.plan.security``;
command-time scanning and secret values are ``mta.security``.)
"""

from __future__ import annotations

from ...model import HostFacts, Plan
from ...model.identity import folder_name
from ..env import render
from .ci import render_ci
from .falco import render_falco
from .hardening import write_plan
from .observed import observe
from .sbom import render_sbom


def render_security(facts: HostFacts, plan: Plan) -> dict[str, str]:
    """security/falco-rules.yaml, security/ci/github-actions.yml, security/README.md, sbom.cdx.json."""
    files: dict[str, str] = {}
    if plan.targets.sbom:
        files["sbom.cdx.json"] = render_sbom(facts)
    kept = [a for a in plan.apps if a.include]
    if plan.targets.security and kept:
        files["security/falco-rules.yaml"] = render_falco(facts, plan)
        if any(a.build is not None for a in kept):
            files["security/ci/github-actions.yml"] = render_ci(plan, f"hosts/{folder_name(plan.host)}")
        rows = [(a, write_plan(a), observe(facts, plan, a)) for a in kept]
        files["security/README.md"] = render("security/README.md.j2", host=plan.host, rows=rows,
                                             kubernetes=plan.targets.kubernetes)
    return files


__all__ = ["render_security"]
