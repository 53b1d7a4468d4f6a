"""``mta collect-script`` and ``mta import`` in-process, with the script run by dash."""

from __future__ import annotations

import subprocess

from mta.cli import main
from mta.io import load_model
from mta.model import HostFacts


def test_collect_script_then_import(tmp_path, capsys):
    from .test_probe_live import need

    need("dash")
    assert main(["collect-script", "--sample-seconds", "0", "--no-http-checks"]) == 0
    script = capsys.readouterr().out
    assert script.startswith("#!/bin/sh\n") and "sh collect.sh >" in script
    (tmp_path / "collect.sh").write_text(script)
    out = subprocess.run(["dash", str(tmp_path / "collect.sh")], capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr[-1000:]
    (tmp_path / "web 01.mta").write_bytes(out.stdout)

    assert main(["import", str(tmp_path / "web 01.mta"), "-o", str(tmp_path / "out"), "--host", "web 01/../x"]) == 0
    assert "processes" in capsys.readouterr().out
    target = tmp_path / "out" / "hosts" / "web_01_.._x" / "discovery.yaml"
    facts = load_model(target, HostFacts)
    assert facts.collector == "import" and facts.host == "web_01_.._x"
    assert facts.processes and facts.packages and not facts.errors


def test_import_rejects_other_files(tmp_path, capsys):
    (tmp_path / "x.txt").write_text("not a probe\n")
    assert main(["import", str(tmp_path / "x.txt"), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "not mta probe output" in err and "hint:" in err
    assert main(["import", str(tmp_path / "missing.mta"), "-o", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()


def test_import_gzipped_and_crlf(tmp_path, capsys):
    import gzip

    from .fixtures import DISTROS, load, render

    snap = load(DISTROS / "centos7.yaml")
    raw = render(snap["sections"]).replace(b"\n", b"\r\n")
    (tmp_path / "h.mta.gz").write_bytes(gzip.compress(raw))
    assert main(["import", str(tmp_path / "h.mta.gz"), "-o", str(tmp_path / "out")]) == 0
    facts = load_model(tmp_path / "out" / "hosts" / "app-c7" / "discovery.yaml", HostFacts)
    assert facts.os.id == "centos" and [s.name for s in facts.services][:2] == ["nginx.service", "shop.service"]
    assert facts.process(1012).cmdline[:2] == ["/opt/shop/venv/bin/python3", "/opt/shop/venv/bin/gunicorn"]
