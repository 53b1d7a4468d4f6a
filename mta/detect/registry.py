"""Detector registry: detectors register with a decorator and run in order.

Detectors run from the most specific (``order`` low: Tomcat, pm2, Django…)
to the most generic (the listening-port fallback). The first app that claims
a pid owns it: a later app whose main pid is taken is dropped, so a Tomcat
JVM is never also reported as "a java process on port 8080"; a later app
whose tree merely contains another app (nginx spawning Passenger) keeps only
its own pids.
"""

from __future__ import annotations

import logging
from typing import Callable, TypeVar

from ..model import App, HostFacts
from ..registry_scan import import_package_modules
from .guesses import concrete
from .ignore import ignored
from .links import finalize

log = logging.getLogger(__name__)


class Detector:
    """One stack. Subclasses set ``name`` and ``order`` and override the two hooks."""

    name: str = ""
    #: every ``App.stack`` it may emit; each needs a recipe family that claims it (``mta/plan/recipes/``)
    stacks: tuple[str, ...] = ()
    #: lower runs first and wins pids it claims
    order: int = 50
    #: the app exists only because it listens (fallback, python scripts): no port left, no app
    needs_port: bool = False

    def wants(self, facts: HostFacts) -> list[str]:
        """VM paths this detector would like fetched, derived from the facts."""
        return []

    def detect(self, facts: HostFacts) -> list[App]:
        """Apps of this stack, each with evidence and a confidence."""
        return []


D = TypeVar("D", bound=type)

_REGISTRY: dict[str, Detector] = {}
def register(cls: D) -> D:
    """Class decorator: instantiate and register a Detector subclass by its name."""
    inst = cls()
    if not inst.name:
        raise ValueError(f"{cls.__name__} has no name")
    if inst.name in _REGISTRY and type(_REGISTRY[inst.name]) is not cls:
        raise ValueError(f"two detectors named {inst.name!r}")
    _REGISTRY[inst.name] = inst
    return cls


def _load() -> None:
    # every module of the package: a new stack is one new module, no list to edit
    import_package_modules(__package__, __file__)


def detectors() -> list[Detector]:
    """Every registered detector, in run order (modules of this package register on import)."""
    _load()
    return sorted(_REGISTRY.values(), key=lambda d: (d.order, d.name))


def _guard(det: Detector, what: str, fn: Callable[[], list], strict: bool) -> list:
    # One broken detector must not cost the host its other apps.
    try:
        return list(fn())
    except Exception:  # noqa: BLE001 - reported, then the next detector runs
        if strict:
            raise
        log.warning("detector %s failed in %s; skipped", det.name, what, exc_info=True)
        return []


def wanted_files(facts: HostFacts, *, strict: bool = False) -> list[str]:
    """Every VM path some detector wants, de-duplicated, in a stable order.

    Paths already present in ``facts.files`` are left out, so calling this
    again after a fetch returns only what the fetched files pointed to
    (includes, pm2 dump apps…). A path may hold a ``*`` glob in its last
    component (``/etc/nginx/sites-enabled/*``), to be expanded on the VM
    (``split_globs`` separates them); likely concrete names for each pattern
    follow it, so a fetcher without glob support still finds most files.
    A path ``X.jar!/META-INF/MANIFEST.MF`` names an entry inside a jar.
    """
    have = {f.path for f in facts.files}
    out: list[str] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        if path and path.startswith("/") and path not in seen and path not in have and "\0" not in path:
            seen.add(path)
            out.append(path)

    for det in detectors():
        for path in _guard(det, "wants", lambda: det.wants(facts), strict):
            add(path)
            # A fetcher that cannot expand globs still gets the likely names.
            for guess in concrete(facts, path) if "*" in path else ():
                add(guess)
    # How each running app is started: the EnvironmentFile of its unit (env vars, secrets masked).
    for svc in facts.services:
        proc = facts.process(svc.main_pid) if svc.main_pid else None
        if proc is not None and not ignored(proc):
            for path in svc.environment_files:
                add(path.lstrip("-"))
    return out


def split_globs(paths: list[str]) -> tuple[list[str], list[str]]:
    """(exact paths, glob patterns) of a ``wanted_files`` answer."""
    exact = [p for p in paths if not any(c in p for c in "*?[")]
    return exact, [p for p in paths if p not in exact]


def detect_apps(facts: HostFacts, *, strict: bool = False) -> list[App]:
    """All apps on the host with evidence; ``[]`` when nothing is detectable."""
    cands: list[tuple[Detector, App]] = []
    for det in detectors():
        cands += [(det, app) for app in _guard(det, "detect", lambda: det.detect(facts), strict)]
    return finalize(facts, resolve(facts, cands))


def resolve(facts: HostFacts, cands: list[tuple[Detector, App]]) -> list[App]:
    """Settle which app owns which pid.

    1. One app per main pid (``pids[0]``): the most specific detector wins.
    2. An app whose tree holds another app's main pid gives that subtree up
       (the test runner that started nginx, nginx that spawned Passenger).
    3. What still overlaps goes to the earlier app; an app that exists only
       because it listens (``needs_port``) and has no port left is dropped.
    """
    kept: list[tuple[Detector, App]] = []
    roots: set[int] = set()
    for det, app in cands:
        if app.pids and app.pids[0] in roots:
            log.debug("%s: %s dropped, its main pid belongs to an earlier app", det.name, app.name)
            continue
        if app.pids:
            roots.add(app.pids[0])
        kept.append((det, app))
    # Nested roots from the same detector (npm -> sh -> node) or from a guess that only saw a
    # port (the node under npm, again): the outer app already holds the inner one.
    kept = [(det, app) for det, app in kept
            if not any(o is not app and (d is det or det.needs_port) and app.pids and o.pids and app.pids[0] in o.pids[1:]
                       for d, o in kept)]
    for det, app in kept:
        mine = set(app.pids)
        nested: set[int] = set()
        for _, other in kept:
            if other is not app and other.pids and other.pids[0] in mine and other.pids[0] != app.pids[0]:
                nested |= set(other.pids)
        _give_up(facts, app, nested)
    out: list[App] = []
    claimed: set[int] = set()
    claimed_ports: set[tuple[str, int]] = set()
    for det, app in kept:
        if app.pids and app.pids[0] in claimed:
            continue
        _give_up(facts, app, claimed & set(app.pids))
        ports = {(p.protocol, p.port) for p in app.ports}
        if det.needs_port and (not ports or (det.order >= 90 and ports <= claimed_ports)):
            continue
        claimed |= set(app.pids)
        claimed_ports |= ports
        out.append(app)
    return out


def _give_up(facts: HostFacts, app: App, pids: set[int]) -> None:
    """Remove ``pids`` and the ports they listen on from ``app``."""
    pids = pids - {app.pids[0]} if app.pids else pids
    if not pids:
        return
    foreign = {(s.protocol, s.port) for s in facts.sockets if s.pid in pids}
    mine = {(s.protocol, s.port) for s in facts.sockets if s.pid in set(app.pids) - pids}
    app.pids = [p for p in app.pids if p not in pids]
    app.ports = [p for p in app.ports if (p.protocol, p.port) not in foreign - mine]
