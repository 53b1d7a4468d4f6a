"""Shared base for every model a user may read or write."""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict

#: Bumped when a field changes meaning or is removed. Adding an optional
#: field does not bump it.
SCHEMA_VERSION = 1

#: One validator build at a time: a model's validator is built on first use
#: (defer_build), and threads that first use a model together (batch, discover -j)
#: would otherwise see it half-built ("validate_assignment is not supported").
_BUILD = threading.RLock()


class Strict(BaseModel):
    """A model that refuses unknown fields, so typos in edited files surface.

    Its validator is built on first use (defer_build): importing mta.model
    costs no schema building, and a command builds only the models it uses."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, defer_build=True)

    @classmethod
    def model_rebuild(cls, **kw: Any) -> Optional[bool]:
        with _BUILD:
            if cls.__pydantic_complete__ and not kw.get("force"):
                return None
            # one frame more between the caller and pydantic: the caller's namespace stays the one read
            kw["_parent_namespace_depth"] = kw.get("_parent_namespace_depth", 2) + 1
            return super().model_rebuild(**kw)


_building = threading.Lock()


def build_models(module: ModuleType) -> None:
    """Build now the validators of every model defined in ``module`` (in a
    thread, while something else waits: discovery builds the facts' models
    while the probe runs on the host). Once per process; concurrent callers
    wait for the first."""
    with _building:
        for value in list(vars(module).values()):
            if (isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == module.__name__
                    and not value.__pydantic_complete__):
                value.model_rebuild()
