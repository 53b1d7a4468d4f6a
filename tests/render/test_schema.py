"""`mta schema`: the published schemas accept what mta writes."""

from __future__ import annotations

import json

import jsonschema
import yaml

from mta.cli import main

from .cases import render_case


def schema(capsys, which: str) -> dict:
    assert main(["schema", which]) == 0
    return json.loads(capsys.readouterr().out)


def test_plan_schema_accepts_generated_plan(capsys):
    _, files = render_case("fixture-shop")
    jsonschema.Draft202012Validator(schema(capsys, "plan")).validate(yaml.safe_load(files["plan.yaml"]))


def test_answers_schema(capsys):
    v = jsonschema.Draft202012Validator(schema(capsys, "answers"))
    v.validate({"schema_version": 1, "answers": {"apps.web.ports": [8080], "k8s.namespace": "shop",
                                                 "apps.db.proxy": "keep", "base": "debian"}})
    assert list(v.iter_errors({"answers": {"apps.web.portz": [1]}}))
    assert list(v.iter_errors({"answers": {"apps.web.replicas": "two"}}))


def test_report_schema_accepts_report_json(capsys, tmp_path):
    """`mta schema report` validates the report.json that `mta report` writes."""
    import shutil
    from pathlib import Path

    samples = Path(__file__).resolve().parents[2] / "samples"
    for name in ("centos7-tomcat", "sles12-bare"):
        (tmp_path / "hosts" / name).mkdir(parents=True)
        shutil.copy(samples / name / "discovery.yaml", tmp_path / "hosts" / name / "discovery.yaml")
    assert main(["report", str(tmp_path), "--format", "json"]) == 0
    capsys.readouterr()
    validator = jsonschema.Draft202012Validator(schema(capsys, "report"))
    validator.validate(json.loads((tmp_path / "report.json").read_text()))
