"""Captured ppid chains can be inconsistent (pid == ppid, loops); detection must still end."""

from __future__ import annotations

import pytest

from mta.detect import detect_apps
from mta.model import HostFacts, Process, Socket


@pytest.mark.timeout(20)
def test_ppid_cycles_terminate():
    facts = HostFacts(
        host="x",
        processes=[
            Process(pid=10, ppid=10, name="srv", exe="/opt/srv", cmdline=["/opt/srv"]),
            Process(pid=11, ppid=12, name="srv", exe="/opt/srv", cmdline=["/opt/srv", "-w"]),
            Process(pid=12, ppid=11, name="srv", exe="/opt/srv", cmdline=["/opt/srv", "-w"]),
        ],
        sockets=[
            Socket(protocol="tcp", address="0.0.0.0", port=9000, pid=10),
            Socket(protocol="tcp", address="0.0.0.0", port=9001, pid=11),
        ],
    )
    apps = detect_apps(facts)
    assert sorted(p for a in apps for p in a.pids) == [10, 11, 12]
    assert {pt.port for a in apps for pt in a.ports} == {9000, 9001}
