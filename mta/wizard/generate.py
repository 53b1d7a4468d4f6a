"""The wizard's last step: artifacts plus the answers file, all or nothing.

Generation goes to a staging directory next to OUT and is moved into place
only when complete, with SIGINT held off during the few renames, so Ctrl-C at
any point leaves either the previous tree or the new one, never half of one.
The answers go through the same load/validate path ``mta generate --answers``
uses, so replaying the written file gives the same bytes.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence

from ..errors import GenerateError
from ..io import write_atomic
from ..model import App, HostFacts
from .answers import ANSWERS_FILE, dump_answers, resolve_answers

#: (facts, resolved answers, staging out root) -> None; writes hosts/<host>/...
Renderer = Callable[[HostFacts, Mapping[str, Any], Path], None]


@dataclass
class Generated:
    out: Path
    host_dir: Path
    answers_file: Path
    files: list[str] = field(default_factory=list)  # relative to out


def pipeline_renderer(facts: HostFacts, answers: Mapping[str, Any], out_root: Path) -> None:
    """The same call ``mta generate`` makes, so a replay is byte-identical."""
    try:
        from ..pipeline import generate_host
    except ImportError as exc:
        raise GenerateError(
            f"generation is not available in this build ({exc})",
            hint="the wizard still wrote nothing; use `mta discover` and `mta generate` when they are installed",
        ) from None
    generate_host(facts, None, out_root, dict(answers), str(answers.get("base") or "official"))


@contextmanager
def _no_interrupts() -> Iterator[None]:
    """Defer SIGINT while a few renames commit the new tree."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    old = signal.signal(signal.SIGINT, lambda sig, frame: pending.append(sig))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        if pending:
            raise KeyboardInterrupt


def _commit(staging: Path, out: Path) -> None:
    """Move every top-level entry of staging into out, replacing what was there."""
    for src in sorted(staging.rglob("*")):
        if not src.is_file():
            continue
        rel = src.relative_to(staging)
        # hosts/<host> is replaced as a whole so stale files of an older run go
        if len(rel.parts) >= 2 and rel.parts[0] == "hosts":
            continue
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dest)
    hosts = staging / "hosts"
    if hosts.is_dir():
        (out / "hosts").mkdir(parents=True, exist_ok=True)
        for host_dir in sorted(hosts.iterdir()):
            dest = out / "hosts" / host_dir.name
            old = None
            if dest.exists():
                old = out / "hosts" / f".{host_dir.name}.old-{os.getpid()}"
                os.replace(dest, old)
            os.replace(host_dir, dest)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)


def generate(
    facts: HostFacts,
    apps: Sequence[App],
    answers: Mapping[str, Any],
    out: Path,
    *,
    connection: Optional[Mapping[str, Any]] = None,
    renderer: Renderer = pipeline_renderer,
) -> Generated:
    """Write OUT/hosts/<host>/... and OUT/mta-answers.yaml atomically as a whole."""
    out = Path(out)
    text = dump_answers(answers, host=facts.host, connection=connection)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".mta-wizard-", dir=out))
    committed = False
    try:
        answers_path = staging / ANSWERS_FILE
        write_atomic(answers_path, text)
        # read back exactly as `mta generate --answers` will
        replay = resolve_answers(facts, apps, answers_path=answers_path)
        renderer(facts, replay, staging)
        files = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
        with _no_interrupts():
            _commit(staging, out)
            committed = True
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if created and not committed:
            shutil.rmtree(out, ignore_errors=True)  # we made it and it holds nothing of value
    return Generated(out=out, host_dir=out / "hosts" / facts.host, answers_file=out / ANSWERS_FILE, files=files)
