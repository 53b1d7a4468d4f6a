"""Dockerfile escaping: what a discovered string may look like when it
reaches an instruction, and how it is quoted there."""

from __future__ import annotations

import json
import re

from ..errors import GenerateError

_CTRL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")
SAFE_WORKDIR = re.compile(r"^/[A-Za-z0-9._/@+=,:~ -]*[^ ]$|^/$")
USER = re.compile(r"^[0-9]{1,10}(:[0-9]{1,10})?$")


def _json_str(value: str) -> str:
    text = json.dumps(value)
    # A trailing backslash ("a\\") is valid JSON, but hadolint misreads it as an
    # escaped quote; \u005c is the same character to Docker's JSON parser.
    if value.endswith("\\"):
        text = text[:-3] + '\\u005c"'
    return text


def exec_form(argv: list[str]) -> str:
    """JSON array for CMD/ENTRYPOINT/HEALTHCHECK/COPY: Docker reads it as data."""
    return "[" + ", ".join(_json_str(str(a)) for a in argv) + "]"


def quoted(value: str, where: str) -> str:
    """A double-quoted ENV/LABEL value: no line breaks, \\ " $ escaped."""
    if _CTRL.search(value):
        raise GenerateError(f"{where}: value contains a line break or control character",
                            hint="edit plan.yaml to remove it")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def label_value(value: str) -> str:
    """Labels are informational: control characters are dropped, not fatal."""
    return quoted(_CTRL.sub(" ", value), "label")


def copy_path(path: str, where: str) -> str:
    """COPY sources/targets go in JSON form; still, the builder expands $VARS
    and globs in them, so those characters are refused."""
    if not path or _CTRL.search(path) or re.search(r"[$\\*?\[]", path):
        raise GenerateError(f"{where}: path {path!r} has characters a Dockerfile COPY would expand",
                            hint="rename it in plan.yaml (build.files) or copy it in a reviewed build step")
    return path


def run_step(step: str, where: str) -> str:
    if _CTRL.search(step):
        raise GenerateError(f"{where}: build step contains a line break or control character",
                            hint="one shell command line per step in plan.yaml")
    if "<<" in step:
        raise GenerateError(f"{where}: build step contains '<<' (a Dockerfile heredoc)",
                            hint="write the file into the context instead")
    return step


def workdir(path: str, where: str) -> str:
    if not SAFE_WORKDIR.match(path or ""):
        raise GenerateError(f"{where}: workdir {path!r} must be an absolute path of plain characters",
                            hint="set build.workdir in plan.yaml")
    return path


def user(value: str, where: str) -> str:
    if not USER.match(value or ""):
        raise GenerateError(f"{where}: user {value!r} must be a numeric uid[:gid]")
    return value


def ignore_pattern(path: str) -> str:
    """A .dockerignore line matching exactly ``path``."""
    text = _CTRL.sub("", path)
    return re.sub(r"([\\*?\[\]])", r"\\\1", text)
