"""Benchmark: ``mta discover`` against Ansible's fact gathering on one e2e VM.

Starts the Flask VM of tests/e2e/vms (image cached; Debian 12, nginx +
gunicorn + Redis, reached over loopback SSH), or uses one given with
``--port``/``--key``. Runs, as whole processes, ``mta discover`` with its
defaults (utilization sampled over the probe's own run, HTTP checks) and ``ansible-playbook`` with
``setup`` + ``package_facts`` + ``service_facts`` on the same VM: one warm-up
each, then ``--runs`` (default 5) alternating. Prints each side's median wall
and CPU (the process and the children it waited for), the ratio mta/Ansible
(goal <= 0.15) and the probe's per-section times from discovery.yaml
(``probe.timings``), with the load average, as the machine may be busy
(``--busy N``: N CPU-bound processes run beside the measured runs).

Ansible: ``--ansible DIR`` (a venv with ansible-core; default: the
``ansible-playbook`` on PATH, else /tmp/mta-bench-ansible, created with
``pip install ansible-core``). mta: installed from this checkout into its own
venv, /tmp/mta-bench-mta, the way Ansible is (``--mta-python PY``: ``PY -m mta``). Run: ``python benchmarks/discover_vs_ansible.py``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# An installed mta has its bytecode compiled (pip does it): a child started with
# PYTHONDONTWRITEBYTECODE would compile every module on every run and measure that.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.path.insert(0, str(ROOT))

from benchmarks.vms import keypair, start_vm  # noqa: E402
from tests.support.debs import fetch  # noqa: E402
from tests.support.podman import podman_cmd  # noqa: E402

GOALS = {"ratio": 0.15}
PLAY = """- hosts: all
  gather_facts: false
  tasks:
    - setup:
    - package_facts:
    - service_facts:
"""


def ansible_playbook(venv: str) -> str:
    if venv:
        return str(Path(venv) / "bin" / "ansible-playbook")
    found = shutil.which("ansible-playbook")
    if found:
        return found
    venv_dir = Path(tempfile.gettempdir()) / "mta-bench-ansible"
    exe = venv_dir / "bin" / "ansible-playbook"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv_dir)], check=True)
        subprocess.run([str(venv_dir / "bin" / "pip"), "install", "-q", "ansible-core"], check=True)
    return str(exe)


def mta_command(choice: str) -> list[str]:
    """How mta is started: installed in its own venv, as Ansible is (pipx-like;
    the venv is refreshed from this checkout), or ``--mta-python PY`` (``-m mta``).

    Both tools start from a venv so that neither pays for .pth files the base
    interpreter may carry (a sandbox's certifi hook cost every start 50 ms)."""
    if choice:
        return [choice, "-m", "mta"]
    venv_dir = Path(tempfile.gettempdir()) / "mta-bench-mta"
    pip = [str(venv_dir / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if not (venv_dir / "bin" / "mta").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv_dir)], check=True)
        subprocess.run(pip + [str(ROOT)], check=True)
    else:  # this checkout's code, the dependencies as they are
        subprocess.run(pip + ["--no-deps", "--force-reinstall", str(ROOT)], check=True)
    return [str(venv_dir / "bin" / "mta")]


def give_python_apt(container: str) -> None:
    """Ansible's package_facts reads dpkg's database through python3-apt: put
    Debian's package into the VM (it is the same VM for both sides)."""
    if podman_cmd("exec", container, "python3", "-c", "import apt_pkg", check=False).returncode == 0:
        return
    debs = fetch(["python3-apt", "python-apt-common", "distro-info-data"])
    for deb in debs:
        podman_cmd("cp", str(deb), f"{container}:/tmp/{deb.name}")
    podman_cmd("exec", container, "dpkg", "-i", *(f"/tmp/{d.name}" for d in debs))
    podman_cmd("exec", container, "rm", "-f", *(f"/tmp/{d.name}" for d in debs))


def timed(argv: list[str], env: dict) -> tuple[float, float]:
    """(wall, CPU of the process and its waited-for children) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    res = subprocess.run(argv, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({res.returncode}):\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--port", type=int, help="a running VM's SSH port on 127.0.0.1 (root, --key)")
    ap.add_argument("--key", help="private key for --port")
    ap.add_argument("--container", help="the --port VM's podman container (python3-apt goes into it)")
    ap.add_argument("--ansible", default="", help="venv holding ansible-core")
    ap.add_argument("--sample-seconds", default="", help="passed to mta discover (default: mta's default)")
    ap.add_argument("--mta-python", default="", help="run mta as PY -m mta (default: installed in its own venv)")
    ap.add_argument("--busy", type=int, default=0, metavar="N",
                    help="N CPU-bound processes run beside the measured runs (a busy machine)")
    opts = ap.parse_args()
    playbook = ansible_playbook(opts.ansible)
    mta_start = mta_command(opts.mta_python)
    work = Path(tempfile.mkdtemp(prefix="mta-bench-disc-"))
    vm = None
    try:
        if opts.port:
            port, key = opts.port, Path(opts.key)
            if opts.container:
                give_python_apt(opts.container)
        else:
            key, pub = keypair(work)
            vm = start_vm("flask", pub)
            port = vm.ssh_port
            give_python_apt(vm.container)
        (work / "inventory.ini").write_text(
            f"vm ansible_host=127.0.0.1 ansible_port={port} ansible_user=root ansible_ssh_private_key_file={key} "
            "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'\n")
        (work / "play.yml").write_text(PLAY)
        env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="False",
                   ANSIBLE_LOCAL_TEMP=str(work / "ansible-tmp"), ANSIBLE_NOCOLOR="1")
        if opts.mta_python:
            env["PYTHONPATH"] = str(ROOT)
        sample = ["--sample-seconds", opts.sample_seconds] if opts.sample_seconds else []
        mta = [*mta_start, "discover", f"root@127.0.0.1:{port}", "-i", str(key),
               "-o", str(work / "out"), "--accept-new-host-key", *sample]
        ansible = [playbook, "-i", str(work / "inventory.ini"), str(work / "play.yml")]
        print(f"mta: {' '.join(mta_start)}; Ansible: {playbook}")
        print(f"load average before: {load()}  (cores: {os.cpu_count()})")
        timed(mta, env), timed(ansible, env)  # warm-up: host key, Ansible's interpreter discovery, page cache
        results: dict[str, list[tuple[float, float]]] = {"mta": [], "ansible": []}
        busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(opts.busy)]
        try:
            for _ in range(opts.runs):
                results["mta"].append(timed(mta, env))
                results["ansible"].append(timed(ansible, env))
        finally:
            for p in busy:
                p.kill()
                p.wait()
        if busy:
            print(f"busy: {len(busy)} CPU-bound process(es) ran beside the measured runs")
        print(f"load average after:  {load()}")
        med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in results.items()}
        print(f"\n{'command':<60} {'wall s':>7} {'CPU s':>7}   (median of {opts.runs}, alternating)")
        print(f"{'mta discover (defaults' + (', --sample-seconds ' + opts.sample_seconds if sample else '') + ')':<60}"
              f" {med['mta'][0]:7.2f} {med['mta'][1]:7.2f}")
        print(f"{'ansible-playbook setup + package_facts + service_facts':<60} {med['ansible'][0]:7.2f} {med['ansible'][1]:7.2f}")
        ratio = med["mta"][0] / med["ansible"][0]
        print(f"{'ratio mta / Ansible':<60} {ratio:7.2f} {med['mta'][1] / med['ansible'][1]:7.2f}"
              f"   goal wall <= {GOALS['ratio']}: {'ok' if ratio <= GOALS['ratio'] else 'MISSED'}")
        import yaml

        found = list((work / "out" / "hosts").glob("*/discovery.yaml"))
        if found:
            timings = (yaml.safe_load(found[0].read_text()).get("probe") or {}).get("timings") or {}
            print("\nprobe.timings (last run, seconds on the VM): "
                  + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))
    finally:
        if vm is not None:
            vm.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
