"""What every format's parser yields: the literals of a file, or ParseError."""

from __future__ import annotations

from dataclasses import dataclass


class ParseError(Exception):
    """The text is not valid in the format its name says."""


@dataclass
class Literal:
    key: str  # the name that judges it: the mapping key, attribute or variable it is assigned to
    start: int  # where its raw characters are in the text (quotes excluded)
    end: int
    value: str  # decoded (escapes resolved)
    raw: str = ""  # text[start:end]
    block: bool = False  # a multi-line form whose span may be replaced by a bare placeholder
    wrap: str = ""  # quote to put around the placeholder ("?": none can hold the value: unsafe)
