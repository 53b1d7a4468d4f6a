"""Settings and results of the estimate stage: rightsizing, consolidation, cost, fit.

Every result carries the numbers it came from (``basis``), so the report can
show how each figure was computed. Settings are plain pydantic models; the
``mta report`` command turns their fields into CLI options and reads them
from a YAML settings file (``--settings FILE``).
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from .base import Strict

Strategy = Literal["as-is", "p95", "peak"]
Confidence = Literal["none", "low", "medium", "high"]
Severity = Literal["info", "low", "medium", "high", "blocker"]
FitScore = Literal[
    "Excellent",
    "Good",
    "Needs minor work",
    "Needs major work",
    "Not recommended",
    "Insufficient data",
]

#: Best first; the report orders distributions this way.
FIT_SCORES: tuple[str, ...] = (
    "Excellent",
    "Good",
    "Needs minor work",
    "Needs major work",
    "Not recommended",
    "Insufficient data",
)
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "blocker")

# Defaults of the price model, with where they came from. Changing them is a
# settings-file edit, not a code change.
DEFAULT_PRICE_SOURCE = (
    "Google Compute Engine N2 predefined machine types, on-demand, us-central1 (Iowa): "
    "USD 0.031611 per vCPU-hour and USD 0.004237 per GiB-hour, "
    "https://cloud.google.com/compute/vm-instance-pricing (as published 2024; check before quoting)"
)


class RightsizingSettings(Strict):
    """How a container's requests are derived from what the VM showed."""

    strategy: Strategy = Field("p95", description="as-is (VM configured size), p95 (default) or peak")
    cpu_percentile: float = Field(95.0, ge=50, le=100, description="percentile of CPU use for the p95 strategy")
    cpu_comfort: float = Field(1.2, ge=1.0, le=10, description="multiplier on observed CPU")
    cpu_floor_millicores: int = Field(10, ge=1, description="smallest CPU request")
    memory_factor: float = Field(1.15, ge=1.0, le=10, description="multiplier on peak RSS")
    memory_floor_mib: int = Field(64, ge=1, description="smallest memory request")
    no_data_cpu_millicores: int = Field(100, ge=1, description="CPU request when nothing was measured")
    no_data_memory_mib: int = Field(256, ge=1, description="memory request when nothing was measured")
    medium_confidence_hours: float = Field(24.0, gt=0, description="history needed for medium confidence")
    high_confidence_days: float = Field(7.0, gt=0, description="history needed for high confidence")
    min_samples_per_hour: float = Field(
        1.0, ge=0, description="samples an hour of history must average to count at full value (coverage)")


class NodeSettings(Strict):
    """The Kubernetes node the apps are packed onto."""

    cpu: float = Field(4.0, gt=0, description="vCPU per node")
    memory_gib: float = Field(16.0, gt=0, description="memory per node, GiB")
    reservation: Literal["gke", "none", "fixed"] = Field(
        "gke", description="system reservation formula: gke (tiers), none, or fixed amounts"
    )
    reserved_cpu_millicores: int = Field(0, ge=0, description="CPU reserved per node when reservation=fixed")
    reserved_memory_mib: int = Field(0, ge=0, description="memory reserved per node when reservation=fixed")
    eviction_memory_mib: int = Field(100, ge=0, description="kubelet hard eviction threshold")
    target_utilization: float = Field(0.8, gt=0, le=1, description="fill nodes only up to this share of allocatable")


class PriceSettings(Strict):
    """Price per unit of capacity, the same for VMs and nodes (like for like)."""

    currency: str = Field("USD", description="currency label")
    vcpu_hour: float = Field(0.031611, ge=0, description="price of one vCPU for one hour")
    gib_hour: float = Field(0.004237, ge=0, description="price of one GiB of memory for one hour")
    hours_per_month: float = Field(730.0, gt=0, description="hours in a billing month")
    source: str = Field(DEFAULT_PRICE_SOURCE, description="where the prices come from")


Cloud = Literal["aws", "azure", "gcp", "custom"]

OPERATIONS_SOURCE = (
    "assumptions shipped with mta (not measured): a VM takes 2 h a month of OS care (patching, monitoring, "
    "backups, user accounts), a node 0.5 h (its image is replaced, not patched), the platform 8 h a month per "
    "cluster (upgrades, registry, CI); 75 per hour, 600 per person-day. Replace them with your own in a costs file."
)
LICENCE_SOURCE = (
    "Red Hat Enterprise Linux Server, Standard subscription: USD 799 a year list, covering 2 virtual guests, "
    "so 399.50 per VM a year; SUSE Linux Enterprise Server assumed the same per VM (no SUSE list price is "
    "shipped). Containers run on the cloud's container OS and free base images: no subscription after. "
    "Set your own figures in a costs file."
)


class OperationsSettings(Strict):
    """People's time: what running the VMs and the platform takes, and what migrating costs."""

    hourly_rate: float = Field(75.0, ge=0, description="cost of one hour of operations work")
    vm_hours_per_month: float = Field(2.0, ge=0, description="hours of OS care per VM per month")
    node_hours_per_month: float = Field(0.5, ge=0, description="hours per node per month")
    platform_hours_per_month: float = Field(8.0, ge=0, description="hours per cluster per month")
    day_rate: float = Field(600.0, ge=0, description="cost of one person-day of migration work")
    source: str = Field(OPERATIONS_SOURCE, description="where these figures come from")


class CostSettings(Strict):
    """The costs file (``mta report --costs FILE``): cloud, prices and the other costs of running."""

    schema_version: int = 1
    cloud: Optional[Cloud] = Field(
        None, description="aws, azure, gcp (shipped list prices) or custom (the settings' price section); "
        "unset: gcp, or custom when the price section was changed")
    region: str = Field("", description="cloud region; empty: the table's default")
    family: str = Field("", description="node family (m6i, m7i, Dsv5, Dv5, n2, e2); empty: the table's default")
    discount: str = Field("none", description="none, a committed-use term of the table (1y, 3y), or a percentage (30%)")
    clusters: int = Field(1, ge=0, description="clusters the apps run on (each pays the management fee)")
    cluster_fee_hour: Optional[float] = Field(None, ge=0, description="management fee per cluster-hour; unset: the table's")
    storage_gib_month: Optional[float] = Field(None, ge=0, description="disk price per GiB-month; unset: the table's")
    node_disk_gib: int = Field(100, ge=0, description="boot disk per node, GiB")
    licences_per_vm_year: dict[str, float] = Field(
        default_factory=lambda: {"rhel": 399.5, "sles": 399.5},
        description="OS subscription per VM per year, by OS id (discovery.yaml os.id)")
    licences_source: str = Field(LICENCE_SOURCE, description="where the licence figures come from")
    operations: OperationsSettings = Field(default_factory=OperationsSettings)
    years: int = Field(3, ge=1, le=10, description="years of the total cost of ownership")


class Settings(Strict):
    """The whole settings file (``--settings FILE``)."""

    schema_version: int = 1
    rightsizing: RightsizingSettings = Field(default_factory=RightsizingSettings)
    node: NodeSettings = Field(default_factory=NodeSettings)
    price: PriceSettings = Field(default_factory=PriceSettings)
    costs: CostSettings = Field(default_factory=CostSettings)


class AppEstimate(Strict):
    """Container requests for one app, with the numbers behind them."""

    host: str
    app: str
    role: str = "app"
    stack: str = ""
    strategy: Strategy = "p95"
    replicas: int = 1
    cpu_millicores: int  # request per replica
    memory_bytes: int  # request per replica
    memory_limit_bytes: Optional[int] = None  # the manifests' limit, when a plan sets one
    confidence: Confidence = "none"
    cpu_basis: str = ""
    memory_basis: str = ""
    processes: int = 0
    cpu_share: Optional[float] = None  # of the VM's busy CPU in the process sample
    memory_share: Optional[float] = None  # of all process RSS in the sample
    observed_cpu_cores: Optional[float] = None  # at the strategy's statistic, before comfort
    observed_rss_bytes: int = 0
    apportioned: bool = False  # VM-level history split by share
    # low confidence: the request under p95-based and under peak-based sizing [low, high]
    cpu_range_millicores: Optional[list[int]] = None
    memory_range_bytes: Optional[list[int]] = None


class HostEstimate(Strict):
    """What the VM has and what its apps need."""

    host: str
    vcpu: int = 0
    memory_bytes: int = 0
    utilization_source: str = "none"
    history_seconds: float = 0.0
    samples: int = 0
    confidence: Confidence = "none"
    confidence_reason: str = ""
    vm_cpu_p95_cores: Optional[float] = None
    vm_memory_peak_bytes: Optional[int] = None
    app_rss_bytes: int = 0
    overhead_rss_bytes: int = 0  # RSS of processes no app claims: the guest OS we stop running
    overhead_processes: int = 0
    requested_cpu_millicores: int = 0  # sum over apps of request x replicas
    requested_memory_bytes: int = 0
    apps: list[AppEstimate] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class NodeSpec(Strict):
    cpu_millicores: int
    memory_bytes: int
    reserved_cpu_millicores: int
    reserved_memory_bytes: int
    eviction_memory_bytes: int
    allocatable_cpu_millicores: int
    allocatable_memory_bytes: int
    usable_cpu_millicores: int  # allocatable x target utilisation
    usable_memory_bytes: int
    formula: str = ""


class NodeUse(Strict):
    index: int
    cpu_millicores: int = 0
    memory_bytes: int = 0
    items: list[str] = Field(default_factory=list)  # "host/app#replica"


class Consolidation(Strict):
    node: NodeSpec
    items: int = 0
    nodes: int = 0
    lower_bound: int = 0
    cpu_bound: float = 0.0
    memory_bound: float = 0.0
    total_cpu_millicores: int = 0
    total_memory_bytes: int = 0
    placements: list[NodeUse] = Field(default_factory=list)
    unplaced: list[str] = Field(default_factory=list)  # larger than one node's usable capacity
    basis: str = ""


class Side(Strict):
    """One side of the before/after comparison."""

    machines: int = 0
    vcpu: float = 0.0
    memory_gib: float = 0.0
    monthly_cost: float = 0.0


class Savings(Strict):
    before: Side = Field(default_factory=Side)
    after: Side = Field(default_factory=Side)
    requested: Side = Field(default_factory=Side)  # sum of container requests
    overhead_reclaimed_gib: float = 0.0
    vcpu_saved: float = 0.0
    memory_gib_saved: float = 0.0
    monthly_cost_saved: float = 0.0
    cost_saved_percent: float = 0.0
    currency: str = "USD"
    hosts_counted: list[str] = Field(default_factory=list)
    hosts_excluded: dict[str, str] = Field(default_factory=dict)  # host -> why
    basis: list[str] = Field(default_factory=list)


class Range(Strict):
    """Low and high of a figure whose inputs are uncertain (p95-based vs peak-based sizing)."""

    low: float
    high: float


class PriceTable(Strict):
    """The prices in force: one cloud, region and node family (or the custom unit prices)."""

    cloud: Cloud
    region: str = ""
    family: str = ""
    kind: Literal["unit", "instance"] = "unit"
    currency: str = "USD"
    vcpu_hour: float = 0.0
    gib_hour: float = 0.0  # unit: price of a GiB-hour
    gib_per_vcpu: float = 0.0  # instance: the family's memory per vCPU
    hours_per_month: float = 730.0
    discount: float = 0.0  # fraction off compute
    discount_label: str = "none"
    cluster_fee_hour: float = 0.0
    storage_gib_month: float = 0.0
    as_of: str = ""
    source: str = ""  # the table's dated source line
    cluster_fee_source: str = ""
    storage_source: str = ""
    discount_source: str = ""


class CostLine(Strict):
    """One kind of cost, a month, before (VMs as they are) and after (the container platform)."""

    item: str
    before: float = 0.0
    after: float = 0.0
    after_range: Optional[Range] = None
    basis: str = ""  # how the figures were computed
    source: str = ""  # where the prices or assumptions come from


class TcoLine(Strict):
    item: str
    vms: float = 0.0
    platform: float = 0.0
    basis: str = ""


class Costs(Strict):
    """The cost model: monthly lines, their totals and the total cost of ownership."""

    prices: PriceTable
    lines: list[CostLine] = Field(default_factory=list)
    monthly_before: float = 0.0
    monthly_after: float = 0.0
    monthly_after_range: Optional[Range] = None  # when some counted host has low confidence
    monthly_saved: float = 0.0  # negative: the platform costs more
    monthly_saved_range: Optional[Range] = None
    years: int = 3
    migration_days: float = 0.0
    migration_cost: float = 0.0
    tco: list[TcoLine] = Field(default_factory=list)
    tco_vms: float = 0.0
    tco_platform: float = 0.0
    tco_platform_range: Optional[Range] = None
    tco_saved: float = 0.0
    break_even_months: Optional[float] = None  # None: never (the platform costs more each month)
    low_confidence_hosts: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class HostCost(Strict):
    """One host's share, a month: its VM as it is, its containers' requests."""

    vm_compute: float = 0.0
    vm_storage: float = 0.0
    vm_licence: float = 0.0
    requested_compute: float = 0.0
    requested_compute_range: Optional[Range] = None
    volumes_gib: float = 0.0


class Rule(Strict):
    """A fit rule as listed by ``mta rules``."""

    id: str
    title: str
    scope: Literal["app", "host"]
    severity: Severity
    enabled: bool = True
    explanation: str


class RuleOverride(Strict):
    enabled: bool = True
    severity: Optional[Severity] = None


class RulesFile(Strict):
    """``--rules FILE``: switch rules off or change their severity."""

    schema_version: int = 1
    rules: dict[str, RuleOverride] = Field(default_factory=dict)


class Finding(Strict):
    rule: str
    severity: Severity
    title: str
    host: str
    app: str = ""  # empty: the finding is about the host
    explanation: str = ""
    evidence: list[str] = Field(default_factory=list)
