"""Settings file and CLI overrides: layering and validation."""

from __future__ import annotations

import pytest

from mta.errors import InputError
from mta.estimate.settings import load_settings, option_specs
from mta.model.estimate import Settings


def test_defaults_are_the_documented_ones():
    s = Settings()
    assert s.rightsizing.strategy == "p95" and s.rightsizing.cpu_comfort == 1.2
    assert s.rightsizing.cpu_floor_millicores == 10 and s.rightsizing.memory_floor_mib == 64
    assert s.rightsizing.memory_factor == 1.15
    assert s.node.target_utilization == 0.8 and s.node.reservation == "gke"
    assert "cloud.google.com" in s.price.source and s.price.hours_per_month == 730


def test_every_field_is_an_option_with_a_unique_flag():
    specs = option_specs()
    flags = [s.flag for s in specs]
    assert len(flags) == len(set(flags))
    assert {"--strategy", "--cpu-comfort", "--node-cpu", "--node-target-utilization", "--price-vcpu-hour"} <= set(flags)


def test_file_then_options(tmp_path):
    f = tmp_path / "settings.yaml"
    f.write_text("node: {cpu: 8, memory_gib: 32}\nprice: {currency: EUR, vcpu_hour: 0.05}\n")
    s = load_settings(f, {"node_cpu": 16, "strategy": "peak", "price_gib_hour": None})
    assert s.node.cpu == 16 and s.node.memory_gib == 32
    assert s.price.currency == "EUR" and s.price.vcpu_hour == 0.05
    assert s.rightsizing.strategy == "peak"


def test_bad_values_name_the_file_and_field(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("node: {target_utilization: 1.5}\n")
    with pytest.raises(InputError, match=r"s.yaml: field 'node.target_utilization'"):
        load_settings(f)
    f.write_text("nodes: {cpu: 4}\n")
    with pytest.raises(InputError, match="unknown field"):
        load_settings(f)
    with pytest.raises(InputError, match="command-line options: field 'rightsizing.cpu_comfort'"):
        load_settings(None, {"cpu_comfort": 0.5})


def test_the_example_settings_file_is_the_defaults():
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "templates" / "report" / "settings.example.yaml"
    assert load_settings(example) == Settings()
