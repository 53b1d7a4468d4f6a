"""Batch mode: an inventory's hosts through discover -> extract -> generate.

``run_batch`` drives many hosts (bounded pool, deadlines, resume, shards) and
returns results; ``run_host`` is the plain per-host pipeline (the wizard
reuses it). Nothing here prints.
"""

from .host import STEPS, HostResult, HostRun, run_host
from .runner import DEFAULT_DEADLINE, DEFAULT_PARALLEL, BatchResult, Event, run_batch
from .shard import Shard, parse_shard, shard_of
from .stages import Stages, connect_ssh
from .state import ERROR_FILE, MARKER, inputs_digest, is_complete

__all__ = [
    "STEPS", "HostResult", "HostRun", "run_host", "DEFAULT_DEADLINE", "DEFAULT_PARALLEL", "BatchResult",
    "Event", "run_batch", "Shard", "parse_shard", "shard_of", "Stages", "connect_ssh", "ERROR_FILE",
    "MARKER", "inputs_digest", "is_complete",
]
