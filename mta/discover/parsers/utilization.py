"""Section ``utilization``: sysstat history (sadf -d) or a live /proc sample,
plus per-process CPU ticks around the sample."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from ...model import Utilization, UtilSample
from . import Blocks
from .hardware import meminfo
from .processes import cpu_ticks


def _ts(value: str) -> Optional[float]:
    value = value.strip()
    if value.isdigit():
        return float(value)
    value = value.replace(" UTC", "").strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            pass
    return None


def _num(value: str) -> Optional[float]:
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return None


def _sadf(text: str, mem_total: int) -> list[UtilSample]:
    """``sadf -d -- -u -r``: two ';' tables (CPU, memory), each after a '# ' header."""
    cpu: dict[float, float] = {}
    mem: dict[float, int] = {}
    header: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            header = [h.strip() for h in line.lstrip("# ").split(";")]
            continue
        row = dict(zip(header, line.split(";")))
        ts = _ts(row.get("timestamp", ""))
        if ts is None:
            continue
        if "%idle" in row and row.get("CPU", "-1") in ("-1", "all"):
            idle = _num(row["%idle"])
            if idle is not None:
                cpu[ts] = round(max(0.0, 100.0 - idle), 2)
        elif "kbmemused" in row:
            avail = _num(row.get("kbavail", "") or "")
            if avail is not None and mem_total:
                mem[ts] = max(0, mem_total - int(avail * 1024))
            else:
                used = sum(_num(row.get(k, "0") or "0") or 0 for k in ("kbmemused",))
                used -= sum(_num(row.get(k, "0") or "0") or 0 for k in ("kbbuffers", "kbcached"))
                mem[ts] = max(0, int(used * 1024))
    return [UtilSample(timestamp=ts, cpu_percent=cpu[ts], mem_used_bytes=mem.get(ts, 0)) for ts in sorted(cpu)]


def _live(text: str) -> list[UtilSample]:
    """Readings of ``T epoch``, the /proc/stat cpu line, ``P ticks`` (the CPU
    the probe itself had used, taken off the host's busy time) and meminfo lines."""
    readings: list[tuple[float, list[int], int, dict[str, int]]] = []
    cur_t: Optional[float] = None
    cur_cpu: list[int] = []
    cur_probe = 0
    block: list[str] = []

    def flush() -> None:
        if cur_t is not None and cur_cpu:
            readings.append((cur_t, cur_cpu, cur_probe, meminfo("\n".join(block))))

    for line in text.splitlines():
        if line.startswith("T "):
            flush()
            cur_t, cur_cpu, cur_probe, block = _num(line[2:]), [], 0, []
        elif line.startswith("cpu "):
            cur_cpu = [int(x) for x in line.split()[1:] if x.isdigit()]
        elif line.startswith("P ") and line[2:].strip().isdigit():
            cur_probe = int(line[2:])
        else:
            block.append(line)
    flush()
    samples = []
    for (t0, c0, p0, _), (t1, c1, p1, m1) in zip(readings, readings[1:]):
        total = sum(c1[:8]) - sum(c0[:8])
        idle = (c1[3] + (c1[4] if len(c1) > 4 else 0)) - (c0[3] + (c0[4] if len(c0) > 4 else 0))
        probe = max(0, p1 - p0)  # the sample overlaps the probe: its own work is not the host's load
        busy = 100.0 * (total - idle - probe) / total if total > 0 else 0.0
        avail = m1.get("MemAvailable")
        if avail is None:
            avail = m1.get("MemFree", 0) + m1.get("Buffers", 0) + m1.get("Cached", 0)
        samples.append(
            UtilSample(timestamp=t1, cpu_percent=round(max(0.0, min(100.0, busy)), 2),
                       mem_used_bytes=max(0, m1.get("MemTotal", 0) - avail))
        )
    return samples


def parse(blocks: Blocks, mem_total: int = 0) -> Utilization:
    history: list[UtilSample] = []
    for key, text in blocks.items():
        if key.startswith("sadf "):
            history += _sadf(text, mem_total)
    if history:
        history.sort(key=lambda s: s.timestamp)
        gaps = [b.timestamp - a.timestamp for a, b in zip(history, history[1:])]
        interval = sorted(gaps)[len(gaps) // 2] if gaps else 0.0
        return Utilization(source="sysstat", samples=history, interval_seconds=interval,
                           duration_seconds=history[-1].timestamp - history[0].timestamp)
    live = _live(blocks.get("sample", ""))
    if not live:
        return Utilization()
    interval = (live[-1].timestamp - live[0].timestamp) / max(1, len(live) - 1) if len(live) > 1 else 0.0
    t0 = cpu_ticks(blocks.get("ticks 0", ""))[0]
    t1 = cpu_ticks(blocks.get("ticks 1", ""))[0]
    duration = (t1 - t0) if t1 > t0 else interval * len(live)
    return Utilization(source="proc-sample", samples=live, interval_seconds=round(interval or duration, 2),
                       duration_seconds=round(duration, 2))


def process_cpu(blocks: Blocks, clk_tck: int = 100) -> dict[int, float]:
    """Each process's CPU share of one core (percent) between the two tick passes."""
    u0, t0 = cpu_ticks(blocks.get("ticks 0", ""))
    u1, t1 = cpu_ticks(blocks.get("ticks 1", ""))
    elapsed = u1 - u0
    if elapsed <= 0:
        return {}
    return {
        pid: round(100.0 * max(0, t1[pid] - ticks) / clk_tck / elapsed, 2)
        for pid, ticks in t0.items()
        if pid in t1
    }
