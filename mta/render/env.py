"""The one Jinja2 environment. Templates only lay text out; escaping lives in
filters here so every template gets the same rules."""

from __future__ import annotations

import re
from functools import lru_cache

import jinja2

from ..templates_path import templates_dir

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")


def one_line(value: object) -> str:
    """Text safe inside a comment line (#…): control characters become spaces."""
    return _CONTROL.sub(" ", str(value)).strip()


def md(value: object) -> str:
    """Markdown text: one line, markup characters escaped."""
    text = one_line(value)
    return re.sub(r"([\\`*_{}\[\]<>|#!])", r"\\\1", text)


def code(value: object) -> str:
    """A Markdown code span that no backtick inside can close early."""
    text = one_line(value)
    runs = [len(m) for m in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(one_line=one_line, md=md, code=code)
    return env


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)
