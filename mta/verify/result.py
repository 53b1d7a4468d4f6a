"""What ``mta verify`` found, as written to ``verify.json``."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from ..model.base import Strict

Status = Literal["ok", "fail", "skipped"]


class SmokeResult(Strict):
    status: Status = "skipped"
    url_path: str = ""
    http_status: Optional[int] = None
    title: str = ""
    expect_status: Optional[int] = None
    expect_title: str = ""
    expect_text: list[str] = Field(default_factory=list)  # page lines seen on the VM at discovery
    text_matched: Optional[int] = None  # how many of them the migrated page shows
    text_missing: list[str] = Field(default_factory=list)
    detail: str = ""


class ServiceResult(Strict):
    """One compose service: its image, build, start and smoke test."""

    name: str
    role: str = "app"  # from plan.yaml when known
    stack: str = ""
    runtime: str = ""
    image: str = ""
    built: bool = False  # built here from a Dockerfile (else an existing image)
    build: Status = "skipped"
    build_seconds: Optional[float] = None
    image_bytes: Optional[int] = None
    naive_bytes: Optional[int] = None
    naive_basis: str = ""
    ready: Status = "skipped"
    ready_by: str = ""  # healthcheck | http | tcp | running
    ready_seconds: Optional[float] = None
    smoke: SmokeResult = Field(default_factory=SmokeResult)
    endpoints: dict[str, str] = Field(default_factory=dict)  # container port -> 127.0.0.1:port
    error: str = ""
    log_tail: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.build != "fail"
            and self.ready == "ok"
            and self.smoke.status != "fail"
            and not self.error
        )


class HostResult(Strict):
    host: str
    path: str
    engine: str
    run_id: str = ""  # containers/networks/volumes carry label io.mta.verify=<run_id>
    kept: bool = False
    services: list[ServiceResult] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and all(s.ok for s in self.services)


class VerifyReport(Strict):
    schema_version: int = 1
    started: str
    seconds: float = 0.0
    engine: str
    runtime: str = ""
    hosts: list[HostResult] = Field(default_factory=list)
    ok: bool = False
