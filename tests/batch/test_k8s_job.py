"""The Kubernetes Indexed Job sample: valid objects, a valid inventory, and
shard arguments that cover the inventory exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mta.batch import parse_shard
from mta.inventory import load_inventory

MANIFEST = Path(__file__).resolve().parents[2] / "samples" / "k8s" / "batch-indexed-job.yaml"


def docs():
    return [d for d in yaml.safe_load_all(MANIFEST.read_text()) if d]


def test_objects_validate_against_kubernetes_schemas():
    kv = pytest.importorskip("kubernetes_validate")
    for doc in docs():
        for version in ("1.30.0", "1.37.0"):
            kv.validate(doc, version, strict=True)


def test_job_shards_cover_the_embedded_inventory(tmp_path):
    by_kind = {d["kind"]: d for d in docs()}
    job, cm = by_kind["Job"], by_kind["ConfigMap"]
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    container = spec["template"]["spec"]["containers"][0]
    shards = int({e["name"]: e["value"] for e in container["env"]}["SHARDS"])
    assert shards == spec["completions"]
    script = container["args"][0]
    assert '--shard "${JOB_COMPLETION_INDEX}/${SHARDS}"' in script and "--resume" in script
    assert "--inventory" not in script and "/inventory/inventory.yaml" in script

    inv_file = tmp_path / "inventory.yaml"
    inv_file.write_text(cm["data"]["inventory.yaml"])
    inv = load_inventory(inv_file)
    names = [t.name for t in inv.targets]
    seen = []
    for k in range(shards):
        seen += [t.name for t in parse_shard(f"{k}/{shards}").select(inv.targets)]
    assert sorted(seen) == sorted(names)
    assert all(t.key == "/ssh/id_ed25519" for t in inv.targets)
