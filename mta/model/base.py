"""Shared base for every model a user may read or write."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

#: Bumped when a field changes meaning or is removed. Adding an optional
#: field does not bump it.
SCHEMA_VERSION = 1


class Strict(BaseModel):
    """A model that refuses unknown fields, so typos in edited files surface."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, defer_build=True)
