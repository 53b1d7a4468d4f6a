"""Disks before and volumes after: what the storage line of the cost model counts.

Before: the provisioned size of each VM's local filesystems (what its disks
cost whether full or not). After: the persistent volumes its containers get:
the plan's volumes (sized by the planner from the data seen: the containing
mount's use x 2, at least 1 GiB); without a plan, the same rule over the VM's
data mounts.
"""

from __future__ import annotations

from typing import Sequence

from ..model import HostFacts
from .units import GIB, parse_memory

#: filesystems that hold no disk of their own
PSEUDO_FS = frozenset({"tmpfs", "devtmpfs", "overlay", "squashfs", "proc", "sysfs", "cgroup", "cgroup2", "devpts",
                       "mqueue", "hugetlbfs", "debugfs", "tracefs", "securityfs", "pstore", "bpf", "autofs",
                       "fuse.lxcfs", "ramfs", "nsfs", "configfs", "rpc_pipefs", "binfmt_misc", "fusectl", "efivarfs"})
#: mounts that are the system or scratch, never an app's data
NOT_DATA = ("/", "/boot", "/home", "/tmp", "/var/log", "/var/tmp", "/run", "/dev", "/sys", "/proc", "/usr", "/opt")


def _local(facts: HostFacts):
    seen = set()
    for m in facts.mounts:
        if m.network or m.fstype in PSEUDO_FS or not m.size_bytes or m.device in seen:
            continue
        seen.add(m.device)
        yield m


def vm_disk_bytes(facts: HostFacts) -> int:
    """Provisioned bytes of the VM's local filesystems (each device once)."""
    return sum(m.size_bytes or 0 for m in _local(facts))


def plan_volume_bytes(apps: Sequence) -> int:
    """The plan's persistent volumes of included apps."""
    total = 0
    for a in apps:
        if not getattr(a, "include", True):
            continue
        for v in getattr(a, "volumes", []) or []:
            try:
                total += parse_memory(v.size)
            except ValueError:
                total += GIB
    return total


def data_mount_bytes(facts: HostFacts) -> int:
    """Without a plan: the VM's data mounts' use x 2, at least 1 GiB each (the planner's rule)."""
    total = 0
    for m in _local(facts):
        if m.mountpoint in NOT_DATA or m.mountpoint.startswith(("/boot/", "/var/log/", "/home/", "/run/")):
            continue
        total += max(1, -(-(m.used_bytes or 0) * 2 // GIB)) * GIB
    return total
