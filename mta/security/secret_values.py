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

import os
import re
import secrets as _secrets
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from ..errors import InputError
from ..detect.common import parse_env_file
from ..io import write_atomic
from ..discover.parsers.processes import normalize_cmdline
from ..model import HostFacts, Plan
from ..pipeline import plan_host
from ..plan.commands import arg_secret_values
from ..plan.rewrite import db_host_rewrites, rewrite_db_host
from ..render.common import apply_rewrites, env_secret_names, secret_file_items
from ..plan.security.placeholders import placeholder_text

Values = dict[str, dict[str, str]]  # secret name -> {key: value}


def _environ(raw: Optional[bytes]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in (raw or b"").split(b"\0"):
        k, sep, v = item.decode("utf-8", errors="replace").partition("=")
        if sep and k:
            out[k] = v
    return out


def _env_file(raw: Optional[bytes]) -> dict[str, str]:
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


def _wanted(facts: HostFacts, plan: Plan) -> list[str]:
    """Every VM path the values of ``plan``'s secrets may come from."""
    wanted: list[str] = []
    for app in plan.apps:
        wanted += [f"/proc/{pid}/environ" for pid in app.pids]
        wanted += [f"/proc/{pid}/cmdline" for pid in app.pids]
        svc = _service(facts, app)
        if svc:
            wanted += [p.lstrip("-") for p in svc.environment_files]
            if svc.unit_path:
                wanted.append(svc.unit_path)
        wanted += [s.source for s in app.secrets if s.target and s.source.startswith("/")]
        if app.database and app.database.file.startswith("/"):
            wanted.append(app.database.file)
    return sorted(set(wanted))


def _service(facts: HostFacts, app):
    return next((s for s in facts.services if s.name == app.service), None) if app.service else None


def _app_env(facts: HostFacts, app, got: dict[str, Optional[bytes]]) -> dict[str, str]:
    """The app's environment on the VM: unit, EnvironmentFiles, then the running process (the truth)."""
    env: dict[str, str] = {}
    svc = _service(facts, app)
    if svc:
        env.update(_unit_environment(got.get(svc.unit_path)) if svc.unit_path else {})
        for p in svc.environment_files:
            env.update(_env_file(got.get(p.lstrip("-"))))
    for pid in app.pids:  # first readable one wins
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
    return env


def collect(transport, facts: HostFacts, plan: Plan, *, max_bytes: int = 1 << 20) -> Values:
    """Read the value of every secret the plan references from the live host (one round trip)."""
    wanted = _wanted(facts, plan)
    got = transport.read_files(wanted, max_bytes=max_bytes) if wanted else {}
    values: Values = {}
    for app in plan.apps:
        if not app.include:
            continue
        env = _app_env(facts, app, got)
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
        plan = plan_host(facts)
    values = collect(transport, facts, plan)
    for name, kv in (extra or {}).items():
        values.setdefault(name, {}).update(kv)
    return write_values(path, facts.host, values, out_root)


# -- ``mta extract --secrets``: the values as the files compose reads --------------------------

SECRETS_DIR = "secrets"
#: sources of values the VM never had: the new image's own credentials
_NEW = ("new:",)


@dataclass
class SecretFile:
    """One file compose.yaml names under ``secrets/``, and where its value is on the VM."""

    path: str  # relative to the host folder: secrets/<app>/<KEY> or secrets/<app>/files/<name>
    app: str
    key: str
    source: str
    whole_file: bool = False


@dataclass
class Pulled:
    written: list[str] = field(default_factory=list)  # paths under the host folder, values from the VM
    generated: list[str] = field(default_factory=list)  # new credentials the VM never had (kept once made)
    missing: list[SecretFile] = field(default_factory=list)


def planned_files(plan: Plan) -> list[SecretFile]:
    """Every secret file the generated compose.yaml reads (``secrets: file: ./secrets/…``),
    with the place on the VM its value comes from; the same paths the runbook lists."""
    out: list[SecretFile] = []
    for app in plan.apps:
        if not app.include:
            continue
        for key in env_secret_names(app):
            ref = next((s for s in app.secrets if s.key == key and not s.target), None)
            out.append(SecretFile(f"{SECRETS_DIR}/{app.name}/{key}", app.name, key, ref.source if ref else ""))
        for item in secret_file_items(app):
            out.append(SecretFile(f"{SECRETS_DIR}/{app.name}/files/{item.key}", app.name, item.key, item.source,
                                  whole_file=True))
    return out


def missing_files(host_dir: Union[str, Path], plan: Plan) -> list[SecretFile]:
    """The planned secret files not (yet) under ``host_dir``."""
    root = Path(host_dir)
    return [f for f in planned_files(plan) if not (root / f.path).is_file()]


def _db_password(text: str) -> Optional[str]:
    """The password an app's DB settings file holds (found by the masking rules)."""
    _, found = placeholder_text(text)
    for var, value in found.items():
        if "PASS" in var and value:
            return value
    return None


def _moved_hosts(raw: bytes, rewrites: list[str], source: str) -> bytes:
    """The settings file as the VM has it, with the neighbours the plan moved to their
    services: the database host (DB_HOST 'localhost' -> 'db') and the plan's 'config:'
    references (``rabbit://app:PW@localhost:5672/`` -> ``...@rabbitmq:5672/``, the password
    kept), as the ConfigMaps get them: in a container, 'localhost' is the app itself."""
    moves = db_host_rewrites(rewrites, source)
    if not moves and not any(r.startswith("config: ") for r in rewrites):
        return raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
    for old, new in moves:
        text, _ = rewrite_db_host(text, old, new)
    return apply_rewrites(text, rewrites).encode("utf-8")


def _value(sf: SecretFile, app, plan: Plan, env: dict[str, str], got: dict[str, Optional[bytes]],
           placeholders: dict[str, str]) -> tuple[Optional[bytes], str]:
    """(value, how): how is "vm", "new" (a credential to make) or "" (not found)."""
    if sf.whole_file:
        raw = got.get(sf.source) if sf.source.startswith("/") else None
        if raw is not None and app is not None:
            raw = _moved_hosts(raw, app.rewrites, sf.source)
        return (raw, "vm") if raw is not None else (None, "")
    if sf.key in placeholders:
        return placeholders[sf.key].encode(), "vm"
    value = env.get(sf.key, "")
    if value and not value.startswith("<redacted"):
        return value.encode(), "vm"
    # the password the app's own config file holds: the app keeps it, its database needs the same
    for other in plan.apps:
        db = other.database
        if db and db.file and (other is app and db.password_env == sf.key or other is not app and db.file in sf.source):
            text = got.get(db.file)
            found = _db_password(text.decode("utf-8", "replace")) if text else None
            if found:
                return found.encode(), "vm"
    if sf.source.startswith(_NEW) or "a new value" in sf.source:
        return None, "new"
    return None, ""


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def ignore_secrets(host_dir: Union[str, Path]) -> None:
    """``secrets/`` is ignored by git: a ``/secrets/`` line in the host folder's
    .gitignore (added when missing) and a ``*`` in ``secrets/.gitignore``."""
    root = Path(host_dir)
    gi = root / ".gitignore"
    text = gi.read_text(encoding="utf-8") if gi.is_file() else ""
    if "/secrets/" not in text.split("\n"):
        head = "" if text else "# Generated by mta: secret values read from the VM stay on this machine\n"
        write_atomic(gi, text + ("" if not text or text.endswith("\n") else "\n") + head + "/secrets/\n")
    write_atomic(root / SECRETS_DIR / ".gitignore", "# Generated by mta: never commit secret values\n*\n")


def pull_secrets(transport, facts: HostFacts, plan: Plan, host_dir: Union[str, Path],
                 placeholders: Optional[dict[str, dict[str, str]]] = None, *,
                 max_bytes: int = 1 << 20) -> Pulled:
    """Read the value of every secret file compose names from the live host
    (one round trip) into ``host_dir/secrets/`` (dir 0700, files 0600, git-ignored).

    ``placeholders``: per app, the ``MTA_SECRET_*`` values extract's config
    rewriting took out of copied files (they go to ``secrets/<app>/<VAR>``,
    where compose reads them). Credentials the VM never had (a new database
    image's root password) are generated once and then kept. Values are never
    printed or logged: the result names paths only."""
    root = Path(host_dir)
    placeholders = placeholders or {}
    wanted = _wanted(facts, plan)
    got = transport.read_files(wanted, max_bytes=max_bytes) if wanted else {}
    files = planned_files(plan)
    planned = {f.path for f in files}
    for app_name, values in sorted(placeholders.items()):
        for var in sorted(values):
            path = f"{SECRETS_DIR}/{app_name}/{var}"
            if path not in planned:
                files.append(SecretFile(path, app_name, var, "a secret value in a copied config file"))
    apps = {a.name: a for a in plan.apps}
    envs = {name: _app_env(facts, a, got) for name, a in apps.items()}
    result = Pulled()
    _private_dir(root / SECRETS_DIR)
    ignore_secrets(root)
    for sf in files:
        app = apps.get(sf.app)
        value, how = _value(sf, app, plan, envs.get(sf.app, {}), got, placeholders.get(sf.app, {}))
        target = root / sf.path
        if how == "new":
            if target.is_file():
                result.generated.append(sf.path)  # made by an earlier run: the data volume may hold it already
                continue
            value = _secrets.token_urlsafe(24).encode()
        if value is None:
            result.missing.append(sf)
            continue
        _private_dir(target.parent)
        write_atomic(target, value, mode=0o600)
        (result.generated if how == "new" else result.written).append(sf.path)
    return result
