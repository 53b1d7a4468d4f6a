"""Prompts: a small interface the flow talks to, and its questionary backend.

The flow never imports questionary; tests drive it with a scripted prompter
and the pseudo-terminal suite drives the real one. Ctrl-C propagates as
KeyboardInterrupt (``unsafe_ask``) so the CLI exits 130; end of input becomes
the "use --answers or --defaults" error instead of a hang.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Protocol, Sequence, Union

from ..errors import MtaError
from ..plan.answers import Question

#: (title, value) or (title, value, checked) for checkboxes
Choice = tuple

NO_TERMINAL_HINT = (
    "run `mta wizard --defaults [--answers FILE] [--set id=value] ...`, "
    "or `mta generate DISCOVERY --answers FILE`; `mta questions` lists the ids"
)


class NoTerminal(MtaError):
    """The wizard was asked to prompt without a terminal to prompt on."""

    def __init__(self, message: str = "the wizard needs an interactive terminal") -> None:
        super().__init__(message, NO_TERMINAL_HINT)


Validator = Callable[[str], Union[bool, str]]


class Prompter(Protocol):
    def text(self, message: str, default: str = "", validate: Optional[Validator] = None, instruction: str = "") -> str: ...

    def password(self, message: str) -> str: ...

    def confirm(self, message: str, default: bool = True) -> bool: ...

    def select(self, message: str, choices: Sequence[Choice], default: Any = None, instruction: str = "") -> Any: ...

    def checkbox(self, message: str, choices: Sequence[Choice], instruction: str = "") -> list: ...

    def autocomplete(self, message: str, choices: Sequence[str], default: str = "", validate: Optional[Validator] = None) -> str: ...

    def path(self, message: str, default: str = "", validate: Optional[Validator] = None) -> str: ...


class QuestionaryPrompter:
    """The terminal prompter (questionary over prompt_toolkit)."""

    def __init__(self) -> None:
        import questionary  # only when a terminal run needs it

        self.q = questionary

    def _ask(self, question: Any) -> Any:
        try:
            return question.unsafe_ask()
        except EOFError:
            raise NoTerminal("input ended while the wizard was waiting for an answer") from None

    def text(self, message, default="", validate=None, instruction=""):
        return self._ask(self.q.text(message, default=default, validate=validate, instruction=instruction or None))

    def password(self, message):
        return self._ask(self.q.password(message))

    def confirm(self, message, default=True):
        return self._ask(self.q.confirm(message, default=default))

    def select(self, message, choices, default=None, instruction=""):
        items = [self.q.Choice(title=c[0], value=c[1]) for c in choices]
        start = next((i for i in items if i.value == default), None)
        return self._ask(self.q.select(message, choices=items, default=start, instruction=instruction or None))

    def checkbox(self, message, choices, instruction=""):
        items = [self.q.Choice(title=c[0], value=c[1], checked=bool(c[2]) if len(c) > 2 else False) for c in choices]
        return self._ask(self.q.checkbox(message, choices=items, instruction=instruction or None))

    def autocomplete(self, message, choices, default="", validate=None):
        if not choices:
            return self.text(message, default=default, validate=validate)
        return self._ask(self.q.autocomplete(message, choices=list(choices), default=default, validate=validate))

    def path(self, message, default="", validate=None):
        """A file path with Tab completion (~ expanded)."""
        return self._ask(self.q.path(message, default=default, validate=validate))


# -- asking a registry question -------------------------------------------

LABELS = {
    "include": "containerize it",
    "name": "name",
    "merge_into": "merge into",
    "base": "base image",
    "ports": "ports to expose",
    "configmaps": "config files that become ConfigMaps",
    "volumes": "data volumes (path=size)",
    "secrets": "secret env values (names)",
    "proxy": "reverse proxy",
    "replicas": "replicas",
    "resources": "resource strategy",
    "compose": "compose.yaml (docker compose)",
    "swarm": "Swarm (docker stack deploy)",
    "kubernetes": "Kubernetes manifests",
    "security": "security rules (Falco)",
    "sbom": "SBOM (CycloneDX)",
    "namespace": "Kubernetes namespace",
    "ingress_host": "Ingress host (empty: none)",
}

OTHER = "__other__"


def label(q: Question) -> str:
    text = LABELS.get(q.key, q.key)
    return f"{q.app}: {text}" if q.app else text


def _validator(q: Question) -> Validator:
    def check(raw: str) -> Union[bool, str]:
        try:
            q.validate(raw)
        except ValueError as exc:
            return str(exc)
        return True

    return check


def as_text(value: Any) -> str:
    """How a value is shown in a text prompt (lists comma-separated)."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def ask(prompter: Prompter, q: Question, default: Any) -> Any:
    """Ask one registry question; the answer comes back validated and typed."""
    msg = label(q)
    if q.type == "bool":
        return q.validate(prompter.confirm(msg, default=bool(default)))
    if q.type == "choice":
        options = [(c or "(none)", c) for c in q.choices]
        if q.open_choice:
            if default not in q.choices:
                options.append((str(default), default))
            options.append(("other…", OTHER))
        picked = prompter.select(msg, options, default=default, instruction=q.help)
        if picked == OTHER:
            picked = prompter.text(f"{msg} (type it)", default="", validate=_validator(q))
        return q.validate(picked)
    if q.type == "list" and q.choices:
        chosen = set(default or [])
        options = [(c, c, c in chosen) for c in q.choices]
        return q.validate(prompter.checkbox(msg, options, instruction=q.help))
    raw = prompter.text(msg, default=as_text(default), validate=_validator(q), instruction=q.help)
    return q.validate(raw)
