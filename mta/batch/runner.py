"""Many hosts: a bounded worker pool, per-host deadlines, resume, shards.

Returns results and emits events; it never prints (the command renders).
Memory stays flat as the fleet grows: a worker keeps one host's facts at a
time and only a small ``HostResult`` per host is kept.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from .. import yamlemit
from ..inventory import Target
from ..io import write_atomic
from .host import WORK_DIR, HostResult, HostRun, clean_staging, host_dir, run_host
from .shard import Shard
from .stages import Stages
from .state import inputs_digest, is_complete

DEFAULT_PARALLEL = 16
DEFAULT_DEADLINE = 600.0


@dataclass(frozen=True)
class Event:
    kind: str  # queued | skip | start | step | done
    host: str
    step: str = ""
    result: Optional[HostResult] = None


OnEvent = Callable[[Event], None]


@dataclass
class BatchResult:
    results: list[HostResult] = field(default_factory=list)
    seconds: float = 0.0
    shard: Optional[Shard] = None
    summary_path: str = ""

    @property
    def failed(self) -> list[HostResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def succeeded(self) -> list[HostResult]:
        return [r for r in self.results if r.status == "ok"]

    @property
    def skipped(self) -> list[HostResult]:
        return [r for r in self.results if r.status == "skipped"]


class Watchdog:
    """One thread for every deadline: expires a HostRun when its time is up."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, HostRun]] = []
        self._cv = threading.Condition()
        self._seq = itertools.count()
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="mta-deadlines", daemon=True)
        self._thread.start()

    def watch(self, run: HostRun) -> None:
        if run.deadline_at is None:
            return
        with self._cv:
            if len(self._heap) > 64 and len(self._heap) % 64 == 0:
                # finished hosts wait here until their deadline; drop them so
                # memory does not grow with the fleet
                self._heap = [e for e in self._heap if not e[2].finished]
                heapq.heapify(self._heap)
            heapq.heappush(self._heap, (run.deadline_at, next(self._seq), run))
            self._cv.notify()

    def _loop(self) -> None:
        while True:
            with self._cv:
                while not self._stop and (not self._heap or self._heap[0][0] > time.monotonic()):
                    wait = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cv.wait(wait)
                if self._stop:
                    return
                _, _, run = heapq.heappop(self._heap)
            if not run.finished:
                # closing may block on the transport's lock while it connects; do it aside
                threading.Thread(target=run.expire, daemon=True).start()

    def stop(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify()
        self._thread.join(timeout=5)


def run_batch(
    targets: Iterable[Target],
    out_root: Path,
    *,
    parallel: int = DEFAULT_PARALLEL,
    resume: bool = False,
    shard: Optional[Shard] = None,
    deadline: Optional[float] = DEFAULT_DEADLINE,
    stages: Optional[Stages] = None,
    on_event: Optional[OnEvent] = None,
    summary: bool = True,
) -> BatchResult:
    """Run every target (of ``shard``) through ``run_host`` with ``parallel`` threads;
    ``summary=False`` leaves OUT/batch.yaml to the caller (a worker process)."""
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    targets = list(targets)
    if shard is not None:
        targets = shard.select(targets)
    emit = on_event or (lambda e: None)
    stages = stages or Stages()
    started = time.monotonic()
    batch = BatchResult(shard=shard)
    order = {t.name: i for i, t in enumerate(targets)}

    todo: list[Target] = []
    for t in targets:
        clean_staging(out_root, t.name)
        if resume and is_complete(host_dir(out_root, t.name), inputs_digest(t)):
            r = HostResult(t.name, "skipped", offline=t.offline)
            batch.results.append(r)
            emit(Event("skip", t.name, result=r))
        else:
            todo.append(t)
            emit(Event("queued", t.name))

    lock = threading.Lock()
    watchdog = Watchdog()
    running: dict[str, HostRun] = {}
    stopping = threading.Event()

    def work(t: Target) -> Optional[HostResult]:
        if stopping.is_set():
            return None
        run = HostRun(t.name, t.deadline or deadline)
        with lock:
            running[t.name] = run
        watchdog.watch(run)
        emit(Event("start", t.name))
        try:
            r = run_host(t, out_root, stages=stages, run=run,
                         on_step=lambda host, step: emit(Event("step", host, step)))
        finally:
            run.finish()
        with lock:
            running.pop(t.name, None)
            batch.results.append(r)
        emit(Event("done", t.name, result=r))
        return r

    pool = ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="mta-host")
    try:
        futures = [pool.submit(work, t) for t in todo]
        pending = set(futures)
        while pending:
            # short waits keep the main thread responsive to Ctrl-C
            _, pending = wait(pending, timeout=0.5)
        for f in futures:
            f.result()
    except BaseException:
        # Ctrl-C: start nothing new, cut the connections of running hosts so
        # they end now (recorded as interrupted), then let the caller exit.
        stopping.set()
        pool.shutdown(wait=False, cancel_futures=True)
        with lock:
            for run in running.values():
                run.expire(interrupted=True)
        pool.shutdown(wait=True)
        raise
    finally:
        pool.shutdown(wait=True)
        watchdog.stop()
        work_dir = out_root / WORK_DIR
        try:
            work_dir.rmdir()  # only when empty: another shard may share OUT
        except OSError:
            pass
    batch.results.sort(key=lambda r: order[r.host])
    batch.seconds = time.monotonic() - started
    if summary:
        batch.summary_path = str(write_summary(out_root, batch))
    return batch


def write_summary(out_root: Path, batch: BatchResult) -> Path:
    """OUT/batch.yaml (or batch-K-of-N.yaml for a shard): one line per host."""
    name = "batch.yaml" if batch.shard is None else f"batch-{batch.shard.index}-of-{batch.shard.count}.yaml"
    path = Path(out_root) / name
    doc = {
        "hosts": len(batch.results),
        "ok": len(batch.succeeded),
        "skipped": len(batch.skipped),
        "failed": len(batch.failed),
        "seconds": round(batch.seconds, 2),
        "shard": str(batch.shard) if batch.shard else None,
        "results": [r.as_dict() for r in batch.results],
    }
    write_atomic(path, yamlemit.dump(doc))  # thousands of rows: the fast writer
    return path
