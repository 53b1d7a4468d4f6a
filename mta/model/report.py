"""The portfolio report (``report.json``) and the batch error file it reads.

``HostError`` is the contract with the batch helper: when a host could not be
discovered (or a later stage failed), batch writes
``OUT/hosts/<host>/error.yaml``::

    host: web-01            # same name as the directory
    stage: discover         # connect | discover | detect | plan | generate | other
    kind: timeout           # short machine word: auth, timeout, unreachable, hostkey, …
    message: "ssh: connect to 10.0.0.5:22 timed out after 60s"
    hint: "is an SSH server listening on that port? …"   # what to do next

``mta report`` shows every such host in its errors section and leaves it out
of the savings. A host directory with neither ``discovery.yaml`` nor
``error.yaml`` is reported as an error of kind ``missing``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Optional

from pydantic import Field

from .base import SCHEMA_VERSION, Strict
from .estimate import (
    AppEstimate,
    Consolidation,
    Costs,
    Finding,
    FitScore,
    HostCost,
    HostEstimate,
    Rule,
    Savings,
    Settings,
)
from .plan import Evidence, PortSpec


class HostError(Strict):
    """A host that could not be assessed (``OUT/hosts/<host>/error.yaml``)."""

    host: str
    stage: str = "discover"
    kind: str = "error"
    message: str = ""
    hint: str = ""  # what to do next


class ArtifactLink(Strict):
    label: str
    href: str  # relative to the report file


class AppReport(Strict):
    name: str
    role: str = "app"
    stack: str = ""
    runtime: str = ""
    runtime_version: str = ""
    framework: str = ""
    confidence: float = 0.0  # the detector's
    include: bool = True
    evidence: list[Evidence] = Field(default_factory=list)
    ports: list[PortSpec] = Field(default_factory=list)
    estimate: Optional[AppEstimate] = None
    fit: FitScore = "Insufficient data"
    findings: list[Finding] = Field(default_factory=list)
    effort_days: float = 0.0  # migration effort, person-days (rules-based, see effort_reasons)
    effort_reasons: list[str] = Field(default_factory=list)


class VulnerabilityCounts(Strict):
    """What ``mta scan`` found for a host (its vulnerabilities.json), counted."""

    scanner: str = ""
    source: str = ""
    total: int = 0
    by_severity: dict[str, int] = Field(default_factory=dict)  # critical, high, medium, low, unknown
    by_target: dict[str, int] = Field(default_factory=dict)  # "vm", "image <app>"
    errors: list[str] = Field(default_factory=list)
    href: str = ""  # the file, relative to the report


class HostReport(Strict):
    host: str
    address: str = ""
    os: str = ""
    kernel: str = ""
    collector: str = ""
    collected_at: Optional[datetime] = None
    source_dir: str = ""  # the OUT/hosts/<host> it came from, relative to the report
    apps_source: Literal["plan", "detected", "none"] = "none"
    apps: list[AppReport] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)  # host-level
    fit: FitScore = "Insufficient data"
    estimate: HostEstimate
    artifacts: list[ArtifactLink] = Field(default_factory=list)
    probe_errors: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    vulnerabilities: Optional[VulnerabilityCounts] = None  # None: `mta scan` was not run for the host
    addresses: list[str] = Field(default_factory=list)  # where others reach it: the address mta used, bound IPs
    listen_ports: list[int] = Field(default_factory=list)  # TCP ports it listens on beyond loopback
    peers: list[str] = Field(default_factory=list)  # "ip:port" of its established outbound connections
    os_id: str = ""  # discovery.yaml os.id: which OS subscription the VM pays
    disk_bytes: int = 0  # local disks the VM has (provisioned size of its non-network filesystems)
    volume_bytes: int = 0  # persistent volumes its containers get (from the plan, else its data mounts)
    volumes_from: Literal["plan", "mounts", "none"] = "none"
    cost: Optional[HostCost] = None  # a month, at the report's prices


class Dependency(Strict):
    """One host talks to another inventoried host's listening port."""

    source: str
    target: str
    port: int
    process: str = ""


class MoveGroup(Strict):
    """Hosts that talk to each other: they move together."""

    id: int
    hosts: list[str] = Field(default_factory=list)
    effort_days: float = 0.0
    fit: FitScore = "Insufficient data"  # the worst of its hosts


class Wave(Strict):
    number: int
    name: str
    groups: list[int] = Field(default_factory=list)
    hosts: list[str] = Field(default_factory=list)
    effort_days: float = 0.0
    why: str = ""


class Summary(Strict):
    hosts: int = 0  # assessed + failed
    hosts_assessed: int = 0
    hosts_failed: int = 0
    apps: int = 0
    fit_hosts: dict[str, int] = Field(default_factory=dict)
    fit_apps: dict[str, int] = Field(default_factory=dict)
    findings_by_severity: dict[str, int] = Field(default_factory=dict)
    findings_by_rule: dict[str, int] = Field(default_factory=dict)
    confidence: dict[str, int] = Field(default_factory=dict)  # hosts per confidence level
    highlights: list[str] = Field(default_factory=list)  # the few sentences a reader needs first


class Method(Strict):
    """One entry of "how this was computed"."""

    topic: str
    text: str


class Report(Strict):
    schema_version: int = SCHEMA_VERSION
    title: str = "Container migration assessment"
    generated_at: datetime
    mta_version: str = ""
    inputs: list[str] = Field(default_factory=list)
    settings: Settings
    summary: Summary
    savings: Savings
    consolidation: Consolidation
    hosts: list[HostReport] = Field(default_factory=list)
    errors: list[HostError] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    method: list[Method] = Field(default_factory=list)
    dependencies: list[Dependency] = Field(default_factory=list)
    move_groups: list[MoveGroup] = Field(default_factory=list)
    waves: list[Wave] = Field(default_factory=list)
    costs: Optional[Costs] = None
