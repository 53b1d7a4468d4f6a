"""Parser edge cases the distro snapshots do not cover."""

from __future__ import annotations

import time

import pytest

from mta.discover.parse import build_facts, split_output
from mta.discover.parsers import osinfo, sockets, utilization
from mta.errors import InputError

from .fixtures import render


def test_sles11_falls_back_to_suse_release():
    info = osinfo.parse({
        "file /etc/SuSE-release": "SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 4\n",
        "init": "pid1=init\ninitd=1\ninittab=1\n",
    })
    assert (info.id, info.version_id, info.family, info.init_system) == ("sles", "11.4", "suse", "sysv")
    assert info.name == "SUSE Linux Enterprise Server 11"


def test_lsb_release_only_and_alpine():
    info = osinfo.parse({"file /etc/lsb-release": 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=12.04\nDISTRIB_DESCRIPTION="Ubuntu 12.04.5 LTS"\n'})
    assert (info.id, info.version_id, info.family) == ("ubuntu", "12.04", "debian")
    info = osinfo.parse({"file /etc/alpine-release": "3.18.4\n", "init": "pid1=init\n"})
    assert (info.id, info.version_id, info.family, info.init_system) == ("alpine", "3.18.4", "alpine", "busybox")


def test_redhat_release_variants():
    rhel5 = osinfo.parse({"file /etc/redhat-release": "Red Hat Enterprise Linux Server release 5.11 (Tikanga)\n"})
    assert (rhel5.id, rhel5.version_id, rhel5.family) == ("rhel", "5.11", "rhel")
    ol = osinfo.parse({"file /etc/redhat-release": "Oracle Linux Server release 6.10\n"})
    assert ol.id == "ol"


def test_proc_net_fallback_joins_socket_inodes():
    tcp = (
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 40123 1 0 100 0 0 10 0\n"
        "   1: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 40124 1 0 100 0 0 10 0\n"
        "   2: 0A00000C:D2F0 1E00000A:1538 01 00000000:00000000 00:00000000 00000000   999        0 40200 1 0 20 4 30 10 -1\n"
    )
    tcp6 = (
        "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1500 1 0 100 0 0 10 0\n"
        "   1: 0000000000000000FFFF00000100007F:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1501 1 0 100 0 0 10 0\n"
    )
    udp = (
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
        "  10: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1700 2 0 0\n"
    )
    listen, conns = sockets.parse({
        "proc-net tcp": tcp, "proc-net tcp6": tcp6, "proc-net udp": udp,
        "socket-inodes": "812 40123\n812 40124\n812 40200\n1 1500\n",
    })
    got = {(s.protocol, s.address, s.port, s.family, s.pid) for s in listen}
    assert got == {
        ("tcp", "0.0.0.0", 8080, "ipv4", 812), ("tcp", "127.0.0.1", 3306, "ipv4", 812),
        ("tcp", "::", 22, "ipv6", 1), ("tcp", "127.0.0.1", 8081, "ipv4", None), ("udp", "0.0.0.0", 68, "ipv4", None),
    }
    assert [(c.local_address, c.remote_address, c.remote_port, c.pid) for c in conns] == [
        ("12.0.0.10", "10.0.0.30", 5432, 812)
    ]


def test_busybox_netstat_and_old_ss_without_netid():
    bb = (
        "Active Internet connections (only servers)\n"
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name    \n"
        "tcp        0      0 0.0.0.0:80              0.0.0.0:*               LISTEN      1/nginx: master pro\n"
        "tcp        0      0 :::22                   :::*                    LISTEN      -\n"
        "udp        0      0 0.0.0.0:123             0.0.0.0:*                           -\n"
    )
    listen, _ = sockets.parse({"netstat-listen": bb})
    assert {(s.port, s.pid, s.process) for s in listen} == {(80, 1, "nginx: master pro"), (22, None, ""), (123, None, "")}
    old = "State      Recv-Q Send-Q      Local Address:Port        Peer Address:Port \nLISTEN     0      128                    *:22                     *:*      users:((\"sshd\",965,3))\n"
    listen, _ = sockets.parse({"ss-listen": old})
    assert [(s.protocol, s.address, s.port, s.pid, s.process) for s in listen] == [("tcp", "0.0.0.0", 22, 965, "sshd")]


def _many_processes(n: int) -> dict:
    blocks = {"uptime": "5000.00 9000.00\n"}
    for pid in range(100, 100 + n):
        blocks[f"stat {pid}"] = f"{pid} (worker {pid}) S 1 {pid} {pid} 0 -1 0 0 0 0 0 10 5 0 0 20 0 1 0 100 1000 250 0 0 0\n"
        blocks[f"status {pid}"] = "Name:\tworker\nPPid:\t1\nUid:\t33\t33\t33\t33\nVmRSS:\t1000 kB\n"
        blocks[f"cmdline {pid}"] = f"/usr/bin/worker\0--id\0{pid}\0"
        blocks[f"exe {pid}"] = "/usr/bin/worker\n"
        blocks[f"cwd {pid}"] = "/srv\n"
        blocks[f"cgroup {pid}"] = "0::/system.slice/worker.service\n"
        blocks[f"environ {pid}"] = "A=1\0API_TOKEN=t\0"
    return blocks


def test_ten_thousand_processes_parse_quickly():
    data = render({"meta": {"meta": "uid=0\nclk_tck=100\n"}, "processes": _many_processes(10_000)})
    start = time.perf_counter()
    facts = build_facts(data, host="big")
    elapsed = time.perf_counter() - start
    assert len(facts.processes) == 10_000 and not facts.errors
    p = facts.process(5000)
    assert p.cmdline == ["/usr/bin/worker", "--id", "5000"] and p.unit == "worker.service"
    assert p.env["API_TOKEN"] != "t" and p.name == "worker 5000" and p.rss_bytes == 1000 * 1024
    assert elapsed < 20, f"parsing 10,000 processes took {elapsed:.1f}s"


def test_invalid_utf8_and_forged_markers_are_data():
    raw = render({
        "os": {"file /etc/os-release": "ID=debian\nNAME=\"Deb\udcffian\"\n", "hostname": "h\n"},
        "processes": {
            "stat 10": "10 (x) S 1 0 0 0 0 0 0 0 0 0 1 1 0 0 0 0 1 0 1 1 1 0\n",
            "cmdline 10": "a\0\n===MTA:ffffffffffffffff:S users 1\nB file /etc/passwd\0",
        },
        "users": {"file /etc/passwd": "root:x:0:0::/root:/bin/sh\n"},
    })
    facts = build_facts(raw, host="x")
    assert facts.os.name == "Deb\ufffdian"
    assert facts.process(10).cmdline == ["a", "\n===MTA:ffffffffffffffff:S users 1\nB file /etc/passwd"]
    assert [u.name for u in facts.users] == ["root"]


def test_not_probe_output():
    with pytest.raises(InputError):
        split_output(b"hello\nworld\n")


def test_discover_reports_a_probe_that_printed_nothing():
    from mta.discover.collect import ProbeFailed, discover
    from mta.transport import CommandResult

    class Broken:
        name = "broken"

        def run(self, *a, **kw):
            return CommandResult(1, b"", b"sudo: a password is required\n")

    with pytest.raises(ProbeFailed) as err:
        discover(Broken())
    assert "a password is required" in err.value.message and err.value.hint


def test_live_sample_takes_the_probes_own_cpu_off_the_host_busy_time():
    """The sample overlaps the probe: 'P' is the probe's CPU ticks so far."""
    text = ("T 100.00\ncpu  100 0 0 1000 0 0 0 0\nP 10\nMemTotal: 1000 kB\nMemAvailable: 600 kB\n"
            "T 102.00\ncpu  250 0 0 1050 0 0 0 0\nP 70\nMemTotal: 1000 kB\nMemAvailable: 500 kB\n")
    [sample] = utilization._live(text)
    # 200 ticks, 50 idle, 60 of the busy 150 the probe's own
    assert (sample.timestamp, sample.cpu_percent, sample.mem_used_bytes) == (102.0, 45.0, 500 * 1024)
    assert utilization._live(text.replace("P 70", "P 500"))[0].cpu_percent == 0.0


def test_section_timings_are_read_from_the_markers():
    out = split_output(b"===MTA-PROBE v1 nonce=ab\n\n===MTA:ab:S os 10\n\n===MTA:ab:B kernel\n6.1\n"
                       b"\n===MTA:ab:T os 12\n\n===MTA:ab:T total 345\n\n===MTA:ab:END\n")
    assert out.timings == {"os": 0.12, "total": 3.45}
    assert out.sections["os"].blocks == {"kernel": "6.1\n"}
