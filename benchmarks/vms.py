"""Start the e2e VM containers (tests/e2e/vms, images cached) for benchmarks.

Each VM runs sshd and its app as on a real host; containers carry the label
``io.mta.bench`` so a benchmark removes what it started, and only that.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.legacy import STACKS, VM, free_port, vm_image, wait_http, wait_ssh  # noqa: E402
from tests.support.podman import RUNTIME, podman_cmd  # noqa: E402

LABEL = "io.mta.bench"


def keypair(directory: Path) -> tuple[Path, str]:
    key = directory / "id_ed25519"
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "mta-bench", "-f", str(key)], check=True)
    return key, (directory / "id_ed25519.pub").read_text().strip()


def start_vm(kind: str, pubkey: str) -> VM:
    """One VM container of ``kind``; returns once sshd and the app answer."""
    app_port, path, _, hostname = STACKS[kind]
    image = vm_image(kind)
    ssh_port, web_port = free_port(), free_port()
    name = f"mta-bench-{kind}-{uuid.uuid4().hex[:6]}"
    podman_cmd("run", "-d", "--runtime", RUNTIME, "--name", name, "--hostname", hostname,
               "--cap-add", "SYS_PTRACE", "--label", f"{LABEL}=vm", "-e", f"SSH_PUBKEY={pubkey}",
               "-p", f"127.0.0.1:{ssh_port}:22", "-p", f"127.0.0.1:{web_port}:{app_port}", image)
    vm = VM(kind, name, ssh_port, f"127.0.0.1:{web_port}")
    try:
        wait_ssh(ssh_port)
        wait_http(vm.app, path)
    except BaseException:
        vm.stop()
        raise
    return vm
