"""One parser per probe section: pure functions from the section's blocks to models.

A section arrives as an ordered mapping ``{block key: text}``; a key is what the
probe printed after ``B`` ("file /etc/os-release", "stat 1234", "ss-listen").
Parsers never run anything and never look at the live machine, so they are
tested on captured outputs of many distros (tests/fixtures/distros).
"""

from __future__ import annotations

from typing import Iterator, Mapping

Blocks = Mapping[str, str]


def lines(text: str) -> Iterator[str]:
    for line in text.splitlines():
        line = line.rstrip("\r")
        if line.strip():
            yield line


def unquote(value: str) -> str:
    """The value of a shell-style assignment: os-release, lsb-release."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        quote, value = value[0], value[1:-1]
        if quote == '"':
            value = value.replace('\\"', '"').replace("\\$", "$").replace("\\`", "`").replace("\\\\", "\\")
    return value


def key_values(text: str, sep: str = "=") -> dict[str, str]:
    out: dict[str, str] = {}
    for line in lines(text):
        if line.lstrip().startswith("#") or sep not in line:
            continue
        k, _, v = line.partition(sep)
        out[k.strip()] = unquote(v)
    return out


def systemctl_records(text: str) -> list[dict[str, str]]:
    """``systemctl show`` output: Key=Value records separated by blank lines."""
    records: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line.strip():
            if current:
                records.append(current)
                current = {}
            continue
        k, sep, v = line.partition("=")
        if sep:
            # repeated keys (several EnvironmentFile=) are joined on newlines
            current[k] = f"{current[k]}\n{v}" if k in current and v else v
    if current:
        records.append(current)
    return records


def to_int(value: str, default: int = 0) -> int:
    try:
        return int(value.strip())
    except (ValueError, AttributeError):
        return default
