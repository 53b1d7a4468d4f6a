"""A small security rule set for compose files (checkov has no compose framework).

Each rule has an id, a one-line statement and a check over one service. A
service may waive a rule with a label ``io.mta.skip.<ID>: <reason>``; a
waiver without a reason counts as a failure.

  MTA-C1  cap_drop contains ALL
  MTA-C2  security_opt contains no-new-privileges:true
  MTA-C3  not privileged, no host network / pid / ipc namespace
  MTA-C4  runs as a non-root user (user: set, not 0/root)
  MTA-C5  no bind mount of the Docker socket or of /, /etc, /proc, /sys, /var/run
  MTA-C6  a memory limit (deploy.resources.limits.memory)
  MTA-C7  no secret-looking value in environment (secrets come from secrets:)
  MTA-C8  read_only: true (writable paths as tmpfs)
  MTA-C9  no cap_add beyond NET_BIND_SERVICE
"""

from __future__ import annotations

from typing import Any, Callable

from mta.discover.secrets import looks_secret

_SENSITIVE = ("/var/run/docker.sock", "/run/docker.sock", "/", "/etc", "/proc", "/sys", "/var/run")


def _binds(svc: dict[str, Any]) -> list[str]:
    out = []
    for v in svc.get("volumes") or []:
        if isinstance(v, str):
            src = v.split(":", 1)[0]
            if src.startswith(("/", ".")):
                out.append(src)
        elif isinstance(v, dict) and v.get("type") == "bind":
            out.append(str(v.get("source", "")))
    return out


def _env(svc: dict[str, Any]) -> dict[str, str]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {str(k): str(v) for k, v in env.items()}


RULES: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {
    "MTA-C1": ("cap_drop contains ALL", lambda s: "ALL" in (s.get("cap_drop") or [])),
    "MTA-C2": ("no-new-privileges", lambda s: any(o.replace("=", ":") in ("no-new-privileges:true", "no-new-privileges")
                                                   for o in s.get("security_opt") or [])),
    "MTA-C3": ("no privileged mode or host namespaces",
               lambda s: not s.get("privileged") and "host" not in (s.get("network_mode"), s.get("pid"), s.get("ipc"))),
    "MTA-C4": ("non-root user", lambda s: str(s.get("user", "")).split(":")[0] not in ("", "0", "root")),
    "MTA-C5": ("no sensitive bind mounts", lambda s: not any(b.rstrip("/") in _SENSITIVE or b == "/" for b in _binds(s))),
    "MTA-C6": ("memory limit", lambda s: bool(((s.get("deploy") or {}).get("resources") or {}).get("limits", {}).get("memory")
                                              or s.get("mem_limit"))),
    "MTA-C7": ("no secrets in environment", lambda s: not any(looks_secret(k, v) and not k.endswith("_FILE")
                                                              for k, v in _env(s).items())),
    "MTA-C8": ("read-only root filesystem", lambda s: s.get("read_only") is True),
    "MTA-C9": ("no added capabilities but NET_BIND_SERVICE",
               lambda s: set(s.get("cap_add") or []) <= {"NET_BIND_SERVICE"}),
}


def check_compose(data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(failed, skipped) as 'service RULE statement[: reason]' lines."""
    failed, skipped = [], []
    for name, svc in (data.get("services") or {}).items():
        labels = svc.get("labels") or {}
        if isinstance(labels, list):
            labels = dict(item.partition("=")[::2] for item in labels)
        for rid, (text, ok) in RULES.items():
            if ok(svc):
                continue
            reason = str(labels.get(f"io.mta.skip.{rid}", "")).strip()
            (skipped if reason else failed).append(f"{name} {rid} {text}" + (f": {reason}" if reason else ""))
    return failed, skipped
