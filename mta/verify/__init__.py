"""``mta verify``: prove generated artifacts build, start and answer like the VM did.

``verify_dirs`` is the stage function; ``mta.commands.verify`` is its CLI.
Command lines come from ``engine.Engine``; they run only through
``mta.transport.engine.EngineRunner``.
"""

from __future__ import annotations

import datetime as _dt
import os
import time
from pathlib import Path
from typing import Callable, Optional

from ..errors import MtaError
from ..transport.engine import EngineRunner
from .engine import Engine
from .result import HostResult, ServiceResult, VerifyReport
from .runner import HostRun, host_dirs


def verify_dirs(
    root: Path,
    engine: Engine,
    *,
    runner: Optional[EngineRunner] = None,
    timeout: float = 180.0,
    keep: bool = False,
    rm_images: bool = False,
    log: Callable[[str], None] = lambda s: None,
    on_host: Callable[[HostResult], None] = lambda h: None,
) -> VerifyReport:
    """Verify every host dir under ``root``; one failing host does not stop the rest.

    Everything a host run starts is removed before the next host begins (unless
    ``keep``), also when interrupted: the KeyboardInterrupt propagates after cleanup.
    """
    runner = runner or EngineRunner()
    check_engine(engine, runner)
    started = time.monotonic()
    report = VerifyReport(
        started=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        engine=engine.name,
        runtime=engine.runtime or "",
    )
    for hdir in host_dirs(root):
        run = HostRun(hdir, engine, runner, timeout=timeout, keep=keep, rm_images=rm_images, log=log)
        result: Optional[HostResult] = None
        try:
            result = run.verify()
        except Exception as exc:  # one failing host does not fail the batch
            msg = exc.message if isinstance(exc, MtaError) else f"{type(exc).__name__}: {exc}"
            result = HostResult(host=hdir.name, path=str(hdir), engine=engine.name, run_id=run.run_id, error=msg)
        except KeyboardInterrupt:
            if log is not None:
                log(f"interrupted: removing what run {run.run_id} started" + (" (--keep: kept)" if keep else ""))
            raise
        finally:
            problems = run.cleanup()
            if result is not None:
                result.kept = keep
                result.notes.extend(f"cleanup: {p}" for p in problems)
        report.hosts.append(result)
        on_host(result)
    report.seconds = round(time.monotonic() - started, 1)
    report.ok = all(h.ok for h in report.hosts)
    return report


def check_engine(engine: Engine, runner: EngineRunner) -> None:
    """Fail once, up front, when the engine cannot run anything (a stopped
    Docker daemon would otherwise fail every build, run and cleanup step)."""
    res = runner.run(engine.reachable(), timeout=60)
    if res.ok:
        return
    lines = (res.stderr or res.stdout).decode("utf-8", "replace").strip().splitlines()
    why = lines[-1] if lines else f"exit {res.exit_status}"
    if engine.name == "docker":
        where = os.environ.get("DOCKER_HOST") or "the default socket (unix:///var/run/docker.sock)"
        raise MtaError(
            f"the Docker daemon is not reachable at {where}: {why}",
            "start it (systemctl start docker, or as root: dockerd &), or point DOCKER_HOST at a running "
            "daemon's socket (e.g. export DOCKER_HOST=unix:///run/mta-docker/docker.sock); "
            "or use --engine podman",
        )
    raise MtaError(f"{engine.name} cannot run: {why}", f"check `{engine.name} info`; or use --engine docker")


__all__ = ["check_engine", "verify_dirs", "Engine", "VerifyReport", "HostResult", "ServiceResult"]
