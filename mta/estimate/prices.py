"""Offline price tables (``prices.yaml``, shipped in the package) and the one price in force.

``price_table(settings)`` picks the cloud, region, node family and discount
from the costs settings; an unknown one is an error that lists the valid ones.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import yamlload
from ..errors import InputError
from ..model.estimate import PriceSettings, PriceTable, Settings

PRICES_FILE = Path(__file__).with_name("prices.yaml")
CLOUDS = ("aws", "azure", "gcp", "custom")
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*$")


@lru_cache(maxsize=1)
def tables() -> dict[str, Any]:
    """The shipped price tables, by cloud."""
    return yamlload.load_file(PRICES_FILE)["clouds"]


def _choose(what: str, value: str, valid: list[str], where: str) -> str:
    if value in valid:
        return value
    raise InputError(f"unknown {what} {value!r} for {where}",
                     hint=f"valid {what}s: {', '.join(valid)}")


def _discount(label: str, named: dict[str, float], cloud: str) -> tuple[float, str]:
    label = (label or "none").strip()
    if label.lower() in ("none", "0", "0%", ""):
        return 0.0, "none"
    if label in named:
        return float(named[label]), label
    m = _PERCENT.match(label)
    if m and float(m.group(1)) < 100:
        pct = float(m.group(1))
        return pct / 100, f"{pct:g}%"
    terms = ", ".join(["none", *named, "a percentage such as 30%"])
    raise InputError(f"unknown discount {label!r} for {cloud}", hint=f"valid discounts: {terms}")


def resolved_cloud(settings: Settings) -> str:
    """The cloud in force: the costs settings', else custom when the price section was changed, else gcp."""
    cloud = settings.costs.cloud
    if cloud:
        return cloud
    return "custom" if settings.price != PriceSettings() else "gcp"


def price_table(settings: Settings) -> PriceTable:
    """The prices every cost in the report uses."""
    c = settings.costs
    cloud = resolved_cloud(settings)
    _choose("cloud", cloud, list(CLOUDS), "the price tables")
    if cloud == "custom":
        p = settings.price
        discount, label = _discount(c.discount, {}, cloud)
        return PriceTable(
            cloud="custom", region=c.region, family=c.family or "custom", kind="unit", currency=p.currency,
            vcpu_hour=p.vcpu_hour, gib_hour=p.gib_hour, hours_per_month=p.hours_per_month,
            discount=discount, discount_label=label,
            cluster_fee_hour=c.cluster_fee_hour or 0.0, storage_gib_month=c.storage_gib_month or 0.0,
            source=p.source,
            cluster_fee_source="costs file" if c.cluster_fee_hour is not None else "not priced (set cluster_fee_hour)",
            storage_source="costs file" if c.storage_gib_month is not None else "not priced (set storage_gib_month)",
            discount_source="costs file" if label != "none" else "",
        )
    t = tables()[cloud]
    family = _choose("family", c.family or t["default_family"], list(t["families"]), cloud)
    f = t["families"][family]
    region = _choose("region", c.region or t["default_region"], list(f["vcpu_hour"]), f"{cloud} {family}")
    discount, label = _discount(c.discount, t.get("discounts") or {}, cloud)
    return PriceTable(
        cloud=cloud, region=region, family=family, kind=f["kind"], currency=t["currency"],
        vcpu_hour=float(f["vcpu_hour"][region]),
        gib_hour=float(f["gib_hour"][region]) if f["kind"] == "unit" else 0.0,
        gib_per_vcpu=float(f.get("gib_per_vcpu", 0.0)),
        hours_per_month=settings.price.hours_per_month,
        discount=discount, discount_label=label,
        cluster_fee_hour=float(t["cluster_fee_hour"] if c.cluster_fee_hour is None else c.cluster_fee_hour),
        storage_gib_month=float(t["storage_gib_month"].get(region, 0.0) if c.storage_gib_month is None
                                else c.storage_gib_month),
        as_of=str(t["as_of"]),
        source=f"{t['source']} Sizes: {f['sizes']}.",
        cluster_fee_source=t["cluster_fee_source"] if c.cluster_fee_hour is None else "costs file",
        storage_source=t["storage_source"] if c.storage_gib_month is None else "costs file",
        discount_source=(t.get("discount_source", "") if label in (t.get("discounts") or {})
                         else "" if label == "none" else "costs file / --discount"),
    )


def regions(cloud: str, family: str = "") -> list[str]:
    """Regions a cloud's table prices (for one family, or any)."""
    t = tables()[cloud]
    fams = [family] if family else list(t["families"])
    return sorted({r for name in fams for r in t["families"][name]["vcpu_hour"]})
