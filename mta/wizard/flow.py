"""The interactive flow: connect, discover, review apps, targets, generate.

Each step is a method; ``Back`` raised from a navigation prompt returns to
the previous step with every answer kept. Nothing is written until the last
step, and that step writes all or nothing (see ``generate``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from rich.console import Console

from ..errors import InputError
from ..model import App, HostFacts
from ..plan.answers import Question, builtin_defaults, layer, validate_answers
from ..plan.defaults import questions_for
from . import load, summary
from .generate import Generated, Renderer, generate, pipeline_renderer
from .prompts import Prompter, ask, label


class Back(Exception):
    """The user chose to go back: one step, or to the step named ``to``."""

    def __init__(self, to: str = "") -> None:
        super().__init__(to)
        self.to = to


@dataclass
class Session:
    """What the steps share; ``answers`` holds what was asked or preset."""

    out: Path
    discovery_path: Optional[Path] = None
    facts: Optional[HostFacts] = None
    apps: list[App] = field(default_factory=list)
    #: (source, raw answers), lowest first: the answers file, then --set
    preset: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)
    connection: dict[str, Any] = field(default_factory=dict)  # never a password
    transport: Any = None


#: (session) -> HostFacts, run under a spinner
Discoverer = Callable[[Session], HostFacts]
#: (prompter, console, session) -> None; fills session.connection and .transport
Connector = Callable[[Prompter, Console, Session], None]
#: (prompter, console, session, result) -> None: what to offer once the files are written
After = Callable[[Prompter, Console, Session, Generated], None]


class Wizard:
    def __init__(
        self,
        prompter: Prompter,
        console: Console,
        session: Session,
        *,
        connector: Optional[Connector] = None,
        discoverer: Optional[Discoverer] = None,
        detector: Optional[Callable[[HostFacts], list[App]]] = None,
        renderer: Renderer = pipeline_renderer,
        after: Optional["After"] = None,
    ) -> None:
        self.p = prompter
        self.after = after
        self.c = console
        self.s = session
        self.connector = connector
        self.discoverer = discoverer
        self.detector = detector
        self.renderer = renderer
        self._questions: list[Question] = []
        self._fresh = True  # connection changed since the last discovery

    # -- driving -----------------------------------------------------------

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        steps = []
        if self.s.discovery_path is None:
            steps.append(("connection", self.step_connect))
        steps += [
            ("discovery", self.step_discover),
            ("review", self.step_review),
            ("targets", self.step_targets),
            ("generate", self.step_generate),
        ]
        return steps

    def run(self) -> Generated:
        steps = self.steps()
        i = 0
        while i < len(steps):
            try:
                steps[i][1]()
            except Back as back:
                names = [n for n, _ in steps]
                i = names.index(back.to) if back.to in names else max(i - 1, 0)
                continue
            i += 1
        return self.result

    def nav(self, here: str) -> None:
        """Continue, or go Back to the previous step (raises Back)."""
        names = [n for n, _ in self.steps()]
        idx = names.index(here)
        choices = [(f"Continue to {names[idx + 1]}", "next")]
        if idx > 0:
            choices.append((f"Back to {names[idx - 1]}", "back"))
        if self.p.select("Next", choices, default="next") == "back":
            raise Back(names[idx - 1])

    # -- the steps ---------------------------------------------------------

    def step_connect(self) -> None:
        self.c.rule("1. Connection")
        assert self.connector is not None
        self.connector(self.p, self.c, self.s)
        self._fresh = True

    def step_discover(self) -> None:
        self.c.rule("2. Discovery")
        if self.s.facts is None or (self._fresh and self.s.discovery_path is None):
            if self.s.discovery_path is not None:
                self.s.facts = load.load_facts(self.s.discovery_path)
            else:
                assert self.discoverer is not None
                with self.c.status(f"Discovering {self.s.connection.get('host', '')} (read-only)…"):
                    self.s.facts = self.discoverer(self.s)
            self._fresh = False
            if self.detector is None:
                self.s.apps = load.detect(self.s.facts)
            else:
                self.s.apps = self.detector(self.s.facts)
            self._questions = questions_for(self.s.facts, self.s.apps)
            self._apply_preset()
        summary.show(self.c, self.s.facts, self.s.apps)
        self.nav("discovery")

    def _apply_preset(self) -> None:
        """--answers/--set become the prompts' defaults (checked here, once
        the host's ids are known)."""
        assert self.s.facts is not None
        ids = {q.id for q in self._questions}
        kept = {k: v for k, v in self.s.answers.items() if k in ids}  # given before a Back
        self.s.answers = {**checked_preset(self.s, self.s.facts, self.s.apps, self._questions), **kept}

    def default(self, q: Question) -> Any:
        return self.s.answers.get(q.id, q.default)

    def q(self, qid: str) -> Question:
        for q in self._questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def _ask(self, qid: str) -> Any:
        q = self.q(qid)
        value = ask(self.p, q, self.default(q))
        self.s.answers[qid] = value
        return value

    def step_review(self) -> None:
        self.c.rule("3. Review apps")
        apps = self.s.apps
        if not apps:
            self.c.print("No apps were detected; only host-level artifacts will be generated.")
        i = 0
        while i < len(apps):
            app = apps[i]
            p = f"apps.{app.name}."
            summary.show_app(self.c, app)
            include = self.default(self.q(p + "include"))
            merge = self.default(self.q(p + "merge_into"))
            current = "skip" if not include else (f"merge:{merge}" if merge else "keep")
            actions = [("keep as its own app", "keep"), ("skip it", "skip"), ("rename it", "rename")]
            # only apps that will exist as their own container can take another's processes
            actions += [(f"merge its processes into {n}", f"merge:{n}") for n in self._merge_targets(app.name)]
            if i > 0:
                actions.append((f"← back to {apps[i - 1].name}", "back"))
            else:
                actions.append(("← back to the discovery summary", "back"))
            action = self.p.select(f"{app.name}: what to do", actions, default=current)
            if action == "back":
                if i == 0:
                    raise Back("discovery")
                i -= 1
                continue
            if action == "rename":
                self._ask(p + "name")  # then the same app's choices again
                continue
            self.s.answers[p + "include"] = action != "skip"
            self.s.answers[p + "merge_into"] = action.split(":", 1)[1] if action.startswith("merge:") else ""
            i += 1
            if action != "keep":
                continue
            # the base image is one question for the host (step 4); per app it stays an answer id
            for key in ("ports", "configmaps", "volumes", "secrets"):
                self._ask(p + key)
            if app.role == "proxy":
                self._ask(p + "proxy")
            self._ask(p + "replicas")
            self._ask(p + "resources")
        self.nav("review")

    def _merge_targets(self, name: str) -> list[str]:
        """Apps ``name`` may merge into: the others still kept as their own app."""
        out = []
        for other in self.s.apps:
            p = f"apps.{other.name}."
            if other.name == name or not self.default(self.q(p + "include")):
                continue
            if self.default(self.q(p + "merge_into")):
                continue  # merged itself: no container of its own to merge into
            out.append(other.name)
        return out

    def step_targets(self) -> None:
        self.c.rule("4. Targets")
        targets = [q for q in self._questions if q.id.startswith("targets.")]
        picked = self.p.checkbox(
            "Generate for", [(label(q), q.id, bool(self.default(q))) for q in targets], instruction="space toggles, enter accepts"
        )
        for q in targets:
            self.s.answers[q.id] = q.id in picked
        if self.s.answers["targets.kubernetes"]:
            self._ask("k8s.namespace")
            self._ask("k8s.ingress_host")
        self._ask("base")

    def resolved(self) -> dict[str, Any]:
        return {q.id: self.default(q) for q in self._questions}

    def step_generate(self) -> None:
        self.c.rule("5. Generate")
        assert self.s.facts is not None
        summary.show_choices(self.c, self.s.apps, self.resolved())
        choice = self.p.select(
            f"Write the artifacts for {self.s.facts.host} into {self.s.out}",
            [("Generate", "go"), ("Edit the targets", "targets"), ("Edit the apps", "review")],
            default="go",
        )
        if choice != "go":
            raise Back(choice)
        with self.c.status("Generating…"):
            self.result = generate(
                self.s.facts, self.s.apps, self.resolved(), self.s.out, connection=self.s.connection, renderer=self.renderer
            )
        summary.show_result(self.c, self.result, self.resolved(), self.s.connection)
        if self.after is not None:
            self.after(self.p, self.c, self.s, self.result)


def checked_preset(session: Session, facts: HostFacts, apps: list[App], qs: list[Question]) -> dict[str, Any]:
    """The preset layers validated against this host's questions, merged."""
    out: dict[str, Any] = {}
    for source, raw in session.preset:
        out.update(validate_answers(raw, facts, apps, source=source, questions=qs))
    return out


def run_defaults(
    console: Console,
    session: Session,
    *,
    discoverer: Optional[Discoverer] = None,
    renderer: Renderer = pipeline_renderer,
) -> Generated:
    """``--defaults``: no prompts; --set > --answers > detected > built-in."""
    if session.discovery_path is not None:
        facts = load.load_facts(session.discovery_path)
    else:
        if discoverer is None:
            raise InputError("nothing to discover", hint="give a TARGET or --discovery FILE")
        facts = discoverer(session)
    apps = load.detect(facts)
    qs = questions_for(facts, apps)
    checked = checked_preset(session, facts, apps, qs)
    chain = layer({}, checked, {q.id: q.default for q in qs}, builtin_defaults(apps))
    answers = {q.id: chain[q.id] for q in qs}
    summary.show(console, facts, apps)
    result = generate(facts, apps, answers, session.out, connection=session.connection, renderer=renderer)
    summary.show_result(console, result, answers, session.connection)
    return result


__all__ = ["Back", "Session", "Wizard", "run_defaults"]
