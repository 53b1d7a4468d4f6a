"""The one cost function and the offline price tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from mta.errors import InputError
from mta.estimate.binpack import consolidate, items_of
from mta.estimate.cost import compute_savings, cost_model, monthly, nodes_needed, sized
from mta.estimate.nodes import node_spec
from mta.estimate.prices import price_table, regions, tables
from mta.estimate.settings import load_costs
from mta.model.estimate import AppEstimate, CostSettings, HostEstimate, NodeSettings, PriceSettings, Settings
from mta.model.report import HostReport

GIB = 1024**3


def _settings(**costs) -> Settings:
    return Settings(costs=CostSettings(**costs))


def test_default_prices_are_gcp_n2_us_central1_list_prices_with_a_dated_source():
    p = price_table(Settings())
    assert (p.cloud, p.region, p.family, p.currency) == ("gcp", "us-central1", "n2", "USD")
    assert (p.vcpu_hour, p.gib_hour) == (0.031611, 0.004237)
    assert p.as_of and "list prices as of" in p.source.lower() and p.discount == 0
    # n2-standard-4 (4 vCPU, 16 GiB) for a 730-hour month
    assert monthly(4, 16, p) == pytest.approx((4 * 0.031611 + 16 * 0.004237) * 730)


def test_every_shipped_table_is_dated_and_sourced():
    for cloud, t in tables().items():
        assert t["as_of"] and t["source"] and t["cluster_fee_source"] and t["storage_source"], cloud
        for family, f in t["families"].items():
            for region in f["vcpu_hour"]:
                p = price_table(_settings(cloud=cloud, family=family, region=region))
                assert p.vcpu_hour > 0 and p.storage_gib_month > 0, (cloud, family, region)


def test_instance_families_price_the_share_that_holds_both_cpu_and_memory():
    p = price_table(_settings(cloud="aws", family="m6i", region="us-east-1"))
    assert monthly(4, 16, p) == pytest.approx(0.192 * 730)  # m6i.xlarge
    assert monthly(2, 16, p) == monthly(4, 16, p)  # memory-bound: the share of a 4-vCPU size
    assert monthly(1, 1, p) == pytest.approx(0.048 * 730)
    az = price_table(_settings(cloud="azure"))
    assert (az.family, az.region) == ("Dsv5", "eastus") and monthly(2, 8, az) == pytest.approx(0.096 * 730)


def test_discounts_named_terms_and_percentages():
    assert price_table(_settings(discount="3y")).discount == 0.55
    p = price_table(_settings(cloud="aws", discount="30%"))
    assert p.discount == 0.30 and p.discount_label == "30%"
    assert monthly(4, 16, p) == pytest.approx(0.192 * 730 * 0.7)
    with pytest.raises(InputError) as e:
        price_table(_settings(cloud="aws", discount="3y"))  # no AWS term shipped
    assert "a percentage" in e.value.hint


def test_unknown_region_or_family_lists_the_valid_ones():
    with pytest.raises(InputError) as e:
        price_table(_settings(cloud="aws", region="mars-1"))
    assert "mars-1" in e.value.message and "us-east-1" in e.value.hint and "eu-west-1" in e.value.hint
    with pytest.raises(InputError) as e:
        price_table(_settings(cloud="gcp", family="m6i"))
    assert "n2" in e.value.hint and "e2" in e.value.hint
    assert "us-east-1" in regions("aws")
    # the CLI path: --cloud/--region checked before any host is read
    with pytest.raises(InputError):
        load_costs(Settings(), None, cloud="azure", region="us-east-1")


def test_a_changed_price_section_is_custom_prices():
    s = Settings(price=PriceSettings(currency="EUR", vcpu_hour=0.05, gib_hour=0.005))
    p = price_table(s)
    assert (p.cloud, p.currency, p.vcpu_hour) == ("custom", "EUR", 0.05)


def _host(name, vcpu, gib, apps, confidence="high", os_id="ubuntu", disk_gib=50, vol_gib=0):
    est = HostEstimate(host=name, vcpu=vcpu, memory_bytes=gib * GIB, confidence=confidence, apps=apps)
    return HostReport(host=name, estimate=est, os_id=os_id, disk_bytes=disk_gib * GIB, volume_bytes=vol_gib * GIB,
                      volumes_from="plan")


def _app(host, name, cpu, mem_mib, rng=None):
    return AppEstimate(host=host, app=name, cpu_millicores=cpu, memory_bytes=mem_mib * 1024**2,
                       cpu_range_millicores=rng)


def test_cost_model_lines_add_up_and_tco_is_the_sum_of_its_parts():
    hosts = [_host("a", 4, 16, [_app("a", "web", 500, 1024)], os_id="rhel", vol_gib=10),
             _host("b", 2, 8, [_app("b", "api", 300, 512, rng=[300, 2900])], confidence="low", os_id="sles")]
    settings = Settings()
    p = price_table(settings)
    spec = node_spec(NodeSettings())
    ests = [h.estimate for h in hosts]
    cons = consolidate(items_of(ests), spec)
    sav = compute_savings(ests, cons, p)
    rng = tuple(nodes_needed([sized(e, end) if e.confidence == "low" else e for e in ests], spec) for end in (0, 1))
    c = cost_model(hosts, sav, cons, p, settings.costs, migration_days=5.0, nodes_range=rng)
    by = {x.item: x for x in c.lines}
    assert set(by) == {"Compute", "Storage", "Cluster management fee", "OS licences", "Operations"}
    assert by["Compute"].before == pytest.approx(monthly(4, 16, p) + monthly(2, 8, p), abs=0.01)
    assert by["OS licences"].before == pytest.approx(2 * 399.5 / 12, abs=0.01) and by["OS licences"].after == 0
    assert by["Cluster management fee"].after == pytest.approx(0.10 * 730)
    assert by["Storage"].before == pytest.approx(100 * 0.10)
    assert by["Storage"].after == pytest.approx((10 + 100 * sav.after.machines) * 0.10)
    assert c.monthly_before == pytest.approx(sum(x.before for x in c.lines), abs=0.01)
    assert c.monthly_after == pytest.approx(sum(x.after for x in c.lines), abs=0.01)
    assert c.migration_cost == 5.0 * 600
    assert c.tco_vms == pytest.approx(sum(t.vms for t in c.tco), abs=0.05)
    assert c.tco_platform == pytest.approx(sum(t.platform for t in c.tco), abs=0.05)
    assert c.tco_platform == pytest.approx(36 * c.monthly_after + c.migration_cost, abs=0.5)
    assert c.tco_saved == pytest.approx(c.tco_vms - c.tco_platform, abs=0.01)
    assert c.low_confidence_hosts == ["b"]
    # the peak end of b's range (2.9 cores) does not fit beside a: one more node
    assert rng == (1, 2) and c.monthly_after_range.high > c.monthly_after_range.low
    assert c.monthly_saved_range.low == pytest.approx(c.monthly_before - c.monthly_after_range.high, abs=0.01)


def test_costs_file_and_options_layer(tmp_path):
    f = tmp_path / "costs.yaml"
    f.write_text("cloud: aws\nregion: eu-west-1\nclusters: 2\noperations: {hourly_rate: 100}\n")
    s = load_costs(Settings(), f, discount="20%")
    assert (s.costs.cloud, s.costs.region, s.costs.clusters, s.costs.discount) == ("aws", "eu-west-1", 2, "20%")
    assert s.costs.operations.hourly_rate == 100 and s.costs.operations.day_rate == 600
    s = load_costs(Settings(), f, region="us-east-1")
    assert price_table(s).vcpu_hour == 0.048
    f.write_text("cloud: aws\nclustres: 2\n")
    with pytest.raises(InputError):
        load_costs(Settings(), f)


def test_the_shipped_costs_example_loads():
    example = Path(__file__).resolve().parents[2] / "templates" / "report" / "costs.example.yaml"
    s = load_costs(Settings(), example)
    assert (s.costs.cloud, s.costs.region, s.costs.family) == ("gcp", "us-central1", "n2")
    assert s.costs.operations.source.startswith("our operations")
