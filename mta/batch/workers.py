"""A batch spread over worker processes.

One Python process does mta's own work (parsing probe output, detecting,
writing files) on one core at a time, whatever ``--parallel`` says. A large
fleet is therefore split among worker processes: each is a ``mta batch``
child over a slice of the hosts (``--worker K/W``: every W-th host of the
list, after any ``--shard``), with its own thread pool, and tells this
process what happens as JSON lines on its stdout. This process renders the
progress, collects the results and writes the summary, so the command
behaves the same with one worker or several.

A worker that dies leaves its unfinished hosts failed with kind ``worker``
and the last lines it printed; the other workers go on.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Callable, Optional, Sequence, TypeVar

from ..errors import InputError
from .host import KIND_HINTS, WORK_DIR, HostResult, clean_staging
from .runner import BatchResult, Event, OnEvent, write_summary
from .shard import Shard

T = TypeVar("T")

#: hosts per extra worker process before another one pays for its start-up
HOSTS_PER_WORKER = 24
MAX_WORKERS = 8


def auto_workers(hosts: int, cpus: Optional[int] = None) -> int:
    """Worker processes for ``hosts`` hosts: one per core, when there is enough work."""
    cpus = cpus or os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS, hosts // HOSTS_PER_WORKER))


def parse_worker(text: str) -> tuple[int, int]:
    """``"K/W"`` (hidden option of the worker processes)."""
    try:
        k, w = (int(x) for x in text.split("/"))
    except ValueError:
        raise InputError(f"bad --worker {text!r}: expected K/W") from None
    if not 0 <= k < w:
        raise InputError(f"bad --worker {text!r}: K must be between 0 and W-1")
    return k, w


def worker_slice(items: Sequence[T], k: int, w: int) -> list[T]:
    """The hosts worker ``k`` of ``w`` runs: every w-th, so slow groups spread."""
    return list(items[k::w])


# --- the worker side -----------------------------------------------------------


def event_line(event: Event) -> str:
    d: dict = {"kind": event.kind, "host": event.host, "step": event.step}
    if event.result is not None:
        d["result"] = dataclasses.asdict(event.result)
    return json.dumps(d)


def emit_to(stream: IO[str]) -> OnEvent:
    """An on_event that writes JSON lines to ``stream`` (a worker's stdout)."""
    lock = threading.Lock()

    def emit(event: Event) -> None:
        line = event_line(event)
        with lock:
            stream.write(line + "\n")
            stream.flush()

    return emit


def parse_event(line: str) -> Optional[Event]:
    try:
        d = json.loads(line)
        result = HostResult(**d["result"]) if d.get("result") else None
        return Event(d["kind"], d["host"], d.get("step", ""), result)
    except (ValueError, KeyError, TypeError):
        return None


# --- the parent side -----------------------------------------------------------


@dataclasses.dataclass
class _Worker:
    index: int
    hosts: list[str]
    proc: subprocess.Popen
    stderr: IO[bytes]

    def last_words(self) -> str:
        self.stderr.seek(0)
        lines = [ln for ln in self.stderr.read().decode("utf-8", "replace").splitlines() if ln.strip()]
        return " / ".join(lines[-3:])[-500:]


def run_batch_workers(
    names: Sequence[str],
    out_root: Path,
    child_command: Callable[[int, int], list[str]],
    *,
    workers: int,
    shard: Optional[Shard] = None,
    on_event: Optional[OnEvent] = None,
    env: Optional[dict] = None,
) -> BatchResult:
    """Run the hosts ``names`` (already sharded, in inventory order) in
    ``workers`` child processes; ``child_command(k, w)`` is worker k's argv."""
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    emit = on_event or (lambda e: None)
    order = {n: i for i, n in enumerate(names)}
    started = time.monotonic()
    results: dict[str, HostResult] = {}
    lock = threading.Lock()
    pool: list[_Worker] = []

    def pump(w: _Worker) -> None:
        assert w.proc.stdout is not None
        for raw in w.proc.stdout:
            event = parse_event(raw.decode("utf-8", "replace"))
            if event is None or event.host not in order:
                continue
            if event.result is not None:
                with lock:
                    results[event.host] = event.result
            emit(event)

    readers = []
    try:
        for k in range(workers):
            err = tempfile.TemporaryFile()
            proc = subprocess.Popen(child_command(k, workers), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=err, env=env)
            w = _Worker(k, worker_slice(names, k, workers), proc, err)
            pool.append(w)
            t = threading.Thread(target=pump, args=(w,), name=f"mta-worker-{k}", daemon=True)
            t.start()
            readers.append(t)
        for t in readers:
            while t.is_alive():
                t.join(timeout=0.5)  # short waits keep Ctrl-C responsive
        for w in pool:
            w.proc.wait()
    except BaseException:
        # Ctrl-C reaches the workers too when they share the terminal; say it
        # to them anyway (a signal sent to this process alone), then wait.
        for w in pool:
            if w.proc.poll() is None:
                try:
                    w.proc.send_signal(signal.SIGINT)
                except OSError:
                    pass
        for w in pool:
            try:
                w.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.proc.kill()
                w.proc.wait()
        raise
    finally:
        for w in pool:
            if w.proc.stdout is not None:
                w.proc.stdout.close()

    for w in pool:
        lost = [h for h in w.hosts if h not in results]
        if not lost:
            w.stderr.close()
            continue
        why = w.last_words() or "no output"
        for h in lost:
            clean_staging(out_root, h)  # what the worker was writing when it died
            r = HostResult(h, "failed", stage="batch", kind="worker",
                           message=f"worker process {w.index} ended (exit {w.proc.returncode}) before this host "
                                   f"finished: {why}", hint=KIND_HINTS["worker"])
            results[h] = r
            emit(Event("done", h, result=r))
        w.stderr.close()

    try:
        (out_root / WORK_DIR).rmdir()  # only when empty: another shard may share OUT
    except OSError:
        pass
    batch = BatchResult(shard=shard)
    batch.results = sorted(results.values(), key=lambda r: order[r.host])
    batch.seconds = time.monotonic() - started
    batch.summary_path = str(write_summary(out_root, batch))
    return batch


def python_command() -> list[str]:
    """argv prefix that starts this same mta."""
    return [sys.executable, "-m", "mta"]
