"""``--with-secret-values``: the secrets' real values, for the operator only.

Design: discovery masks values before anything is stored (discovery.yaml
holds only ``SECRET_MARKER``), so the values cannot come from a file. They
are re-read from the live host through the same transport, after the plan
names which secrets exist: each app's process environment
(``/proc/<pid>/environ``, needs the same user or sudo), then its unit's
EnvironmentFile(s), and for secret config files the file itself. Nothing
is kept: the values go straight into one mode-0600 file that must lie
outside the artifacts tree (OUT), so copying or committing OUT never
carries them. Only the keys the plan references are written.

The file is sh-sourceable, one section per Kubernetes Secret / compose secret:

    # [tomcat-secrets] kubectl create secret generic tomcat-secrets --from-env-file=<this section>
    INVENTORY_ADMIN_PASSWORD='v@lue'
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Optional, Union

from ..errors import InputError
from ..io import write_atomic
from ..discover.parsers.processes import normalize_cmdline
from ..model import HostFacts, Plan
from ..plan.commands import arg_secret_values

Values = dict[str, dict[str, str]]  # secret name -> {key: value}


def _environ(raw: Optional[bytes]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in (raw or b"").split(b"\0"):
        k, sep, v = item.decode("utf-8", errors="replace").partition("=")
        if sep and k:
            out[k] = v
    return out


def _env_file(raw: Optional[bytes]) -> dict[str, str]:
    from ..detect.common import parse_env_file

    return parse_env_file((raw or b"").decode("utf-8", errors="replace")) if raw else {}


def _unit_environment(raw: Optional[bytes]) -> dict[str, str]:
    """Environment= assignments of a systemd unit file (quoted words, several per line)."""
    out: dict[str, str] = {}
    for line in (raw or b"").decode("utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line.startswith("Environment="):
            continue
        try:
            words = shlex.split(line[len("Environment="):])
        except ValueError:
            continue
        for w in words:
            k, sep, v = w.partition("=")
            if sep and k:
                out[k] = v
    return out


def collect(transport, facts: HostFacts, plan: Plan, *, max_bytes: int = 1 << 20) -> Values:
    """Read the value of every secret the plan references from the live host (one round trip)."""
    wanted: list[str] = []
    for app in plan.apps:
        wanted += [f"/proc/{pid}/environ" for pid in app.pids]
        wanted += [f"/proc/{pid}/cmdline" for pid in app.pids]
        svc = next((s for s in facts.services if s.name == app.service), None) if app.service else None
        if svc:
            wanted += [p.lstrip("-") for p in svc.environment_files]
            if svc.unit_path:
                wanted.append(svc.unit_path)
        wanted += [s.source for s in app.secrets if s.target and s.source.startswith("/")]
    got = transport.read_files(sorted(set(wanted)), max_bytes=max_bytes) if wanted else {}
    values: Values = {}
    for app in plan.apps:
        if not app.include:
            continue
        env: dict[str, str] = {}
        svc = next((s for s in facts.services if s.name == app.service), None) if app.service else None
        if svc:
            env.update(_unit_environment(got.get(svc.unit_path)) if svc.unit_path else {})
            for p in svc.environment_files:
                env.update(_env_file(got.get(p.lstrip("-"))))
        for pid in app.pids:  # the running process is the truth; first readable one wins
            proc_env = _environ(got.get(f"/proc/{pid}/environ"))
            if proc_env:
                env.update(proc_env)
                break
        for pid in app.pids:  # secret arguments: MTA_ARG_* as the plan named them
            raw = got.get(f"/proc/{pid}/cmdline")
            if raw:
                args = normalize_cmdline([a.decode("utf-8", errors="replace") for a in raw.split(b"\0")])
                env.update({k: v for k, v in arg_secret_values(args).items() if k not in env})
                break
        for ref in app.secrets:
            if ref.target:
                raw = got.get(ref.source)
                if raw is not None:
                    values.setdefault(ref.name, {})[ref.key] = raw.decode("utf-8", errors="replace")
            elif ref.key in env and env[ref.key] and not env[ref.key].startswith("<redacted"):
                values.setdefault(ref.name, {})[ref.key] = env[ref.key]
    return values


def render_values(host: str, values: Values) -> str:
    lines = [f"# Secret values for host {host}, read by mta from the live host.",
             "# Mode 0600. Keep it out of version control and out of the artifacts tree.", ""]
    for name in sorted(values):
        lines.append(f"# [{name}] kubectl create secret generic {name} --from-literal=KEY=VALUE ...")
        for key in sorted(values[name]):
            if key.replace("_", "").isalnum() and not key[0].isdigit():
                lines.append(f"{key}={shlex.quote(values[name][key])}")
            else:  # a whole file (context.xml): its content under a variable name
                var = "MTA_FILE_" + re.sub(r"[^A-Za-z0-9_]", "_", key)
                lines.append(f"# file {key} -> {var}")
                lines.append(f"{var}={shlex.quote(values[name][key])}")
        lines.append("")
    return "\n".join(lines)


def write_values(path: Union[str, Path], host: str, values: Values, out_root: Union[str, Path]) -> Path:
    """Write the values file (mode 0600); refuses a path inside ``out_root``."""
    check_path(path, out_root)
    target = Path(path).resolve()
    write_atomic(target, render_values(host, values), mode=0o600)
    return target


def check_path(path: Union[str, Path], out_root: Union[str, Path]) -> None:
    """InputError when ``path`` lies inside ``out_root`` (checked before any work is done)."""
    target = Path(path).resolve()
    root = Path(out_root).resolve()
    if target == root or root in target.parents:
        raise InputError(f"--with-secret-values {path}: inside the artifacts tree {out_root}",
                         hint="choose a path outside OUT, e.g. ~/.mta/<host>-secrets.env")


def export(transport, facts: HostFacts, plan: Optional[Plan], path: Union[str, Path],
           out_root: Union[str, Path], extra: Optional[Values] = None) -> Path:
    """collect + write_values: what a ``--with-secret-values FILE`` option calls.

    Without a plan (``mta discover``) the default plan of ``facts`` says which
    secrets exist. ``extra`` adds values known in memory (``mta extract``'s
    placeholders)."""
    check_path(path, out_root)
    if plan is None:
        from ..pipeline import plan_host

        plan = plan_host(facts)
    values = collect(transport, facts, plan)
    for name, kv in (extra or {}).items():
        values.setdefault(name, {}).update(kv)
    return write_values(path, facts.host, values, out_root)
