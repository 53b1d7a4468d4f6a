"""SSHTransport against a real OpenSSH server: commands, files, and every
failure mapped to its typed error."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import tarfile
import threading
import time

import pytest

from mta.transport import (
    AuthFailed,
    CommandTimeout,
    ConnectionLost,
    ConnectionRefused,
    ConnectTimeout,
    HostKeyChanged,
    HostKeyUnknown,
    SudoNeedsPassword,
    Transport,
)
from mta.transport.hostkeys import fingerprint
from mta.transport.ssh import SSHTransport
from tests.support.sshd import SSHD, closed_port, silent_listener

pytestmark = [pytest.mark.sshd, pytest.mark.timeout(120)]


def test_run_reuses_one_connection_and_counts_round_trips(sshd):
    with sshd.transport() as t:
        assert isinstance(t, Transport)
        res = t.run("echo out; echo err >&2; exit 3")
        assert (res.exit_status, res.stdout, res.stderr) == (3, b"out\n", b"err\n")
        first = t._t
        assert t.run(["printf", "%s|", "a b", "it's", "$(id)"]).stdout == b"a b|it's|$(id)|"
        assert t.run("sh -s", stdin=b"echo from-stdin\n").stdout == b"from-stdin\n"
        assert t._t is first
        assert t.round_trips == 3


def test_requests_are_not_held_back_by_nagle(sshd):
    # Without TCP_NODELAY a request written after a small packet waited for the
    # server's delayed ACK: every exec's channel open cost 45 ms on loopback.
    with sshd.transport() as t:
        t.run("true")
        assert t._t.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_large_output_and_input_do_not_deadlock(sshd):
    blob = os.urandom(3 << 20)
    with sshd.transport() as t:
        res = t.run("cat", stdin=blob, timeout=60)
        assert res.stdout == blob


def test_read_files_in_one_round_trip(sshd, tmp_path):
    (tmp_path / "a.conf").write_bytes(b"x=1\n\xff\x00binary")
    os.chmod(tmp_path, 0o755)
    with sshd.transport() as t:
        got = t.read_files([str(tmp_path / "a.conf"), "/no/such/file", "/etc/hostname"], max_bytes=8)
        assert got[str(tmp_path / "a.conf")] == b"x=1\n\xff\x00bi"
        assert got["/no/such/file"] is None
        assert got["/etc/hostname"] is not None
        assert t.round_trips == 1


def test_tar_paths_streams_and_reports_missing(sshd, tmp_path):
    src = tmp_path / "srv"
    (src / "app").mkdir(parents=True)
    (src / "app" / "main.py").write_text("print('hi')\n")
    (src / "app" / "debug.log").write_text("noise\n")
    buf = io.BytesIO()
    with sshd.transport() as t:
        res = t.tar_paths([str(src / "app"), "/no/such/dir"], buf, exclude=["*.log"])
    assert res.bytes_written == len(buf.getvalue()) > 0
    assert any("no/such/dir" in s for s in res.skipped)
    buf.seek(0)
    names = tarfile.open(fileobj=buf).getnames()
    assert str(src / "app" / "main.py").lstrip("/") in names
    assert not any(n.endswith("debug.log") for n in names)


def test_tar_paths_size_cap(sshd, tmp_path):
    (tmp_path / "big").write_bytes(os.urandom(1 << 20))
    buf = io.BytesIO()
    with sshd.transport() as t:
        res = t.tar_paths([str(tmp_path / "big")], buf, max_bytes=100_000)
        assert res.truncated and res.bytes_written <= 100_000
        assert t.run("echo alive").stdout == b"alive\n"  # the connection survives the cut stream


def test_closed_port_is_connection_refused(sshd):
    with closed_port() as port:
        t = SSHTransport(f"root@127.0.0.1:{port}", key_filename=str(sshd.key_path), ssh_config="")
        with pytest.raises(ConnectionRefused, match="refused"):
            t.run("true")


def test_silent_listener_is_banner_timeout():
    with silent_listener() as port:
        t = SSHTransport(f"root@127.0.0.1:{port}", connect_timeout=1.0, ssh_config="", use_agent=False)
        start = time.monotonic()
        with pytest.raises(ConnectTimeout, match="banner") as info:
            t.run("true")
        assert time.monotonic() - start < 20  # hang guard; the message proves the 1 s timeout
        assert info.value.hint


def test_abort_ends_a_connect_in_progress_at_once():
    """Ctrl-C or a host deadline must not wait for the handshake's timeout."""
    with silent_listener() as port:
        t = SSHTransport(f"root@127.0.0.1:{port}", connect_timeout=30.0, ssh_config="", use_agent=False)
        outcome = []

        def connect():
            try:
                t.connect()
                outcome.append("connected")
            except BaseException as exc:  # noqa: BLE001 - the test records whatever ends it
                outcome.append(exc)

        worker = threading.Thread(target=connect)
        worker.start()
        deadline = time.monotonic() + 10
        while not t._pending and time.monotonic() < deadline:
            time.sleep(0.02)
        start = time.monotonic()
        t.abort()
        worker.join(timeout=20)
        assert not worker.is_alive() and time.monotonic() - start < 20  # hang guard: not the 60 s handshake timeout
        assert len(outcome) == 1 and type(outcome[0]) is ConnectionLost, outcome
        assert str(outcome[0]).endswith("connect aborted")
        with pytest.raises(ConnectionLost, match="aborted"):
            t.connect()  # and it stays aborted


def test_an_aborted_connect_ends_with_the_same_error_whenever_it_lands():
    """Closing the socket under paramiko surfaces as a banner "timeout", an
    EOF, a bad file descriptor or "Negotiation failed" depending on timing (on
    a busy machine each happens); abort() makes every one ConnectionLost."""
    seen = []
    for i in range(12):
        with silent_listener() as port:
            t = SSHTransport(f"root@127.0.0.1:{port}", connect_timeout=30.0, ssh_config="", use_agent=False)
            outcome = []

            def connect():
                try:
                    t.connect()
                    outcome.append("connected")
                except BaseException as exc:  # noqa: BLE001
                    outcome.append(exc)

            worker = threading.Thread(target=connect)
            worker.start()
            time.sleep(0.004 * i)  # from before the TCP connect to well into the banner wait
            t.abort()
            worker.join(timeout=20)
            assert not worker.is_alive()
            seen.append(outcome[0] if outcome else None)
    assert all(type(e) is ConnectionLost and str(e).endswith("connect aborted") for e in seen), seen


def test_connect_timeout_when_syns_are_dropped():
    # A listener whose accept queue is full drops new SYNs: a loopback black hole.
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    port = srv.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", port))
            fillers.append(c)
        time.sleep(0.2)
        t = SSHTransport(f"root@127.0.0.1:{port}", connect_timeout=1.0, ssh_config="", use_agent=False)
        start = time.monotonic()
        with pytest.raises(ConnectTimeout) as info:
            t.run("true")
        assert time.monotonic() - start < 20  # hang guard; the message proves the 1 s timeout
        assert "1s" in info.value.message or "banner" in info.value.message
    finally:
        for c in fillers:
            c.close()
        srv.close()


def test_wrong_key_is_auth_failed(sshd, tmp_path):
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    t = sshd.transport(key_filename=str(other), look_for_keys=False)
    with pytest.raises(AuthFailed, match="authentication failed for root") as info:
        t.run("true")
    assert str(other) in info.value.message and info.value.hint


def test_encrypted_key_passphrase_from_env(sshd_factory, tmp_path, monkeypatch):
    key = tmp_path / "enc"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "pass phrase", "-f", str(key)], check=True)
    server = sshd_factory(user_key=key, hosts=["127.0.0.1"])
    monkeypatch.delenv("MTA_SSH_KEY_PASSPHRASE", raising=False)
    with pytest.raises(AuthFailed, match="encrypted"):
        server.transport(look_for_keys=False).run("true")
    monkeypatch.setenv("MTA_SSH_KEY_PASSPHRASE", "pass phrase")
    with server.transport() as t:
        assert t.run("echo ok").stdout == b"ok\n"
    monkeypatch.delenv("MTA_SSH_KEY_PASSPHRASE")
    with server.transport(passphrase=lambda prompt: "pass phrase") as t:
        assert t.run("echo ok").stdout == b"ok\n"


def test_unknown_host_key_then_accept_new_records_it(sshd, tmp_path, monkeypatch):
    mine = tmp_path / "mta_known_hosts"
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(mine))
    empty = tmp_path / "empty"
    empty.write_text("")
    with pytest.raises(HostKeyUnknown, match=re.escape(sshd.host_key_fingerprint)) as info:
        sshd.transport(known_hosts=[str(empty), str(mine)]).run("true")
    assert "--accept-new-host-key" in info.value.hint
    with sshd.transport(known_hosts=[str(empty), str(mine)], accept_new_host_key=True) as t:
        assert t.run("echo ok").ok
    assert f"[{sshd.host}]:{sshd.port}" in mine.read_text()
    assert oct(mine.stat().st_mode & 0o777) == "0o600"
    with sshd.transport(known_hosts=[str(empty), str(mine)]) as t:  # now trusted
        assert t.run("echo ok").ok


def test_changed_host_key_is_always_an_error(sshd, tmp_path):
    import paramiko

    fake = paramiko.Ed25519Key.from_private_key_file(str(sshd.key_path))  # some other ed25519 key
    known = tmp_path / "known"
    known.write_text(f"[{sshd.host}]:{sshd.port} ssh-ed25519 {fake.get_base64()}\n")
    for accept in (False, True):
        with pytest.raises(HostKeyChanged) as info:
            sshd.transport(known_hosts=[str(known)], accept_new_host_key=accept).run("true")
        msg = info.value.message
        assert f"[{sshd.host}]:{sshd.port}" in msg
        assert fingerprint(fake) in msg and sshd.host_key_fingerprint in msg
        assert "ssh-keygen -R" in info.value.hint


def test_hashed_known_hosts_entries_are_honoured(sshd, tmp_path):
    known = tmp_path / "known"
    known.write_text(sshd.known_hosts.read_text())
    subprocess.run(["ssh-keygen", "-q", "-H", "-f", str(known)], check=True, capture_output=True)
    assert "|1|" in known.read_text()
    with sshd.transport(known_hosts=[str(known)]) as t:
        assert t.run("true").ok


def test_command_timeout_leaves_connection_usable(sshd):
    with sshd.transport() as t:
        start = time.monotonic()
        with pytest.raises(CommandTimeout, match="1s"):
            t.run("sleep 20", timeout=1)
        assert time.monotonic() - start < 15  # not the 20 s of the command (a busy machine is slow)
        assert t.run("echo ok").stdout == b"ok\n"


def test_connection_cut_mid_command_is_connection_lost(sshd_factory):
    server = sshd_factory(hosts=["127.0.0.1"])
    t = server.transport()
    t.connect()
    outcome = {}

    def run():
        try:
            outcome["res"] = t.run("sleep 30")
        except Exception as exc:  # noqa: BLE001
            outcome["exc"] = exc

    th = threading.Thread(target=run)
    th.start()
    deadline = time.monotonic() + 10
    while not server.children() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    for pid in server.children():
        os.kill(pid, 9)
    th.join(15)
    assert isinstance(outcome.get("exc"), ConnectionLost), outcome
    assert "connection lost" in outcome["exc"].message
    t.close()


def test_sudo_password_required(sshd, sudo_users):
    with sshd.transport(user="mtapw") as t:
        assert t.run("id -un").stdout == b"mtapw\n"
        with pytest.raises(SudoNeedsPassword, match="password") as info:
            t.run("id -u", sudo=True)
        assert "NOPASSWD" in info.value.hint


def test_sudo_requiretty(sshd, sudo_users):
    with sshd.transport(user="mtatty") as t:
        with pytest.raises(SudoNeedsPassword, match="tty") as info:
            t.run("id -u", sudo=True)
        assert "requiretty" in info.value.hint


def test_sudo_as_root_is_a_no_op(sshd):
    with sshd.transport() as t:
        assert t.run("id -u", sudo=True).stdout == b"0\n"


def test_jump_host(sshd):
    # bastion 127.0.0.1, target 127.0.0.2 as the bastion sees it
    jump = f"root@{sshd.hosts[0]}:{sshd.port}"
    with sshd.transport(1, jump=jump) as t:
        assert t.run("echo via-bastion").stdout == b"via-bastion\n"
        assert t._jump is not None and t._jump.round_trips == 0


def test_jump_host_cannot_reach_target(sshd):
    jump = f"root@{sshd.hosts[0]}:{sshd.port}"
    with closed_port() as port:
        t = SSHTransport(f"root@127.0.0.1:{port}", jump=jump, key_filename=str(sshd.key_path),
                         known_hosts=[str(sshd.known_hosts)], ssh_config="", use_agent=False)
        with pytest.raises(ConnectionRefused, match="jump host"):
            t.run("true")


def test_ssh_config_alias_and_proxycommand(sshd, tmp_path):
    cfg = tmp_path / "ssh_config"
    cfg.write_text(
        f"Host legacy-web\n  HostName {sshd.hosts[2]}\n  Port {sshd.port}\n  User root\n"
        f"  IdentityFile {sshd.key_path}\n"
        f"Host via-proxy\n  HostName {sshd.hosts[3]}\n  Port {sshd.port}\n  User root\n"
        f"  IdentityFile {sshd.key_path}\n"
        f"  ProxyCommand ssh -q -i {sshd.key_path} -o UserKnownHostsFile={sshd.known_hosts} "
        f"-o StrictHostKeyChecking=yes -o BatchMode=yes -p {sshd.port} -W %h:%p root@{sshd.hosts[0]}\n"
    )
    t = SSHTransport("legacy-web", ssh_config=str(cfg), known_hosts=[str(sshd.known_hosts)], use_agent=False)
    with t:
        assert t.endpoint.hostname == sshd.hosts[2] and t.name == "legacy-web"
        assert t.run("echo alias").stdout == b"alias\n"
    t = SSHTransport("via-proxy", ssh_config=str(cfg), known_hosts=[str(sshd.known_hosts)], use_agent=False)
    with t:
        assert t.run("echo proxied").stdout == b"proxied\n"


def test_match_exec_loads_invoke_only_when_a_config_uses_it(tmp_path):
    """paramiko imports invoke for ``Match exec`` alone: mta defers it (a third of
    paramiko's import), and such a config still works."""
    import sys

    flag = tmp_path / "on-vpn"
    cfg = tmp_path / "ssh_config"
    cfg.write_text(f'Match host legacy-db exec "test -e {flag}"\n  HostName 10.1.2.3\n'
                   "Host legacy-db\n  Port 2222\n")
    code = (
        "import sys\n"
        "from mta.transport.ssh_target import load_ssh_config, resolve\n"
        "loaded = type(sys.modules['invoke']).__name__ == 'module'\n"
        "e = resolve('legacy-db', config=load_ssh_config(sys.argv[1]))\n"
        "print(loaded, e.hostname, e.port)\n"
    )
    off = subprocess.run([sys.executable, "-c", code, str(cfg)], capture_output=True, text=True, check=True)
    assert off.stdout.split() == ["False", "legacy-db", "2222"]
    flag.touch()
    on = subprocess.run([sys.executable, "-c", code, str(cfg)], capture_output=True, text=True, check=True)
    assert on.stdout.split() == ["False", "10.1.2.3", "2222"]
    # no Match exec: invoke never loads
    plain = subprocess.run([sys.executable, "-c", "import sys, mta.transport.ssh, paramiko\n"
                            "print(type(sys.modules['invoke']).__name__)"], capture_output=True, text=True, check=True)
    assert plain.stdout.strip() == "_Deferred"


def test_paramiko_learns_its_version_without_importlib_metadata():
    """paramiko 4 asks importlib.metadata for its own version at import (the
    email package: 25-50 ms of every SSH start): mta answers from the
    dist-info folder's name, and the real module is what later imports get."""
    import sys

    code = (
        "import sys\n"
        "from mta.transport.paramiko_lazy import paramiko\n"
        "before = 'importlib.metadata' in sys.modules\n"
        "from importlib import metadata\n"
        "print(before, type(metadata).__name__, paramiko.__version__ == metadata.version('paramiko'),"
        " metadata.version('pyyaml') == metadata.distribution('pyyaml').version)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    import paramiko

    if paramiko.__version__.startswith("3."):  # 3.x has its own _version module
        assert out.stdout.split()[1:] == ["module", "True", "True"]
    else:
        assert out.stdout.split() == ["False", "module", "True", "True"]


def test_bulk_channel_buffer_hands_out_pieces_as_paramiko_would():
    """The bulk channels' buffer keeps received pieces instead of paramiko's
    array; same contract: partial reads split a piece, a read waits for data
    or its timeout, a closed empty buffer reads as b''."""
    from paramiko.buffered_pipe import PipeTimeout

    from mta.transport.ssh import _PiecesPipe

    p = _PiecesPipe()
    for piece in (b"abc", b"defg", b"hi"):
        p.feed(piece)
    assert len(p) == 9 and p.read_ready()
    assert p.read(2) == b"ab" and p.read(4) == b"cdef" and p.read(100) == b"ghi"
    assert not p.read_ready()
    with pytest.raises(PipeTimeout):
        p.read(10, timeout=0.05)
    threading.Timer(0.1, p.feed, args=(b"late",)).start()
    assert p.read(10, timeout=5) == b"late"
    p.feed(b"rest")
    assert p.empty() == b"rest"
    p.feed(b"last")
    p.close()
    assert p.read(10) == b"last" and p.read(10) == b""


def test_target_parsing():
    from mta.errors import InputError
    from mta.transport.ssh_target import parse_target

    assert parse_target("bob@web1:2222") == ("bob", "web1", 2222)
    assert parse_target("[::1]:22") == (None, "::1", 22)
    assert parse_target("web1") == (None, "web1", None)
    for bad in ("", "a b", "host:99999", "@host"):
        with pytest.raises(InputError):
            parse_target(bad)


def test_password_auth_from_env_or_callback(sshd_factory, sudo_users, monkeypatch):
    from tests.ssh.conftest import MTAPW_PASSWORD

    server = sshd_factory(options={"PasswordAuthentication": "yes"}, hosts=["127.0.0.1"])

    def transport(**kw):
        return SSHTransport(f"mtapw@127.0.0.1:{server.port}", known_hosts=[str(server.known_hosts)],
                            ssh_config="", use_agent=False, look_for_keys=False, **kw)

    with pytest.raises(AuthFailed, match="no key or password"):
        transport().run("true")
    with transport(password=lambda prompt: "wrong") as t:
        with pytest.raises(AuthFailed, match="tried password"):
            t.run("true")
    with transport(password=lambda prompt: MTAPW_PASSWORD) as t:
        assert t.run("id -un").stdout == b"mtapw\n"
    monkeypatch.setenv("MTA_SSH_PASSWORD", MTAPW_PASSWORD)
    with transport() as t:
        assert t.run("id -un").stdout == b"mtapw\n"


def test_server_offering_only_sha1_algorithms(sshd_factory, tmp_path):
    """Old sshd (OpenSSH 5.3, CentOS 6 era): ssh-rsa host key, ssh-rsa (SHA-1)
    signatures and SHA-1 kex only. paramiko 5 dropped all three; pyproject pins
    paramiko<5 for these hosts, and a whole discovery goes through."""
    import paramiko

    from mta.discover.collect import discover

    assert "ssh-rsa" in paramiko.Transport._key_info and "diffie-hellman-group14-sha1" in paramiko.Transport._kex_info, (
        f"paramiko {paramiko.__version__} cannot reach CentOS 6 era servers: install 'paramiko>=3.4,<5' (pyproject)"
    )
    key = tmp_path / "rsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", str(key)], check=True)
    server = sshd_factory(
        hosts=["127.0.0.1"], host_key_type="rsa", user_key=key,
        options={"HostKeyAlgorithms": "ssh-rsa", "PubkeyAcceptedAlgorithms": "ssh-rsa",
                 "KexAlgorithms": "diffie-hellman-group14-sha1"},
    )
    # this OpenSSH (9.2) still takes them, and offers nothing else
    effective = subprocess.run([SSHD, "-T", "-f", str(server.dir / "sshd_config")],
                               capture_output=True, text=True, check=True).stdout.splitlines()
    for line in ("kexalgorithms diffie-hellman-group14-sha1", "hostkeyalgorithms ssh-rsa",
                 "pubkeyacceptedalgorithms ssh-rsa"):
        assert line in effective, line
    with server.transport() as t:
        assert t.run("echo legacy").stdout == b"legacy\n"
        assert t._t.host_key_type == "ssh-rsa"
        facts = discover(t, host="legacy", sample_seconds=0, http_checks=False)
        assert t.round_trips <= 3
    assert facts.processes and facts.os.id != "unknown" and not facts.errors


def test_read_files_frames_cannot_be_faked_by_content(sshd, tmp_path):
    from mta.transport.tarcmd import read_files_command

    os.chmod(tmp_path, 0o755)
    evil = tmp_path / "evil"
    # what an older fixed-marker framing would have taken for frames
    evil.write_bytes(b"a\n\x1emta-file\x1e 1 ok 3\nxyz\n\x1e0123 1 ok\n\x1e0123 end\n\xff")
    other = tmp_path / "other"
    other.write_bytes(b"real")
    paths = [str(evil), str(other), str(tmp_path / "it's $(touch pwned)")]
    with sshd.transport() as t:
        got = t.read_files(paths)
    assert got == {paths[0]: evil.read_bytes(), paths[1]: b"real", paths[2]: None}
    assert not (tmp_path / "pwned").exists()
    assert read_files_command(paths, 10) != read_files_command(paths, 10)  # a fresh nonce each call


def test_ssh_agent_keys(sshd, tmp_path, monkeypatch):
    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        env = dict(os.environ, SSH_AUTH_SOCK=str(sock))
        subprocess.run(["ssh-add", str(sshd.key_path)], env=env, check=True, capture_output=True)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        with sshd.transport(key_filename=None, use_agent=True, look_for_keys=False) as t:
            assert t.run("echo agent").stdout == b"agent\n"
        with pytest.raises(AuthFailed, match="no key or password"):
            sshd.transport(key_filename=None, use_agent=False, look_for_keys=False).run("true")
    finally:
        agent.terminate()
        agent.wait(5)


def test_sudo_nopasswd_reads_root_only_files(sshd, sudo_users):
    with sshd.transport(user="mtaok") as t:
        assert t.run("id -u").stdout != b"0\n"
        assert t.run("id -u", sudo=True).stdout == b"0\n"
        assert t.read_files(["/etc/shadow"], sudo=False)["/etc/shadow"] is None
        t.sudo = True
        assert t.read_files(["/etc/shadow"])["/etc/shadow"].startswith(b"root:")
        buf = io.BytesIO()
        res = t.tar_paths(["/etc/shadow"], buf)
        assert res.bytes_written > 0 and not res.skipped


def test_default_known_hosts_files(sshd, isolated_home, monkeypatch):
    """~/.ssh/known_hosts and mta's own file are read by default; new keys go to mta's."""
    monkeypatch.delenv("MTA_KNOWN_HOSTS")
    mta_file = isolated_home / ".config" / "mta" / "known_hosts"
    with sshd.transport(known_hosts=None, accept_new_host_key=True) as t:
        assert t.run("true").ok
    assert f"[{sshd.host}]:{sshd.port}" in mta_file.read_text()
    mta_file.unlink()
    (isolated_home / ".ssh").mkdir()
    (isolated_home / ".ssh" / "known_hosts").write_text(sshd.known_hosts.read_text())
    with sshd.transport(known_hosts=None) as t:
        assert t.run("true").ok
    assert not mta_file.exists()


def test_local_command_interrupted_gets_sigint_and_ends_its_own_way(tmp_path):
    """Ctrl-C sent to mta alone (not its terminal's group): the running command
    hears SIGINT and may finish (a container engine releases its locks), and
    the interrupt still reaches the caller."""
    from mta.transport.local import LocalTransport

    mark = tmp_path / "got-int"
    main_thread = threading.get_ident()
    timer = threading.Timer(0.5, lambda: signal.pthread_kill(main_thread, signal.SIGINT))
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        LocalTransport("here").run(["sh", "-c", f"trap 'echo cleaned > {mark}; exit 7' INT; sleep 20 & wait"])
    assert mark.read_text().strip() == "cleaned"
    assert time.monotonic() - started < 10


def test_local_command_timeout_ends_the_whole_command_at_once():
    from mta.transport.local import LocalTransport

    started = time.monotonic()
    with pytest.raises(CommandTimeout):
        LocalTransport("here").run(["sh", "-c", "sleep 30; echo late"], timeout=0.5)
    assert time.monotonic() - started < 5, "a child of the command kept its pipes open"
