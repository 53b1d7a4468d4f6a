"""The one Jinja2 environment for artifacts. Templates only lay text out;
escaping lives in filters (``mta/text.py``, shared with the report) so every
template gets the same rules."""

from __future__ import annotations

from functools import lru_cache

import jinja2

from ..templates_path import templates_dir
from ..text import code, md, one_line


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
