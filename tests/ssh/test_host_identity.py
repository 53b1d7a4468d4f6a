"""Host identity over REAL sshd servers: several machines behind one address.

Each server runs in its own UTS and mount namespaces with its own hostname
and /etc/machine-id (tests/support/sshd.py ``machine=``), so the probe sees
what it sees on separate VMs port-forwarded on 127.0.0.1: the folder under
OUT/hosts/ is the VM's own name, a second machine never replaces a first,
the same machine replaces its own folder, and ``mta extract`` connects as
discovery did, as the runbook prints it.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest
import yaml

from mta.cli import main
from mta.io import HostConflict, dump_model, host_dir, load_model, read_identity, write_atomic
from mta.model import Extract, HostFacts, Plan
from mta.model.identity import folder_name, machine_id_hash, same_machine
from mta.model.plan import AppPlan

pytestmark = [pytest.mark.sshd, pytest.mark.timeout(300)]

ID_A, ID_B, ID_C = "a" * 31 + "1", "b" * 31 + "2", "c" * 31 + "3"


def run(args: list[str], cwd: Path | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(args)
    finally:
        os.chdir(old)
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture
def vms(sshd_factory, monkeypatch, tmp_path):
    """Three machines on 127.0.0.1, one port each: vm-alpha, vm-beta, and a
    second vm-alpha (another machine that took the same hostname)."""
    key = tmp_path / "id_test"
    servers = {}
    for name, (hostname, mid) in {"alpha": ("vm-alpha", ID_A), "beta": ("vm-beta", ID_B),
                                  "alpha2": ("vm-alpha", ID_C)}.items():
        kw = {"user_key": key} if key.exists() else {}
        servers[name] = sshd_factory(hosts=["127.0.0.1"], machine=(hostname, mid), **kw)
        key = servers[name].key_path
    known = tmp_path / "known_hosts"
    known.write_text("".join(s.known_hosts.read_text() for s in servers.values()))
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(known))
    monkeypatch.setenv("MTA_SSH_CONFIG", "")
    return servers


def discover(out: Path, *servers) -> tuple[int, str, str]:
    return run(["discover", *[s.target() for s in servers], "-i", str(servers[0].key_path), "-o", str(out),
                "--sample-seconds", "0", "--no-http-checks"])


def facts_in(out: Path, folder: str) -> HostFacts:
    return load_model(out / "hosts" / folder / "discovery.yaml", HostFacts)


def test_two_machines_behind_one_address_get_their_own_folders(vms, tmp_path):
    out = tmp_path / "out"
    rc, stdout, err = discover(out, vms["alpha"], vms["beta"])
    assert rc == 0, err
    assert sorted(p.name for p in (out / "hosts").iterdir() if p.is_dir()) == ["vm-alpha", "vm-beta"]
    alpha, beta = facts_in(out, "vm-alpha"), facts_in(out, "vm-beta")
    assert (alpha.host, alpha.os.hostname) == ("vm-alpha", "vm-alpha")
    assert alpha.fingerprint.machine_id == machine_id_hash(ID_A) != beta.fingerprint.machine_id
    assert alpha.fingerprint.ssh_host_key == vms["alpha"].host_key_fingerprint
    assert alpha.target == vms["alpha"].target() and alpha.address == "127.0.0.1"
    assert alpha.connect is not None and alpha.connect.key == str(vms["alpha"].key_path)
    assert alpha.connect.user == "root" and alpha.connect.port == vms["alpha"].port
    raw = (out / "hosts" / "vm-alpha" / "discovery.yaml").read_text()
    assert ID_A not in raw, "the raw machine-id is confidential: only its keyed hash is stored"
    assert "hosts/vm-alpha" in stdout and "hosts/vm-beta" in stdout


def test_same_hostname_other_machine_never_overwrites(vms, tmp_path):
    out = tmp_path / "out"
    assert discover(out, vms["alpha"])[0] == 0
    first = (out / "hosts" / "vm-alpha" / "discovery.yaml").read_bytes()

    rc, stdout, err = discover(out, vms["alpha2"])
    assert rc == 0, err
    assert (out / "hosts" / "vm-alpha" / "discovery.yaml").read_bytes() == first
    others = [p.name for p in (out / "hosts").iterdir() if p.name.startswith("vm-alpha-")]
    assert len(others) == 1 and re.fullmatch(r"vm-alpha-[0-9a-f]{6}", others[0]), others
    assert str(out / "hosts" / others[0]) in stdout  # the folder it wrote, not the one it would have liked
    second = facts_in(out, others[0])
    assert second.host == others[0] and second.fingerprint.machine_id == machine_id_hash(ID_C)

    # rediscovering either machine lands in its own folder again, replacing it
    assert discover(out, vms["alpha2"], vms["alpha"])[0] == 0
    assert sorted(p.name for p in (out / "hosts").iterdir() if p.is_dir()) == sorted(["vm-alpha", others[0]])
    assert facts_in(out, "vm-alpha").fingerprint.machine_id == machine_id_hash(ID_A)
    assert facts_in(out, others[0]).fingerprint.machine_id == machine_id_hash(ID_C)
    assert not list((out / "hosts" / "vm-alpha").glob(".*.tmp")), "written atomically, nothing left over"


def test_both_machines_of_one_name_in_one_run(vms, tmp_path):
    out = tmp_path / "out"
    rc, _, err = discover(out, vms["alpha"], vms["alpha2"], vms["beta"])
    assert rc == 0, err
    folders = sorted(p.name for p in (out / "hosts").iterdir() if p.is_dir())
    assert len(folders) == 3 and "vm-alpha" in folders and "vm-beta" in folders
    ids = {facts_in(out, f).fingerprint.machine_id for f in folders}
    assert ids == {machine_id_hash(i) for i in (ID_A, ID_B, ID_C)}


def _plan(host: str, root: Path) -> Plan:
    return Plan(host=host, discovery="discovery.yaml", apps=[AppPlan(
        name="shop", stack="flask", runtime="python",
        extract=Extract(include=[str(root)]))])


def test_extract_connects_as_discovery_did_as_the_runbook_prints(vms, tmp_path):
    out = tmp_path / "out"
    assert discover(out, vms["beta"])[0] == 0
    hdir = out / "hosts" / "vm-beta"
    root = tmp_path / "srv" / "shop"
    root.mkdir(parents=True)
    (root / "app.py").write_text("print('hi')\n")
    write_atomic(hdir / "plan.yaml", dump_model(_plan("vm-beta", root)))

    # no target, no -i, no -p: all from discovery.yaml; run from the host folder
    rc, stdout, err = run(["extract", "plan.yaml"], cwd=hdir)
    assert rc == 0, err
    assert (hdir / "apps" / "shop" / "context" / str(root).lstrip("/") / "app.py").is_file()
    # the discovery.yaml the old runbooks named works as well
    rc, _, err = run(["extract", str(hdir / "discovery.yaml")])
    assert rc == 0, err
    # an option given on the command line wins over the recorded one
    rc, _, err = run(["extract", "plan.yaml", "-i", str(tmp_path / "no-such-key")], cwd=hdir)
    assert rc != 0 and "no-such-key" in err


def test_runbook_commands_run_as_printed(sshd, services, tmp_path, monkeypatch):
    """Every mta command the host README prints runs, literally, from the folder it names.

    The machine is this one (many apps): the plan is first edited to keep the
    flask app only and rendered again with the README's own command, as a user would.
    ``mta verify`` (image builds) is left to tests/e2e.
    """
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(sshd.known_hosts))
    monkeypatch.setenv("MTA_SSH_CONFIG", "")
    out = tmp_path / "out"
    rc, _, err = run(["discover", sshd.target(), "-i", str(sshd.key_path), "-o", str(out),
                      "--sample-seconds", "0", "--no-http-checks"])
    assert rc == 0, err
    (hdir,) = [p for p in (out / "hosts").iterdir() if p.is_dir()]
    rc, _, err = run(["generate", str(hdir / "discovery.yaml")])
    assert rc == 0, err
    plan = load_model(hdir / "plan.yaml", Plan)
    keep = _flask(hdir, services)
    for app in plan.apps:
        app.include = app.name == keep
    write_atomic(hdir / "plan.yaml", dump_model(plan))

    readme = (hdir / "README.md").read_text()
    assert f"in this folder (`hosts/{hdir.name}/`)" in readme
    regenerate = ["mta", "generate", "discovery.yaml", "--plan", "plan.yaml"]
    assert f"`{' '.join(regenerate)}`" in readme
    rc, _, err = run(regenerate[1:], cwd=hdir)
    assert rc == 0, err

    commands = runbook_commands((hdir / "README.md").read_text())
    assert ["mta", "extract", "plan.yaml"] in commands
    ran = []
    for argv in commands:
        if argv[:2] == ["mta", "verify"]:
            continue
        rc, _, err = run(argv[1:], cwd=hdir)
        assert rc == 0, (argv, err)
        ran.append(argv)
    assert (hdir / "apps" / keep / "context").is_dir()
    assert ran


def runbook_commands(readme: str) -> list[list[str]]:
    """The mta commands of a README: lines of its sh blocks, and code spans that are
    whole commands (`mta schema plan`; `mta verify` alone names the command)."""
    found: list[list[str]] = []
    for block in re.findall(r"```sh\n(.*?)```", readme, flags=re.S):
        for line in block.splitlines():
            words = line.split("#", 1)[0].split()
            if words[:1] == ["mta"]:
                found.append(words)
    for span in re.findall(r"`(mta [^`]+)`", readme):
        words = span.split()
        if len(words) > 2 and words not in found:
            found.append(words)
    return found


def _flask(hdir: Path, services) -> str:
    plan = load_model(hdir / "plan.yaml", Plan)
    return next(a.name for a in plan.apps if any(str(services.app_dir) in i for i in a.extract.include))


# -- the rule itself, on models ---------------------------------------------------------


def _facts(host: str, hostname: str, machine: str = "", key: str = "", target: str = "") -> HostFacts:
    f = HostFacts(host=host, target=target)
    f.os.hostname = hostname
    f.fingerprint.machine_id = machine_id_hash(machine) if machine else ""
    f.fingerprint.ssh_host_key = key
    return f


def test_same_machine_needs_every_known_part_to_agree():
    a = _facts("web", "web", ID_A, "SHA256:k1")
    assert same_machine(a, _facts("x", "other-name", ID_A, "SHA256:k1"))
    assert not same_machine(a, _facts("web", "web", ID_A, "SHA256:k2")), "a clone with new host keys"
    assert not same_machine(a, _facts("web", "web", ID_B, "SHA256:k1")), "a clone that kept the host keys"
    assert same_machine(a, _facts("web", "web", ID_A)), "local discovery: no host key, the machine-id decides"
    # files written before fingerprints: hostname and target decide
    assert same_machine(_facts("w", "web", target="root@h:22"), _facts("w", "web", target="root@h:22"))
    assert not same_machine(_facts("w", "web", target="root@h:2201"), _facts("w", "web", target="root@h:2202"))


def test_a_chosen_name_holding_another_machine_is_an_error_naming_both(tmp_path):
    out = tmp_path / "out"
    old = _facts("web1", "web1", ID_A, target="root@10.0.0.5")
    write_atomic(out / "hosts" / "web1" / "discovery.yaml", dump_model(old, fast=True))
    new = _facts("web1", "db7", ID_B, target="root@10.0.0.9")
    with pytest.raises(HostConflict) as exc:
        host_dir(out, new, name="web1", explicit=True)
    assert "web1" in exc.value.message and "db7" in exc.value.message and "10.0.0.5" in exc.value.message
    assert host_dir(out, new, name="web1").name.startswith("web1-")
    assert host_dir(out, _facts("web1", "web1", ID_A, target="root@10.0.0.5"), name="web1", explicit=True).name == "web1"


def test_folder_names_are_safe():
    assert folder_name("../../etc") == "etc"
    assert folder_name(".hidden") == "hidden"
    assert folder_name("") == "host"
    assert folder_name("web 1.example.com") == "web_1.example.com"
    assert len(folder_name("x" * 500)) == 200


def test_identity_is_read_from_the_leading_keys_and_from_a_reordered_file(tmp_path):
    facts = _facts("web1", "web1", ID_A, "SHA256:k1", target="root@10.0.0.5")
    path = tmp_path / "discovery.yaml"
    write_atomic(path, dump_model(facts, fast=True))
    got = read_identity(path)
    assert (got.host, got.os.hostname, got.target, got.fingerprint) == ("web1", "web1", "root@10.0.0.5",
                                                                          facts.fingerprint)
    # a person moved the identity keys below the rest: still the same machine
    data = yaml.safe_load(path.read_text())
    moved = {k: v for k, v in data.items() if k not in ("host", "os", "fingerprint")}
    moved.update({k: data[k] for k in ("fingerprint", "os", "host")})
    path.write_text(yaml.safe_dump(moved, sort_keys=False))
    assert same_machine(read_identity(path), facts)
    for text in ("- a list\n", "host: &h web1\nos: {hostname: *h}\n", "host: [unclosed\n", ""):
        path.write_text(text)
        assert read_identity(path) is None, text
