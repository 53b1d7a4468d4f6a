"""Section ``processes``: /proc/<pid>/{stat,status,cmdline,exe,cwd,cgroup,environ}.

Built for 10,000 processes: one pass over the blocks, grouped by pid.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Optional

from ...model import Process
from ..secrets import mask_argv, mask_env
from . import Blocks, to_int

_UNIT = re.compile(r"/([^/]+\.service)(?:/|$)")


#: bounds for one process when the probe read everything in one batch
MAX_ARGS = 4096
MAX_ENV = 1024


def _split_grep(text: str, out: dict) -> None:
    """``grep -H -z`` output: "<pid>/<file>:<string>" records, each NUL-ended."""
    for rec in text.split("\0"):
        path, sep, value = rec.partition(":")
        if not sep:
            continue
        pid, _, kind = path.lstrip("\n").partition("/")
        if pid.isdigit():
            out[int(pid)][kind].append(value)


def _split_grep_lines(text: str, per_pid: dict) -> None:
    """``grep -H`` output: "<pid>/<file>:<line>" lines, gathered per pid and file."""
    acc: dict[tuple[int, str], list[str]] = defaultdict(list)
    for line in text.split("\n"):
        path, sep, value = line.partition(":")
        pid, _, kind = path.partition("/")
        if sep and pid.isdigit():
            acc[(int(pid), kind)].append(value)
    for (pid, kind), values in acc.items():
        per_pid[pid][kind] = "\n".join(values) + "\n"


def _split_links(text: str, per_pid: dict) -> None:
    """``find -printf '%p\\0%l\\0'`` output: "<pid>/exe", target, "<pid>/cwd", target…"""
    parts = text.split("\0")
    for path, target in zip(parts[0::2], parts[1::2]):
        pid, _, kind = path.lstrip("\n").partition("/")
        if pid.isdigit() and kind in ("exe", "cwd") and target:
            per_pid[int(pid)][kind] = target


def normalize_cmdline(args: list[str]) -> list[str]:
    """Arguments as psutil reads them, for either collector: NUL padding
    dropped, and a title rewritten into one string (nginx, redis, postgres:
    "nginx: master process /usr/sbin/nginx -c ...") split on spaces."""
    args = list(args)
    while args and args[-1] == "":
        args.pop()
    if len(args) == 1 and " " in args[0]:
        args = [a for a in args[0].split(" ") if a]
    return args


def split_nul(raw: str) -> list[str]:
    parts = raw.split("\0")
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def masked_argv(args: list[str], memo: Optional[dict] = None) -> list[str]:
    """``args`` with secret arguments masked (``--password=x``, ``-Dx.password=x``, ``mysql -px``,
    URL credentials …: mta.discover.secrets.mask_argv); ``memo`` caches per host."""
    if memo is None:
        return mask_argv(args)[0]
    key = tuple(args)
    got = memo.get(key)
    if got is None:
        got = memo[key] = mask_argv(args)[0]
    return list(got)


def parse_environ(raw: str, memo: Optional[dict] = None) -> dict[str, str]:
    env: dict[str, str] = {}
    for item in split_nul(raw):
        k, sep, v = item.partition("=")
        if sep and k:
            env[k] = v
    return mask_env(env, memo)


def unit_of(cgroup: str) -> str:
    """The systemd service owning a process, from its cgroup path."""
    best = ""
    for line in cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if parts[1] in ("name=systemd", "") or not best:
            m = _UNIT.search(parts[2])
            if m:
                best = m.group(1)
                if parts[1] in ("name=systemd", ""):
                    break
    return best


def _cgroup_path(cgroup: str) -> str:
    first = ""
    for line in cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            if parts[1] in ("name=systemd", ""):
                return parts[2]
            first = first or parts[2]
    return first


def parse_stat(text: str) -> Optional[tuple[str, list[str]]]:
    """(comm, fields after comm) of /proc/<pid>/stat; comm may hold ')' and spaces."""
    open_, close = text.find("("), text.rfind(")")
    if open_ < 0 or close < open_:
        return None
    return text[open_ + 1:close], text[close + 1:].split()


def parse(blocks: Blocks, meta: Optional[dict[str, str]] = None) -> list[Process]:
    meta = meta or {}
    clk = to_int(meta.get("clk_tck", "100"), 100) or 100
    page = to_int(meta.get("page_size", "4096"), 4096) or 4096
    btime = to_int(meta.get("btime", "0"))
    per_pid: dict[int, dict[str, str]] = defaultdict(dict)
    batched: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for key, text in blocks.items():
        kind, _, pid = key.partition(" ")
        if pid.isdigit():
            per_pid[int(pid)][kind] = text
        elif kind in ("cmdlines", "environs", "stats"):
            _split_grep(text, batched)
        elif kind in ("statuses", "cgroups"):
            _split_grep_lines(text, per_pid)
        elif kind == "links":
            _split_links(text, per_pid)
    procs = []
    for pid, grouped in batched.items():
        if "stat" in grouped:
            per_pid[pid]["stat"] = grouped["stat"][0]
    shell = to_int(meta.get("shell_pid", "0"))
    masked: dict = {}  # one host's (name, value) -> masked value
    masked_args: dict = {}  # one host's argv -> masked argv (workers share their parent's)
    for pid in sorted(per_pid):
        b = per_pid[pid]
        stat = parse_stat(b.get("stat", ""))
        if stat is None and "status" not in b:
            continue
        # a comm holding a newline cuts the stat line short: status still has the rest
        comm, fields = stat or ("", [])
        # fields gathered first, the model built once (no validation per assignment)
        f: dict = {"pid": pid, "name": comm}
        if len(fields) > 21:
            f["ppid"] = to_int(fields[1])
            ticks = to_int(fields[11]) + to_int(fields[12])
            f["cpu_seconds"] = round(ticks / clk, 2)
            if btime:
                f["start_time"] = round(btime + to_int(fields[19]) / clk, 2)
            f["rss_bytes"] = to_int(fields[21]) * page
        for line in b.get("status", "").splitlines():
            k, _, v = line.partition(":")
            v = v.strip()
            if k == "Uid" and v:
                f["uid"] = to_int(v.split()[0])
            elif k == "Name" and not f["name"]:
                f["name"] = v.replace("\\n", "\n")
            elif k == "PPid":
                f["ppid"] = to_int(v)
            elif k == "VmRSS" and v:
                f["rss_bytes"] = to_int(v.split()[0]) * 1024
        if pid == 2 or f.get("ppid", 0) == 2:
            continue  # kernel threads: nothing to containerise
        grouped = batched.get(pid, {})
        if "cmdline" in grouped:
            args = grouped["cmdline"]
            while args and args[-1] == "":
                args.pop()
            f["cmdline"] = masked_argv(normalize_cmdline(args[:MAX_ARGS]), masked_args)
        else:
            f["cmdline"] = masked_argv(normalize_cmdline(split_nul(b.get("cmdline", ""))), masked_args)
        f["exe"] = b.get("exe", "").rstrip("\n")
        f["cwd"] = b.get("cwd", "").rstrip("\n")
        cgroup = b.get("cgroup", "")
        f["cgroup"] = _cgroup_path(cgroup)
        f["unit"] = unit_of(cgroup)
        if "environ" in grouped:
            f["env"] = parse_environ("\0".join(grouped["environ"][:MAX_ENV]), masked)
        elif "environ" in b:
            f["env"] = parse_environ(b["environ"], masked)
        procs.append(Process(**f))
    return _without_probe(procs, shell)


def _without_probe(procs: list[Process], shell: int) -> list[Process]:
    """Drop the probe's own shell and its helpers (subshells, grep, awk)."""
    if not shell:
        return procs
    children: dict[int, list[int]] = defaultdict(list)
    for p in procs:
        children[p.ppid].append(p.pid)
    gone, todo = set(), [shell]
    while todo:
        pid = todo.pop()
        if pid not in gone:
            gone.add(pid)
            todo.extend(children.get(pid, ()))
    return [p for p in procs if p.pid not in gone]


def cpu_ticks(text: str) -> tuple[float, dict[int, int]]:
    """A ``ticks`` block of the utilization section: uptime and per-pid CPU ticks."""
    uptime = 0.0
    ticks: dict[int, int] = {}
    for line in text.splitlines():
        a, _, b = line.partition(" ")
        if a == "uptime":
            try:
                uptime = float(b)
            except ValueError:
                pass
        elif a.isdigit() and b.strip().lstrip("-").isdigit():
            ticks[int(a)] = int(b)
    return uptime, ticks
