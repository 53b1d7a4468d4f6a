"""Typed models shared by every layer. Imports nothing else of mta.

``facts`` is the schema of discovery.yaml, ``plan`` the schema of plan.yaml.
Models owned by one layer (estimate, report) live in their own modules here.
"""

from .base import SCHEMA_VERSION, Strict
from .facts import (
    SECRET_MARKER,
    ConnectOptions,
    Connection,
    CronJob,
    FileContent,
    Fingerprint,
    Hardware,
    HostFacts,
    HttpCheck,
    HttpSkipped,
    Mount,
    OSInfo,
    Package,
    Process,
    ProbeError,
    ProbeRun,
    Service,
    Socket,
    User,
    Utilization,
    UtilSample,
)
from .plan import (
    App,
    AppPlan,
    Build,
    ConfigFile,
    EnvVar,
    Evidence,
    Extract,
    Plan,
    PortSpec,
    Probe,
    Resources,
    ScheduledJob,
    SecretRef,
    Targets,
    VolumeSpec,
)

__all__ = [name for name in dir() if not name.startswith("_")]
