"""Real third-party code trees for tests: Debian packages, downloaded once, unpacked.

``apt-get download`` fetches the .deb files (no install, no maintainer
scripts) into a cache the runs share (``$MTA_TEST_CACHE`` or
``~/.cache/mta-tests``, under ``debs/``); ``dpkg-deb -x`` unpacks them where a
test wants its "VM" root. Works as root on a fresh CI machine (an
``apt-get update`` is run once when the package lists are empty).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.support.sshd import unavailable


def cache_dir() -> Path:
    base = Path(os.environ.get("MTA_TEST_CACHE") or Path.home() / ".cache" / "mta-tests")
    d = base / "debs"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _cached(name: str) -> list[Path]:
    return sorted(cache_dir().glob(f"{name}_*.deb"))


def fetch(names: list[str]) -> list[Path]:
    """The .deb of each package, downloading the missing ones into the cache."""
    missing = [n for n in names if not _cached(n)]
    if missing:
        if not shutil.which("apt-get") or not shutil.which("dpkg-deb"):
            unavailable("apt-get and dpkg-deb are needed for the third-party code trees")
        tmp = cache_dir() / ".partial"
        tmp.mkdir(exist_ok=True)
        for attempt in range(2):
            proc = subprocess.run(["apt-get", "download", *missing], cwd=tmp, capture_output=True, text=True,
                                  timeout=600)
            if proc.returncode == 0:
                break
            if attempt == 0 and os.geteuid() == 0:  # a fresh machine: no package lists yet
                subprocess.run(["apt-get", "update"], capture_output=True, timeout=600)
        else:
            unavailable(f"apt-get download {' '.join(missing)} failed: {proc.stderr.strip()[-500:]}")
        for deb in tmp.glob("*.deb"):
            os.replace(deb, cache_dir() / deb.name)
    out = []
    for n in names:
        found = _cached(n)
        if not found:
            unavailable(f"package {n} could not be downloaded")
        out.append(found[-1])
    return out


def unpack(names: list[str], root: Path) -> Path:
    """Unpack the packages ``names`` under ``root`` (a fake VM's /)."""
    root.mkdir(parents=True, exist_ok=True)
    for deb in fetch(names):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True, capture_output=True, timeout=300)
    return root
