"""Errors every layer may raise. Only ``mta.cli`` turns them into exit codes."""

from __future__ import annotations


class MtaError(Exception):
    """An expected failure with a one-line message for the user.

    ``hint`` says what to do about it, when we know.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InputError(MtaError):
    """A file or argument the user gave is missing or malformed."""


class GenerateError(MtaError):
    """Artifacts could not be generated from a plan."""


class PartialFailure(MtaError):
    """Some items of a multi-item command failed; details already printed (exit status 2)."""
