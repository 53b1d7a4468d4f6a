"""One host, start to finish: connect -> discover -> plan -> extract -> generate.

A plain function over a ``Target``; it never raises for a host's failure
(unreachable, auth, timeout, probe, generator): it returns a ``HostResult`` and
leaves ``error.yaml`` in the host's directory. Output is built in a staging
directory and swapped in whole, with ``.mta-complete`` written last, so an
interrupted run never leaves a half-written host that ``--resume`` would trust.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from ..errors import GenerateError, InputError, MtaError
from ..inventory import Target
from ..io import HostConflict, dump_model, host_dir as identity_dir, write_atomic
from ..model import ConnectOptions, HostFacts
from ..plan.answers import Answers
from ..report.collect import prime_cache
from ..transport.base import TransportError
from .stages import StageMissing, Stages
from .state import MARKER, inputs_digest, write_error, write_marker

WORK_DIR = ".mta-work"  # under OUT: staging, same filesystem so rename is atomic

#: steps, in order, as shown in progress displays and recorded as ``stage``
STEPS = ("connect", "discover", "plan", "extract", "generate")

OnStep = Callable[[str, str], None]


@dataclass
class HostResult:
    host: str
    status: str  # ok | failed | skipped
    stage: str = ""  # failed: the step it failed in
    kind: str = ""  # failed: unreachable, refused, timeout, auth, deadline, probe, generate, …
    message: str = ""
    hint: str = ""  # failed: what to do next
    seconds: float = 0.0
    apps: int = 0
    offline: bool = False

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "skipped")

    def as_dict(self) -> dict[str, Any]:
        d = {"host": self.host, "status": self.status, "seconds": round(self.seconds, 3), "apps": self.apps}
        if self.status == "failed":
            d.update(stage=self.stage, kind=self.kind, message=self.message)
            if self.hint:
                d["hint"] = self.hint
        return d


class DeadlineExceeded(MtaError):
    pass


class HostRun:
    """What a watchdog needs to stop a host that ran past its deadline."""

    def __init__(self, name: str, deadline: Optional[float]) -> None:
        self.name = name
        self.deadline = deadline
        self.deadline_at = time.monotonic() + deadline if deadline else None
        self.expired = False
        self.interrupted = False  # the whole batch was stopped (Ctrl-C), not this host's fault
        self.finished = False
        self.transport: Any = None
        self._lock = threading.Lock()

    def remaining(self, default: float = 300.0) -> float:
        if self.deadline_at is None:
            return default
        return max(0.001, self.deadline_at - time.monotonic())

    def attach(self, transport: Any) -> None:
        with self._lock:
            self.transport = transport
            expired = self.expired
        if expired:
            _close_quietly(transport)

    def expire(self, interrupted: bool = False) -> None:
        """Called by the watchdog: closing the connection unblocks whatever waits on it."""
        with self._lock:
            self.expired = True
            self.interrupted = self.interrupted or interrupted
            transport = self.transport
        if transport is not None:
            _close_quietly(transport)

    def finish(self) -> None:
        """The host is done: the watchdog must leave it alone, and nothing is kept."""
        with self._lock:
            self.finished = True
            self.transport = None

    def check(self) -> None:
        if self.expired:
            raise DeadlineExceeded("deadline passed")

    def ran_out(self) -> bool:
        """The host's time ran out: the watchdog stopped it, or its deadline has
        (about) passed. Whatever error ended the host then, the deadline is the
        cause: a command or connect given the host's remaining time fires a
        moment before the watchdog does on a busy machine (up to a second, at
        most half the deadline, early)."""
        if self.expired:
            return True
        if self.deadline_at is None or self.deadline is None:
            return False
        return time.monotonic() >= self.deadline_at - min(1.0, self.deadline / 2)


def _close_quietly(transport: Any) -> None:
    try:
        abort = getattr(transport, "abort", None)
        if abort is not None:
            abort()  # a connect in progress holds the lock close() needs
        transport.close()
    except Exception:  # closing a dead connection may complain; it is closed either way
        pass


#: What to do next, per error kind, when the error itself says nothing.
KIND_HINTS = {
    "interrupted": "run the batch again with --resume",
    "deadline": "raise --deadline (or the host's 'deadline' in the inventory), then run again with --resume",
    "unreachable": "check the address, routes and firewall, or reach it through a bastion ('jump' / --jump)",
    "refused": "is sshd running and is the port right ('port' / -p)?",
    "timeout": "is an SSH server listening on that port? check the address and port",
    "auth": "set 'identity' (-i) or 'user' (-u) for this host, or load its key into ssh-agent",
    "host-key-unknown": "check the key, then run again with --accept-new-host-key (or 'known_hosts' for the host)",
    "host-key-changed": "the host's key changed: confirm with its owner, then fix the entry in known_hosts",
    "sudo": "allow 'sudo -n' for the user on the host, or set 'sudo: false' for this host",
    "command-timeout": "the host is slow: raise --deadline, then run again with --resume",
    "connection-lost": "check the network or the VM, then run again with --resume",
    "transport": "check the connection settings with `mta discover` on this host alone",
    "identity": "another machine already has this folder: give this host another name in the inventory",
    "input": "fix the inventory entry or the file it names (`mta inventory check` shows both)",
    "generate": "run `mta generate` on the host's discovery.yaml for details, and report it if it persists",
    "plan": "a bug planning this host's data: re-run `mta generate --traceback` on its discovery.yaml and report it",
    "extract": "run `mta extract` on the host's plan.yaml for details; set 'extract: false' to skip the copy",
    "probe": "run `mta discover` on this host alone for details; the probe's errors are in discovery.yaml",
    "internal": "run the batch with `mta --traceback batch …` and report the traceback",
    "worker": "run the batch again with --resume (--workers 1 keeps every host in one process)",
    "output": "free disk space or fix the permissions of the output directory, then run again with --resume",
}


def _classify(exc: BaseException, stage: str, run: HostRun) -> tuple[str, str, str]:
    """(kind, message, hint) for an error record: the error's own hint, else the kind's."""
    kind, message = _kind_message(exc, stage, run)
    hint = ("" if kind in ("deadline", "interrupted") else getattr(exc, "hint", "")) or KIND_HINTS.get(kind, "")
    return kind, message, hint


def _kind_message(exc: BaseException, stage: str, run: HostRun) -> tuple[str, str]:
    """(kind, message) for an error record."""
    if run.interrupted:
        return "interrupted", f"the batch was interrupted during {stage}; --resume redoes this host"
    if isinstance(exc, DeadlineExceeded) or run.ran_out():
        return "deadline", f"gave up after {run.deadline:g}s (per-host deadline) during {stage}"
    if isinstance(exc, TransportError):
        return exc.kind, exc.message
    if isinstance(exc, StageMissing):
        return "internal", exc.message
    if isinstance(exc, GenerateError):
        return "generate", exc.message
    if isinstance(exc, HostConflict):
        return "identity", exc.message
    if isinstance(exc, InputError):
        return "input", exc.message
    if isinstance(exc, MtaError):
        return ("probe" if stage == "discover" else stage), exc.message
    # a bug in one layer on one host's data: name the layer, keep the batch going
    kind = {"discover": "probe", "plan": "plan", "extract": "extract", "generate": "generate"}.get(stage, "internal")
    return kind, f"{type(exc).__name__}: {exc}"


def record_reach(facts: Any, transport: Any, target: Target) -> None:
    """How the host was reached (never a password) and the host key seen, in
    discovery.yaml: ``mta extract`` then connects the same way without options."""
    if not isinstance(facts, HostFacts):
        return
    facts.collector = "ssh"
    facts.fingerprint.ssh_host_key = getattr(transport, "host_key_fingerprint", "") or facts.fingerprint.ssh_host_key
    facts.address = facts.address or target.address
    if not facts.target:
        host = f"[{target.address}]" if ":" in target.address else target.address
        facts.target = (f"{target.user}@" if target.user else "") + host + (f":{target.port}" if target.port != 22 else "")
    facts.connect = ConnectOptions(user=target.user, port=target.port if target.port != 22 else None,
                                   key=os.path.abspath(target.key) if target.key else "", jump=target.jump,
                                   sudo=bool(target.sudo and getattr(transport, "sudo", True)))


def host_dir(out_root: Path, name: str) -> Path:
    return Path(out_root) / "hosts" / name


def clean_staging(out_root: Path, name: str) -> None:
    """Remove what an interrupted run left for ``name`` in the staging area."""
    work = Path(out_root) / WORK_DIR
    if not work.is_dir():
        return
    for p in work.iterdir():
        if p.name.startswith(name + ".") and p.name[len(name) + 1 :].count(".") == 0:
            shutil.rmtree(p, ignore_errors=True)


def _swap_in(staged: Path, final: Path, trash: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        os.rename(final, trash)
    os.rename(staged, final)
    if trash.exists():
        shutil.rmtree(trash, ignore_errors=True)


def run_host(
    target: Target,
    out_root: Path,
    *,
    stages: Optional[Stages] = None,
    on_step: Optional[OnStep] = None,
    run: Optional[HostRun] = None,
    default_deadline: Optional[float] = 600.0,
) -> HostResult:
    """Discover, plan, extract and generate one host into OUT/hosts/<name>/."""
    stages = stages or Stages()
    out_root = Path(out_root)
    run = run or HostRun(target.name, target.deadline or default_deadline)
    started = time.monotonic()
    digest = inputs_digest(target)
    token = uuid.uuid4().hex[:12]
    staging = out_root / WORK_DIR / f"{target.name}.{token}"
    staged_host = host_dir(staging, target.name)
    final = host_dir(out_root, target.name)
    result = HostResult(target.name, "ok", offline=target.offline)
    stage = "connect"

    def step(name: str) -> None:
        nonlocal stage
        run.check()
        stage = name
        if on_step:
            on_step(target.name, name)

    transport = None
    keep_old = False
    borrowed: list[tuple[Path, Path]] = []
    try:
        staged_host.mkdir(parents=True)
        try:
            if target.offline:
                step("discover")
                facts = stages.load_discovery(target.discovery)
            else:
                step("connect")
                transport = stages.connect(target, run.remaining(), run.attach)
                run.attach(transport)
                step("discover")
                kw: dict[str, Any] = {"host": target.name, "sudo": target.sudo, "timeout": run.remaining(),
                                      "http_checks": target.http_checks}
                if target.sample_seconds is not None:
                    kw["sample_seconds"] = target.sample_seconds
                facts = stages.discover(transport, **kw)
                record_reach(facts, transport, target)
            run.check()
            if facts.host != target.name:
                facts = facts.model_copy(update={"host": target.name})
            # the inventory names the folder: a different machine in it is this host's error, never overwritten
            identity_dir(out_root, facts, name=target.name, explicit=True)
            write_atomic(staged_host / "discovery.yaml", dump_model(facts, fast=True))

            step("plan")
            apps = stages.detect(facts)
            try:
                resolved = stages.answers(facts, apps, dict(target.answers))
            except InputError as exc:
                # name the inventory entry the answers came from
                raise InputError(f"{target.source}: {exc.message}", hint=exc.hint) from None
            base = str(target.answers.get("base") or target.base)
            answers = Answers({**resolved, "base": base})  # checked by stages.answers: make_plan reads them as they are
            if target.plan:
                plan = stages.load_plan(target.plan)
            else:
                plan = stages.plan(facts, apps, answers=answers, base=base,
                                   discovery_path=str(final / "discovery.yaml"))
            result.apps = sum(1 for a in plan.apps if a.include)

            if transport is not None and target.extract:
                step("extract")
                # the last run's contexts come along, so only what changed on the VM is fetched
                borrow_contexts(final, staged_host, [a.name for a in plan.apps if a.include], borrowed)
                stages.extract(transport, plan, staged_host)

            step("generate")
            stages.generate(facts, plan, staging, answers, base)
            run.check()
            write_marker(staged_host, digest, host=target.name)
        except Exception as exc:  # noqa: BLE001 - any failure is this host's, never the batch's
            keep_old = isinstance(exc, HostConflict)  # that folder is another machine's: leave it be
            kind, message, hint = _classify(exc, stage, run)
            result.status, result.stage, result.kind, result.message = "failed", stage, kind, message
            result.hint = hint
            staged_host.mkdir(parents=True, exist_ok=True)
            (staged_host / MARKER).unlink(missing_ok=True)
            write_error(staged_host, target.name, stage, kind, message, hint)
        finally:
            if transport is not None:
                _close_quietly(transport)
        if not keep_old:
            _swap_in(staged_host, final, staging / "old")
            borrowed.clear()  # they went back with the new output
        if result.status == "ok":
            prime_cache(final / "discovery.yaml", facts)
    except (KeyboardInterrupt, SystemExit):
        give_back(borrowed)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except OSError as exc:
        # the output directory itself failed us (disk full, permissions): still one host only
        result.status, result.stage, result.kind = "failed", stage, "output"
        result.message = f"cannot write {final}: {exc.strerror or exc}"
        result.hint = KIND_HINTS["output"]
    finally:
        give_back(borrowed)  # the output was not replaced (interrupted, conflict): its contexts stay
        shutil.rmtree(staging, ignore_errors=True)
    result.seconds = time.monotonic() - started
    return result


def borrow_contexts(final: Path, staged: Path, apps: list[str], moved: list[tuple[Path, Path]]) -> None:
    """Move the last run's build contexts of ``apps`` (with their manifests)
    from the host's output into the staging copy: ``mta extract`` then fetches
    only what changed on the VM. Same file system, so each is one rename,
    recorded in ``moved`` as (where it was, where it is now) at once."""
    for app in apps:
        src = final / "apps" / app / "context"
        if not src.is_dir() or src.is_symlink() or "/" in app or app in ("", ".", ".."):
            continue
        dst = staged / "apps" / app / "context"
        if dst.exists():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(src, dst)
        except OSError:
            continue  # not reusable: this app is fetched whole
        moved.append((src, dst))


def give_back(borrowed: list[tuple[Path, Path]]) -> None:
    """Contexts borrow_contexts took, back where they were (the run did not
    replace the output they came from)."""
    for src, dst in borrowed:
        if dst.is_dir() and not os.path.lexists(src) and src.parent.is_dir():
            try:
                os.rename(dst, src)
            except OSError:
                pass
