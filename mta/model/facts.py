"""HostFacts: everything discovery learned about one VM (``discovery.yaml``).

Discovery never decides anything; it records. Values of environment
variables that look secret are already masked (``SECRET_MARKER``) when they
reach these models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Optional, Union

from pydantic import Field, field_validator

from .base import SCHEMA_VERSION, Strict

#: Replaces the value of anything that looks like a secret.
SECRET_MARKER = "<redacted:secret>"


class OSInfo(Strict):
    id: str = "unknown"  # os-release ID: centos, rhel, ubuntu, debian, sles, alpine…
    version_id: str = ""  # "7", "16.04", "12"
    name: str = ""  # "CentOS Linux"
    pretty_name: str = ""
    family: Literal["rhel", "debian", "suse", "alpine", "other"] = "other"
    kernel: str = ""
    arch: str = ""
    hostname: str = ""
    init_system: Literal["systemd", "upstart", "sysv", "busybox", "unknown"] = "unknown"


class Hardware(Strict):
    cpu_count: int = 0
    cpu_model: str = ""
    memory_bytes: int = 0
    swap_bytes: int = 0


class Mount(Strict):
    device: str
    mountpoint: str
    fstype: str
    options: str = ""
    size_bytes: Optional[int] = None
    used_bytes: Optional[int] = None
    network: bool = False  # nfs, cifs, glusterfs…


class Process(Strict):
    pid: int
    ppid: int = 0
    user: str = ""
    uid: Optional[int] = None
    name: str = ""  # comm
    exe: str = ""
    cmdline: list[str] = Field(default_factory=list)
    cwd: str = ""
    rss_bytes: int = 0
    cpu_percent: Optional[float] = None  # share of one core over the sample window
    cpu_seconds: Optional[float] = None  # utime+stime since start
    start_time: Optional[float] = None  # seconds since the epoch
    cgroup: str = ""
    unit: str = ""  # systemd unit (or init script) that owns it
    env: dict[str, str] = Field(default_factory=dict)  # secret values masked


class Socket(Strict):
    """A listening socket."""

    protocol: Literal["tcp", "udp"]
    address: str  # "0.0.0.0", "::", "127.0.0.1"
    port: int
    family: Literal["ipv4", "ipv6"] = "ipv4"
    pid: Optional[int] = None
    process: str = ""


class Connection(Strict):
    """An established outbound TCP connection."""

    protocol: Literal["tcp", "udp"] = "tcp"
    local_address: str
    local_port: int
    remote_address: str
    remote_port: int
    pid: Optional[int] = None
    process: str = ""


class Service(Strict):
    name: str
    init: Literal["systemd", "upstart", "sysv"] = "systemd"
    state: str = ""  # running, exited, enabled, disabled…
    enabled: Optional[bool] = None
    unit_path: str = ""
    description: str = ""
    exec_start: str = ""
    user: str = ""
    group: str = ""
    working_directory: str = ""
    environment: dict[str, str] = Field(default_factory=dict)  # secret values masked
    environment_files: list[str] = Field(default_factory=list)
    main_pid: Optional[int] = None


class Package(Strict):
    name: str
    version: str
    release: str = ""
    epoch: str = ""
    arch: str = ""
    manager: Literal["rpm", "dpkg", "apk", "other"] = "other"


class CronJob(Strict):
    schedule: str  # "*/5 * * * *", "@daily", or an OnCalendar= expression
    command: str
    user: str = ""
    source: str = ""  # /etc/crontab, /etc/cron.d/x, /var/spool/cron/crontabs/u, x.timer
    kind: Literal["cron", "systemd-timer"] = "cron"


class User(Strict):
    name: str
    uid: int
    gid: int
    home: str = ""
    shell: str = ""


class UtilSample(Strict):
    timestamp: float  # seconds since the epoch
    cpu_percent: float  # whole-VM busy share, 0..100 of all cores
    mem_used_bytes: int  # MemTotal - MemAvailable: demand, not page cache


#: a series longer than this is written to discovery.yaml as a table
SAMPLES_TABLE_MIN = 12
SAMPLES_HEADER = "# timestamp cpu_percent mem_used_bytes"


def samples_table(samples: list[dict]) -> str:
    """Samples as text, one ``timestamp cpu_percent mem_used_bytes`` row each
    (exact: floats are written with repr)."""
    rows = [f"{s['timestamp']!r} {s['cpu_percent']!r} {s['mem_used_bytes']}" for s in samples]
    return "\n".join([SAMPLES_HEADER] + rows) + "\n"


def compact_samples(data: dict) -> dict:
    """A HostFacts dump with a long utilization series as a table (in place)."""
    util = data.get("utilization") or {}
    samples = util.get("samples")
    if isinstance(samples, list) and len(samples) > SAMPLES_TABLE_MIN:
        util["samples"] = samples_table(samples)
    return data


class Utilization(Strict):
    source: Literal["sysstat", "proc-sample", "psutil", "none"] = "none"
    duration_seconds: float = 0.0
    interval_seconds: float = 0.0
    #: in discovery.yaml either a list of samples or, for a long series, the
    #: same as a table (see samples_table): a week of 10-minute sysstat
    #: samples is 1,008 rows, which read like sar output and load many times
    #: faster than 1,008 mappings. In memory it is always the list.
    samples: Union[list[UtilSample], str] = Field(
        default_factory=list,
        description="a list of samples, or the same as text: one 'timestamp cpu_percent mem_used_bytes' row a "
                    "sample, lines starting with '#' ignored (how mta writes a series of more than 12 samples)",
    )

    @field_validator("samples", mode="before")
    @classmethod
    def _samples_from_table(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        rows = []
        for n, line in enumerate(value.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) != 3:
                raise ValueError(f"samples row {n}: expected 'timestamp cpu_percent mem_used_bytes', got {line!r}")
            try:
                rows.append({"timestamp": float(parts[0]), "cpu_percent": float(parts[1]),
                             "mem_used_bytes": int(parts[2])})
            except ValueError:
                raise ValueError(f"samples row {n}: not numbers: {line!r}") from None
        return rows


class FileContent(Strict):
    """A file fetched from the VM because a detector asked for it."""

    path: str
    size: int = 0
    truncated: bool = False
    content: str = ""  # decoded with errors="replace"; secret values masked
    mode: str = ""
    owner: str = ""


class HttpCheck(Strict):
    """One GET made from the VM to its own HTTP port; the smoke expectation."""

    port: int
    path: str = "/"
    scheme: Literal["http", "https"] = "http"
    status: Optional[int] = None
    title: str = ""
    content_type: str = ""
    # first distinctive lines of the page's visible text (no dates, tokens or secrets)
    fingerprint: list[str] = Field(default_factory=list)
    error: str = ""


class HttpSkipped(Strict):
    """A listening TCP port the probe did not GET, and why: ``budget`` (more
    candidate ports than HTTP_MAX_PORTS; web servers' and app runtimes' ports
    and well-known web ports go first), ``not-http-daemon`` (owned by a
    program that does not speak HTTP: sshd, a database, a mail server...),
    ``not-http-port`` (a well-known non-HTTP port no web program owns)."""

    port: int
    reason: Literal["budget", "not-http-daemon", "not-http-port"]


class ProbeError(Strict):
    section: str
    message: str


class Fingerprint(Strict):
    """What tells one machine from another, whatever address reached it (NAT
    and bastions put many VMs behind one address). See mta.model.identity."""

    machine_id: str = Field("", description="keyed hash of /etc/machine-id (the raw ID is confidential, "
                                            "systemd says): 32 hex digits; empty when the VM has none")
    ssh_host_key: str = Field("", description="SHA256 fingerprint of the SSH host key discovery verified")


class ConnectOptions(Strict):
    """How discovery reached the host, so ``mta extract`` reaches it the same
    way without options. Never a password, never key contents."""

    user: str = ""
    port: Optional[int] = None
    key: str = Field("", description="path of the private key file (-i)")
    jump: str = Field("", description="bastion, [user@]host[:port]")
    sudo: bool = False


class ProbeRun(Strict):
    """How the discovery probe ran on the host."""

    timings: dict[str, float] = Field(
        default_factory=dict,
        description="seconds each probe section took on the host (0.01 s steps), in the order they ran; "
                    "'total' is the whole probe, the utilization sample included (it overlaps the other sections)",
    )


class HostFacts(Strict):
    schema_version: int = SCHEMA_VERSION
    host: str  # the name used for OUT/hosts/<host>/
    address: str = ""
    target: str = ""  # how mta reached it over SSH: [user@]host[:port] or an ssh_config alias
    collector: Literal["ssh", "local", "import", "sample"] = "local"
    fingerprint: Fingerprint = Field(default_factory=Fingerprint)
    connect: Optional[ConnectOptions] = None  # set by SSH discovery
    collected_at: Optional[datetime] = None
    privileged: bool = False  # discovery ran as root (or sudo)
    os: OSInfo = Field(default_factory=OSInfo)
    hardware: Hardware = Field(default_factory=Hardware)
    mounts: list[Mount] = Field(default_factory=list)
    processes: list[Process] = Field(default_factory=list)
    sockets: list[Socket] = Field(default_factory=list)
    connections: list[Connection] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    packages: list[Package] = Field(default_factory=list)
    cron: list[CronJob] = Field(default_factory=list)
    users: list[User] = Field(default_factory=list)
    utilization: Utilization = Field(default_factory=Utilization)
    files: list[FileContent] = Field(default_factory=list)
    http: list[HttpCheck] = Field(default_factory=list)
    http_skipped: list[HttpSkipped] = Field(default_factory=list)  # listening ports not checked, and why
    not_visible: list[str] = Field(default_factory=list)  # what a non-root run could not see
    errors: list[ProbeError] = Field(default_factory=list)
    probe: ProbeRun = Field(default_factory=ProbeRun)

    # Lookups used everywhere; kept here so every layer agrees.
    def process(self, pid: int) -> Optional[Process]:
        for p in self.processes:
            if p.pid == pid:
                return p
        return None

    def file(self, path: str) -> Optional[FileContent]:
        for f in self.files:
            if f.path == path:
                return f
        return None

    def children(self, pid: int) -> list[Process]:
        return [p for p in self.processes if p.ppid == pid]

    def sockets_of(self, pids: set[int]) -> list[Socket]:
        return [s for s in self.sockets if s.pid in pids]
