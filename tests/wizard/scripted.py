"""A prompter that answers from a script, for driving the flow in-process."""

from __future__ import annotations

from typing import Any


class Default:
    """Accept whatever the prompt offers."""


DEFAULT = Default()


class ScriptedPrompter:
    """Answers prompts in order: each script item is (substring of the
    message, answer). The answer may be DEFAULT, a value, or an exception
    instance to raise (KeyboardInterrupt for Ctrl-C). Unscripted prompts
    fail the test, so the flow's order is asserted too."""

    def __init__(self, script: list[tuple[str, Any]], *, rest_default: bool = False) -> None:
        self.script = list(script)
        self.rest_default = rest_default
        self.asked: list[tuple[str, str, Any]] = []  # (kind, message, default offered)

    def _next(self, kind: str, message: str, default: Any) -> Any:
        self.asked.append((kind, message, default))
        if not self.script:
            if self.rest_default:
                return DEFAULT
            raise AssertionError(f"unscripted {kind} prompt: {message!r}")
        want, answer = self.script.pop(0)
        assert want in message, f"expected a prompt containing {want!r}, got {kind} {message!r}"
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def text(self, message, default="", validate=None, instruction=""):
        a = self._next("text", message, default)
        a = default if a is DEFAULT else a
        if validate is not None:
            ok = validate(a)
            assert ok is True, f"{message}: {a!r} rejected: {ok}"
        return a

    def password(self, message):
        return self._next("password", message, None)

    def confirm(self, message, default=True):
        a = self._next("confirm", message, default)
        return default if a is DEFAULT else a

    def select(self, message, choices, default=None, instruction=""):
        a = self._next("select", message, default)
        if a is DEFAULT:
            return default if default is not None else choices[0][1]
        assert a in [c[1] for c in choices], f"{message}: {a!r} not among {[c[1] for c in choices]}"
        return a

    def checkbox(self, message, choices, instruction=""):
        a = self._next("checkbox", message, [c[1] for c in choices if len(c) > 2 and c[2]])
        if a is DEFAULT:
            return [c[1] for c in choices if len(c) > 2 and c[2]]
        return a

    def autocomplete(self, message, choices, default="", validate=None):
        a = self._next("autocomplete", message, default)
        return default if a is DEFAULT else a

    def path(self, message, default="", validate=None):
        a = self._next("path", message, default)
        a = default if a is DEFAULT else a
        if validate is not None:
            ok = validate(a)
            assert ok is True, f"{message}: {a!r} rejected: {ok}"
        return a
