"""A Kubernetes NetworkPolicy per app, from what discovery observed.

Ingress: only the app's own ports; entry points (published apps) from
anywhere, internal apps only from pods of the same host's apps. Egress:
DNS, the apps it talked to (by label, on their ports) and outside
addresses it talked to (ipBlock /32, on the observed port). Anything else
is denied once a policy selects the pod.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ...model import AppPlan, HostFacts, Plan
from ...plan.names import dns_label
from .observed import observe


def _instance(plan: Plan) -> str:
    return dns_label(plan.host, "host")


def _pods(plan: Plan, name: str | None = None) -> dict[str, Any]:
    labels = {"app.kubernetes.io/instance": _instance(plan)}
    if name:
        labels["app.kubernetes.io/name"] = name
    return {"podSelector": {"matchLabels": labels}}


def _cidr(address: str) -> str:
    ip = ipaddress.ip_address(address)
    return f"{ip}/{32 if ip.version == 4 else 128}"


def network_policy(facts: HostFacts, plan: Plan, app: AppPlan) -> dict[str, Any]:
    seen = observe(facts, plan, app)
    ingress: list[dict[str, Any]] = []
    if app.expose:
        rule: dict[str, Any] = {"ports": [{"port": p.port, "protocol": p.protocol.upper()} for p in app.expose]}
        if not app.publish:
            rule["from"] = [_pods(plan)]
        ingress.append(rule)
    egress: list[dict[str, Any]] = [
        {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]},  # cluster DNS
    ]
    by_app: dict[str, list[tuple[int, str]]] = {}
    for peer in seen.peers:
        if peer.app:
            by_app.setdefault(peer.app, []).append((peer.port, peer.protocol))
        elif peer.address:
            egress.append({"to": [{"ipBlock": {"cidr": _cidr(peer.address)}}],
                           "ports": [{"port": peer.port, "protocol": peer.protocol.upper()}]})
    for name, ports in sorted(by_app.items()):
        egress.append({"to": [_pods(plan, name)],
                       "ports": [{"port": p, "protocol": proto.upper()} for p, proto in sorted(set(ports))]})
    labels = {"app.kubernetes.io/name": app.name, "app.kubernetes.io/instance": _instance(plan),
              "app.kubernetes.io/managed-by": "mta"}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": app.name, "labels": labels},
            "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": app.name,
                                                      "app.kubernetes.io/instance": _instance(plan)}},
                     "policyTypes": ["Ingress", "Egress"], "ingress": ingress, "egress": egress}}


def network_policies(facts: HostFacts, plan: Plan) -> dict[str, dict[str, Any]]:
    """{k8s file name: NetworkPolicy} for every included app."""
    return {f"{a.name}-networkpolicy.yaml": network_policy(facts, plan, a) for a in plan.apps if a.include}
