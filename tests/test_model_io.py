"""The model and its files: schema version, clear errors naming file and field."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mta.errors import InputError
from mta.io import dump_model, load_model, write_atomic
from mta.model import SCHEMA_VERSION, HostFacts, Plan, Process


def _facts() -> HostFacts:
    return HostFacts(host="vm1", processes=[Process(pid=1, name="init", cmdline=["/sbin/init"])])


def test_round_trip(tmp_path):
    path = tmp_path / "discovery.yaml"
    write_atomic(path, dump_model(_facts()))
    loaded = load_model(path, HostFacts)
    assert loaded == _facts()
    assert loaded.schema_version == SCHEMA_VERSION


def test_unknown_field_named(tmp_path):
    path = tmp_path / "discovery.yaml"
    path.write_text("host: vm1\nprocesses:\n  - pid: 1\n    colour: red\n")
    with pytest.raises(InputError) as err:
        load_model(path, HostFacts)
    assert str(path) in err.value.message
    assert "processes.0.colour" in err.value.message
    assert "unknown field" in err.value.message


def test_wrong_type_named(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("host: vm1\napps:\n  - name: web\n    stack: flask\n    replicas: many\n")
    with pytest.raises(InputError) as err:
        load_model(path, Plan)
    assert "apps.0.replicas" in err.value.message


@pytest.mark.parametrize(
    "content, expected",
    [
        ("host: [unclosed\n", "malformed YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ("schema_version: 99\nhost: x\n", "schema_version 99"),
    ],
)
def test_bad_files(tmp_path, content, expected):
    path = tmp_path / "d.yaml"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        load_model(path, HostFacts)
    assert expected in err.value.message
    assert "\n" not in err.value.message


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_model(tmp_path / "nope.yaml", HostFacts)


def test_not_utf8(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_bytes(b"host: \xff\xfe\n")
    with pytest.raises(InputError, match="not UTF-8"):
        load_model(path, HostFacts)


def test_write_atomic_leaves_no_temp_and_sets_mode(tmp_path):
    path = tmp_path / "sub" / "secret.env"
    write_atomic(path, "A=1\n", mode=0o600)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(path.parent) == ["secret.env"]


def test_hostile_strings_survive_yaml(tmp_path):
    evil = "x'; rm -rf / #\n{{ 7*7 }} $(id) \"q\" \x1b[31m"
    facts = HostFacts(host="vm1", processes=[Process(pid=2, name=evil, cmdline=[evil, "--a=b c"])])
    path = tmp_path / "d.yaml"
    write_atomic(path, dump_model(facts))
    assert load_model(path, HostFacts).processes[0].cmdline[0] == evil


def test_libyaml_and_pyyaml_emitters_write_the_same_data():
    """dump_yaml writes through libyaml when PyYAML has it; PyYAML's own
    emitter (the fallback) must read back to the same data: tabs, long lines
    folded differently, block scalars, quotes, control and non-ASCII text."""
    import yaml

    from mta.yamlemit import _Dumper, _str_representer, dump_yaml

    class Pure(yaml.SafeDumper):
        pass

    Pure.add_representer(str, _str_representer)
    conf = "".join(f"\tkey{i} value with spaces {'x' * (i % 90)} # {i}\n" for i in range(300))
    data = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web", "labels": {"app": "web"}},
            "data": {"tabs.conf": conf, "plain.conf": conf.replace("\t", "    "), "crlf": "a\r\nb\r\n",
                     "odd": "x'; rm -rf / #\n{{ 7*7 }} $(id) \"q\" \x1b[31m é ü 日本", "no-newline": "a\nb",
                     "keep": "a\n\n\n", "empty": "", "yes": "yes", "num": "0123", "list": [1, "2", None, True]}}
    pure = yaml.dump(data, Dumper=Pure, sort_keys=False, allow_unicode=True, width=100)
    assert yaml.safe_load(dump_yaml(data)) == yaml.safe_load(pure) == data
    assert issubclass(_Dumper, getattr(yaml, "CSafeDumper", yaml.SafeDumper))


FIRST_USE_IN_THREADS = """
import threading
from mta.model import HostFacts, Plan
errors, start = [], threading.Barrier(16)
def first_use(i):
    start.wait()
    try:
        facts = HostFacts(host=f"h{i}")
        facts.address = "10.0.0.1"  # validate_assignment
        Plan.model_validate({"host": f"h{i}"}).host = "x"
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=first_use, args=(i,)) for i in range(16)]
for t in threads: t.start()
for t in threads: t.join()
print(len(errors), errors[:1])
"""


def test_models_first_used_by_many_threads_at_once():
    """Validators are built on first use (defer_build): threads that get there together
    (batch, discover -j) wait for one build instead of seeing a half-built model."""
    root = Path(__file__).resolve().parents[1]
    for _ in range(3):  # a fresh interpreter each time: nothing built yet
        got = subprocess.run([sys.executable, "-c", FIRST_USE_IN_THREADS], capture_output=True, text=True,
                             timeout=120, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
        assert got.returncode == 0, got.stderr
        assert got.stdout.split()[0] == "0", got.stdout
