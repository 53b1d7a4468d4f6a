"""The per-host steps batch calls, looked up lazily so each layer can be swapped
(tests inject fakes; the wizard reuses the real ones)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from ..errors import MtaError
from ..inventory import Target
from ..io import load_model
from ..model import App, HostFacts, Plan
from ..transport import ssh_transport


class StageMissing(MtaError):
    """A step batch names does not exist (a typo in a dotted name: an internal error)."""


def _fn(dotted: str) -> Callable[..., Any]:
    module, _, name = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise StageMissing(f"{dotted} is not available ({exc})") from None


def connect_ssh(target: Target, timeout: float, on_start: Optional[Callable[[Any], None]] = None) -> Any:
    """One SSH connection for the whole host, opened and verified now.
    ``on_start`` gets the transport before it connects (so a watchdog can abort it)."""
    t = ssh_transport(
        target.address, user=target.user, port=target.port, jump=target.jump, key=target.key,
        known_hosts=target.known_hosts, look_for_keys=not target.key, sudo=target.sudo,
        # half the host's budget at most, so a silent port reads as a timeout, not the deadline
        connect_timeout=max(1.0, min(timeout / 2, 20.0)), command_timeout=max(1.0, timeout),
        accept_new_host_key=target.accept_new_host_key, name=target.name,
    )
    if on_start is not None:
        on_start(t)
    try:
        t.connect()
    except BaseException:
        t.close()
        raise
    return t


def _discover(transport: Any, **kw: Any) -> HostFacts:
    return _fn("mta.discover.collect.discover")(transport, **kw)


def _load_discovery(path: str) -> HostFacts:
    return _fn("mta.pipeline.load_discovery")(path)


def _detect(facts: HostFacts) -> list[App]:
    return _fn("mta.detect.detect_apps")(facts)


def _answers(facts: HostFacts, apps: list[App], answers: dict) -> dict:
    return _fn("mta.plan.defaults.resolve_answers")(facts, apps, answers=answers, unknown_apps="ignore")


def _plan(facts: HostFacts, apps: list[App], *, answers: dict, base: str, discovery_path: str) -> Plan:
    return _fn("mta.plan.make_plan")(facts, apps, answers=answers, base=base, discovery_path=discovery_path)


def _load_plan(path: str) -> Plan:
    return load_model(path, Plan)


def _extract(transport: Any, plan: Plan, host_dir: Path) -> Any:
    return _fn("mta.extract.extract_host")(transport, plan, host_dir)


def _generate(facts: HostFacts, plan: Optional[Plan], out_root: Path, answers: dict, base: str) -> Any:
    # batch has written discovery.yaml already; naming it keeps generate from dumping it again
    written = Path(out_root) / "hosts" / facts.host / "discovery.yaml"
    fn = _fn("mta.pipeline.generate_host")
    if written.is_file():
        return fn(facts, plan, out_root, answers, base, discovery_path=str(written))
    return fn(facts, plan, out_root, answers, base)


@dataclass
class Stages:
    """Every step of the per-host pipeline; replace any for tests or reuse."""

    connect: Callable[..., Any] = connect_ssh  # (target, timeout, on_start)
    discover: Callable[..., HostFacts] = _discover
    load_discovery: Callable[[str], HostFacts] = _load_discovery
    detect: Callable[[HostFacts], list[App]] = _detect
    answers: Callable[[HostFacts, list[App], dict], dict] = _answers
    plan: Callable[..., Plan] = _plan
    load_plan: Callable[[str], Plan] = _load_plan
    extract: Callable[[Any, Plan, Path], Any] = _extract
    generate: Callable[[HostFacts, Optional[Plan], Path, dict, str], Any] = _generate
