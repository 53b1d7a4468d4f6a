"""The connection step's failure paths, in-process against a closed loopback port."""

from __future__ import annotations

import os
import socket

import pytest
from rich.console import Console

from mta.errors import MtaError
from mta.wizard.connect import interactive_connector
from mta.wizard.flow import Session

from .scripted import DEFAULT, ScriptedPrompter


@pytest.fixture
def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return port  # nobody listens: connection refused


def settings(host=DEFAULT):
    return [("Host", host), ("User", "ops"), ("Log in with", "agent"), ("sudo", False), ("Jump host", "")]


def test_refused_then_quit_says_nothing_was_written(tmp_path, closed_port, monkeypatch):
    monkeypatch.setenv("MTA_SSH_CONFIG", "")
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(tmp_path / "known_hosts"))
    p = ScriptedPrompter(settings() + [("What now", "again")] + settings() + [("What now", "quit")])
    buf = open(os.devnull, "w")
    session = Session(out=tmp_path / "out")
    step = interactive_connector({"host": f"127.0.0.1:{closed_port}"})
    with pytest.raises(MtaError, match="no connection to 127.0.0.1"):
        step(p, Console(file=buf), session)
    assert not p.script
    assert session.transport is None
    assert not (tmp_path / "out").exists()


def test_user_in_target_fills_the_user_prompt(tmp_path, closed_port, monkeypatch):
    monkeypatch.setenv("MTA_SSH_CONFIG", "")
    p = ScriptedPrompter(
        [("Host", f"alice@127.0.0.1:{closed_port}"), ("User", DEFAULT), ("Log in with", "agent"), ("sudo", False), ("Jump host", ""), ("What now", "quit")]
    )
    with pytest.raises(MtaError):
        interactive_connector({})(p, Console(file=open(os.devnull, "w")), Session(out=tmp_path))
    offered = {m: d for k, m, d in p.asked}
    assert offered["User"] == "alice"
