"""`mta schema`: the published schemas accept what mta writes."""

from __future__ import annotations

import json

import jsonschema
import pytest
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
    pytest.importorskip("mta.wizard.questions")
    v = jsonschema.Draft202012Validator(schema(capsys, "answers"))
    v.validate({"schema_version": 1, "answers": {"apps.web.ports": [8080], "k8s.namespace": "shop",
                                                 "apps.db.proxy": "keep", "base": "debian"}})
    assert list(v.iter_errors({"answers": {"apps.web.portz": [1]}}))
    assert list(v.iter_errors({"answers": {"apps.web.replicas": "two"}}))
