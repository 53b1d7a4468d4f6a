"""Section ``mounts``: /proc/mounts joined to ``df -P -k`` sizes."""

from __future__ import annotations

import re

from ...model import Mount
from . import Blocks, lines

NETWORK_FS = {
    "nfs", "nfs4", "cifs", "smbfs", "smb3", "glusterfs", "fuse.glusterfs", "ceph", "fuse.sshfs",
    "lustre", "gpfs", "ocfs2", "gfs2", "9p", "afs", "davfs", "fuse.s3fs", "beegfs", "fuse.ceph",
}
# Kernel interfaces, not storage an application keeps data on.
PSEUDO_FS = {
    "proc", "sysfs", "devpts", "cgroup", "cgroup2", "securityfs", "debugfs", "tracefs", "pstore",
    "bpf", "mqueue", "hugetlbfs", "configfs", "fusectl", "autofs", "binfmt_misc", "rpc_pipefs",
    "selinuxfs", "efivarfs", "nsfs", "usbfs", "rootfs", "nfsd", "ramfs", "devtmpfs", "fuse.gvfsd-fuse",
    "fuse.lxcfs", "fuse.portal", "sunrpc",
}
_OCTAL = re.compile(r"\\([0-7]{3})")


def unescape(field: str) -> str:
    """/proc/mounts writes space, tab, newline and backslash as octal escapes."""
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse(blocks: Blocks) -> list[Mount]:
    sizes: dict[str, tuple[int, int]] = {}
    for line in list(lines(blocks.get("df", "")))[1:]:
        parts = line.split(None, 5)
        if len(parts) == 6 and parts[1].isdigit() and parts[2].isdigit():
            sizes[parts[5]] = (int(parts[1]) * 1024, int(parts[2]) * 1024)
    mounts: list[Mount] = []
    seen: set[str] = set()
    for line in lines(blocks.get("mounts", "")):
        parts = line.split()
        if len(parts) < 4:
            continue
        device, mountpoint, fstype, options = (unescape(p) for p in parts[:4])
        if fstype in PSEUDO_FS:
            continue
        network = fstype in NETWORK_FS or fstype.startswith("nfs")
        size = sizes.get(mountpoint)
        if mountpoint in seen:  # over-mounted: the last one is what is visible
            mounts = [m for m in mounts if m.mountpoint != mountpoint]
        seen.add(mountpoint)
        mounts.append(
            Mount(
                device=device, mountpoint=mountpoint, fstype=fstype, options=options,
                size_bytes=size[0] if size else None, used_bytes=size[1] if size else None,
                network=network,
            )
        )
    return mounts
