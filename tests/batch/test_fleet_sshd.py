"""A fleet on a REAL OpenSSH server: many loopback addresses all reaching one
sshd, plus fault hosts (closed port, silent listener, wrong key, a probe that
never ends, a probe killed mid-way). Runs the real discover/plan/generate."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from mta.batch import MARKER, parse_shard, run_batch
from mta.cli import main
from mta.inventory import load_inventory
from mta.io import load_model
from mta.model import HostFacts

pytestmark = [pytest.mark.sshd, pytest.mark.timeout(600)]

#: 127.0.0.2 … 127.0.0.<LAST>: good hosts; .59 and .60 are fault hosts. Every
#: "host" is this machine, so each costs a real probe here: MTA_FLEET_LAST=20
#: gives a quicker run while developing.
LAST = int(os.environ.get("MTA_FLEET_LAST", "40"))
#: hosts that also pull application files (extraction is the costly step here)
EXTRACTING = 3
SLOW, KILLED = "127.0.0.59", "127.0.0.60"
#: per-host deadline of the good hosts: a hang guard, far above what a busy machine needs (the
#: hosts are this machine: discovery and extraction see every process and app it runs)
GOOD_DEADLINE = 400
GOOD = [f"127.0.0.{i}" for i in range(2, LAST + 1)]

KILL_SCRIPT = """#!/bin/sh
# Run what the client asked for, then kill it and this connection mid-way.
sh -c "$SSH_ORIGINAL_COMMAND" <&0 &
child=$!
sleep 0.3
kill -9 $child
kill -9 $PPID
"""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def fleet():
    from tests.support.sshd import start_sshd, stop_sshd, unavailable

    work = Path(tempfile.mkdtemp(prefix="mta-fleet-"))
    kill = work / "kill-probe.sh"
    kill.write_text(KILL_SCRIPT)
    kill.chmod(0o755)
    extra = (f"Match LocalAddress {SLOW}\n  ForceCommand sleep 600\n"
             f"Match LocalAddress {KILLED}\n  ForceCommand {kill}\n")
    # sshd listens on at most 16 sockets, so the fleet is served by several
    # servers sharing one user key; each fault address has its own Match block.
    addrs = GOOD + [SLOW, KILLED]
    chunks = [addrs[i:i + 15] for i in range(0, len(addrs), 15)]
    servers, procs = [], []
    try:
        for i, chunk in enumerate(chunks):
            server, proc = start_sshd(work / f"sshd{i}", hosts=chunk, extra_config=extra,
                                      user_key=servers[0].key_path if servers else None)
            servers.append(server)
            procs.append(proc)
    except RuntimeError as exc:
        for proc in procs:
            stop_sshd(proc)
        shutil.rmtree(work, ignore_errors=True)
        unavailable(f"cannot start sshd: {exc}")
    known = work / "known_hosts"
    known.write_text("".join(srv.known_hosts.read_text() for srv in servers))
    server = servers[0]
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts TCP in the kernel, never says a word
    wrong_key = work / "wrong_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(wrong_key)], check=True)
    port_of = {a: srv.port for srv in servers for a in srv.hosts}
    groups = "".join(
        f"[fleet{i}]\n"
        + "".join(f"{a}{' mta_extract=true' if a in GOOD[:EXTRACTING] else ''}\n" for a in srv.hosts if a in GOOD) + f"[fleet{i}:vars]\nansible_port={srv.port}\n\n"
        for i, srv in enumerate(servers)
    )
    inv = work / "hosts"  # Ansible INI
    inv.write_text(f"""{groups}
[faults]
slow-probe ansible_host={SLOW} ansible_port={port_of[SLOW]} mta_deadline=8
killed-probe ansible_host={KILLED} ansible_port={port_of[KILLED]}
wrong-key ansible_host=127.0.0.2 ansible_port={port_of['127.0.0.2']} ansible_ssh_private_key_file={wrong_key}
closed-port ansible_host=127.0.0.1 ansible_port={_closed_port()}
silent ansible_host=127.0.0.1 ansible_port={silent.getsockname()[1]} mta_deadline=3

[all:vars]
ansible_user=root
ansible_ssh_private_key_file={server.key_path}
mta_known_hosts={known}
mta_sample_seconds=0
mta_http_checks=false
mta_extract=false
""")
    try:
        yield {"servers": servers, "inventory": inv, "work": work}
    finally:
        silent.close()
        for proc in procs:
            stop_sshd(proc)
        shutil.rmtree(work, ignore_errors=True)


EXPECTED_FAULTS = {
    "slow-probe": ("discover", {"deadline"}),
    "killed-probe": ("discover", {"connection-lost", "probe"}),
    "wrong-key": ("connect", {"auth"}),
    "closed-port": ("connect", {"refused"}),
    # a listener that never says a word holds the connect until the host's 3 s deadline: the
    # host's time ran out (HostRun.ran_out): the deadline, or the connect timeout when it fired just first
    "silent": ("connect", {"deadline", "timeout"}),
}


def strays(out: Path) -> list[str]:
    return [str(p) for p in out.rglob("*") if p.name.endswith(".tmp") or ".mta-work" in p.parts]


def test_fleet_good_hosts_complete_bad_hosts_recorded(fleet, tmp_path, capsys):
    out = tmp_path / "out"
    # the deadline is a hang guard: the extracting hosts pull whatever apps this machine runs
    code = main(["batch", str(fleet["inventory"]), "-o", str(out), "--parallel", "16", "--deadline", str(GOOD_DEADLINE)])
    cap = capsys.readouterr()
    assert code == 3, cap.err[-3000:]
    for host in GOOD:
        d = out / "hosts" / host
        assert (d / MARKER).is_file(), (host, (d / "error.yaml").read_text() if (d / "error.yaml").exists() else "")
        assert not (d / "error.yaml").exists()
        facts = load_model(d / "discovery.yaml", HostFacts)
        assert facts.host == host and facts.processes and facts.collector == "ssh"
        assert (d / "plan.yaml").is_file() and (d / "README.md").is_file()
        extracted = list(d.glob("apps/*/context/.mta-extract.json"))
        assert bool(extracted) == (host in GOOD[:EXTRACTING]) or host not in GOOD[:EXTRACTING], host
        if host not in GOOD[:EXTRACTING]:
            assert not extracted
    for host, (stage, kinds) in EXPECTED_FAULTS.items():
        d = out / "hosts" / host
        assert not (d / MARKER).exists()
        err = yaml.safe_load((d / "error.yaml").read_text())
        assert err["host"] == host and err["stage"] == stage and err["kind"] in kinds, err
        assert f"FAILED {host} at {stage}" in cap.err
    assert strays(out) == []
    summary = yaml.safe_load((out / "batch.yaml").read_text())
    assert (summary["ok"], summary["failed"]) == (len(GOOD), len(EXPECTED_FAULTS))
    # one SSH connection per reachable host, reused for every step
    log = "".join(srv.log_text() for srv in fleet["servers"])
    accepted = len(re.findall(r"Accepted publickey for root", log))
    assert accepted >= len(GOOD) + 2  # + slow and killed probes
    fleet["first_out"] = out
    fleet["accepted"] = accepted

    # the report merges what batch wrote, failed hosts included
    rc = main(["report", str(out), "--format", "json"])
    if rc == 0:
        report = (out / "report.json").read_text()
        assert "closed-port" in report and "refused" in report


def test_resume_redoes_only_missing(fleet):
    out = fleet.get("first_out")
    if out is None:
        pytest.skip("needs the first fleet run")
    inv = load_inventory(fleet["inventory"])
    (out / "hosts" / GOOD[0] / MARKER).unlink()
    shutil.rmtree(out / "hosts" / GOOD[1])
    (out / "hosts" / GOOD[2] / "plan.yaml").unlink()
    started = []
    batch = run_batch(inv.targets, out, parallel=16, resume=True, deadline=GOOD_DEADLINE,
                      on_event=lambda e: started.append(e.host) if e.kind == "start" else None)
    assert sorted(started) == sorted(GOOD[:3] + list(EXPECTED_FAULTS))
    assert len(batch.skipped) == len(GOOD) - 3
    for host in GOOD[:3]:
        assert (out / "hosts" / host / MARKER).is_file()
    assert strays(out) == []
    # a host redone over its last output brings that output's contexts along: only what changed
    # on the host comes again; a host whose folder was removed is fetched whole
    def extracts(host: str) -> list[dict]:
        return [json.loads(p.read_text()) for p in (out / "hosts" / host).glob("apps/*/context/.mta-extract.json")]

    redone, fresh = extracts(GOOD[0]), extracts(GOOD[1])
    assert redone and fresh
    assert sum(r["reused_files"] for r in redone) > 0, redone
    assert all(r["reused_files"] == 0 for r in fresh), fresh


def test_shards_cover_fleet_once(fleet, tmp_path):
    inv = load_inventory(fleet["inventory"])
    subset = [t for t in inv.targets if t.name in GOOD[3:9] or t.name == "closed-port"]
    seen: list[str] = []
    for k in range(3):
        out = tmp_path / f"shard{k}"
        batch = run_batch(subset, out, parallel=8, shard=parse_shard(f"{k}/3"), deadline=GOOD_DEADLINE)
        seen += [r.host for r in batch.results]
        assert strays(out) == []
    assert sorted(seen) == sorted(t.name for t in subset)
