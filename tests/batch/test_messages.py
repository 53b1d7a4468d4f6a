"""What batch tells the user, against the real sshd: text is never eaten as
markup, error.yaml says what to do next, the paths printed are real ones,
and the command line's connect options are the inventory's defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mta.cli import main

pytestmark = [pytest.mark.sshd, pytest.mark.timeout(300)]

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_unknown_host_key_then_accepted_with_batch_wide_options(sshd, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path))  # no personal known_hosts or ssh config
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(tmp_path / "known_hosts"))
    inv = tmp_path / "inv.yaml"
    inv.write_text(
        f"hosts:\n"
        f"  - {{name: good, discovery: {SAMPLES}/centos7-tomcat/discovery.yaml}}\n"
        f"  - {{name: vm, address: {sshd.hosts[0]}, port: {sshd.port}, extract: false}}\n"
    )
    out = tmp_path / "out"
    args = ["batch", str(inv), "-o", str(out), "--workers", "1", "--sample-seconds", "0",
            "-u", sshd.user, "-i", str(sshd.key_path)]
    assert main(args) == 3
    captured = capsys.readouterr()
    # rich would have taken "[127.0.0.1]" for a style tag and printed ":PORT"
    assert f"[{sshd.hosts[0]}]:{sshd.port}" in captured.out.replace("\n", "")
    error = yaml.safe_load((out / "hosts" / "vm" / "error.yaml").read_text())
    assert error["kind"] == "host-key-unknown"
    assert "--accept-new-host-key" in error["hint"]
    assert str(out / "hosts" / "vm" / "error.yaml") in captured.err  # the real path, not OUT/hosts/<host>
    assert "<host>" not in captured.err

    # the same options, now trusting the new key: -u/-i/--accept-new-host-key reach the inventory's host
    assert main(args + ["--accept-new-host-key", "--resume"]) == 0
    assert (out / "hosts" / "vm" / "discovery.yaml").is_file()
    assert not (out / "hosts" / "vm" / "error.yaml").exists()
