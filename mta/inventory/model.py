"""What an inventory says about each host, after layering all > group > host."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from pydantic import Field, field_validator

from ..model.base import Strict

#: Host names become directory names under OUT/hosts/.
HOST_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$")  # = mta.model.identity.folder_name

#: Answer ids the wizard asks (see the wizard's question list); apps.<app>.<field>.
_ANSWER_RE = re.compile(
    r"^(base|targets\.(compose|swarm|kubernetes|security|sbom)|k8s\.(namespace|ingress_host)"
    r"|apps\.[a-z0-9]([a-z0-9-]*[a-z0-9])?\.(include|name|merge_into|base|ports|configmaps|volumes"
    r"|secrets|proxy|replicas|resources))$"
)


def check_answer_id(key: str) -> Optional[str]:
    """None when ``key`` is a known question id, else why not."""
    if _ANSWER_RE.match(key):
        return None
    return f"unknown answer id {key!r} (ids look like 'k8s.namespace' or 'apps.<app>.replicas')"


class Settings(Strict):
    """Connection settings, answers and overrides; every field optional so layers merge.

    Used at each level of an inventory: all, group, host.
    """

    address: Optional[str] = None
    port: Optional[int] = Field(default=None, ge=1, le=65535)
    user: Optional[str] = None
    identity: Optional[str] = None  # private key file (-i/--identity; 'key' is the old spelling)
    known_hosts: Optional[str] = None
    accept_new_host_key: Optional[bool] = None  # trust an unknown host key (never a changed one)
    sudo: Optional[bool] = None
    jump: Optional[str] = None  # [user@]host[:port] of a jump host
    discovery: Optional[str] = None  # plan offline from this discovery.yaml instead of connecting
    plan: Optional[str] = None  # an edited plan.yaml to generate from instead of the detected one
    base: Optional[str] = None  # official | debian | mapping file
    deadline: Optional[float] = Field(default=None, gt=0)  # seconds for the whole host
    sample_seconds: Optional[float] = Field(default=None, ge=0)
    http_checks: Optional[bool] = None
    extract: Optional[bool] = None  # pull the application's files
    answers: dict[str, Any] = Field(default_factory=dict)

    @field_validator("answers", mode="before")
    @classmethod
    def _flatten(cls, value: Any) -> Any:
        """Nested answers ({apps: {web: {replicas: 2}}}) mean the same dotted ids."""
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}

        def walk(prefix: str, data: dict) -> None:
            for k, v in data.items():
                full = f"{prefix}.{k}" if prefix else str(k)
                if isinstance(v, dict):
                    walk(full, v)
                else:
                    out[full] = v

        walk("", value)
        return out

    @field_validator("answers")
    @classmethod
    def _known_ids(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in value:
            problem = check_answer_id(str(key))
            if problem:
                raise ValueError(problem)
        return value

    @field_validator("address", "user", "identity", "known_hosts", "jump", "discovery", "plan", "base")
    @classmethod
    def _no_blank(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not str(value).strip():
            raise ValueError("must not be empty")
        return value


def layer(*levels: Settings) -> Settings:
    """Merge settings, later levels winning; answers merge key by key."""
    merged: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    for level in levels:
        for name in level.model_fields_set:
            if name == "answers":
                answers.update(level.answers)
            else:
                merged[name] = getattr(level, name)
    return Settings(**merged, answers=answers)


@dataclass(frozen=True)
class Target:
    """One host of a batch, fully resolved. ``source`` is ``file:line`` of its entry."""

    name: str
    source: str
    address: str = ""
    port: int = 22
    user: str = ""
    key: str = ""
    known_hosts: str = ""
    accept_new_host_key: bool = False
    sudo: bool = False
    jump: str = ""
    discovery: str = ""  # absolute path; set => offline
    plan: str = ""
    base: str = "official"
    deadline: Optional[float] = None
    sample_seconds: Optional[float] = None
    http_checks: bool = True
    extract: bool = True
    groups: tuple[str, ...] = ()
    answers: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)

    @property
    def offline(self) -> bool:
        return bool(self.discovery)

    @property
    def where(self) -> str:
        """What the host is reached by, for tables and messages."""
        if self.offline:
            return f"file {self.discovery}"
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port != 22 else ""
        return f"{user}{self.address}{port}"


@dataclass
class Inventory:
    path: str
    format: str  # mta | ansible-ini | ansible-yaml | csv
    targets: list[Target]
    notes: list[str] = field(default_factory=list)  # deprecated spellings met, one note each

    def names(self) -> list[str]:
        return [t.name for t in self.targets]
