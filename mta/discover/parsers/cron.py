"""Section ``cron``: system and user crontabs, cron.<period> directories, systemd timers."""

from __future__ import annotations

import re

from ...model import CronJob
from ..secrets import mask_command_line
from . import Blocks, lines, systemctl_records

_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\s*=")
_CAL = re.compile(r"OnCalendar=(.+?) ;")
_MONO = re.compile(r"(On\w+Sec)=(.+?) ;")


def _crontab(text: str, source: str, user: str = "") -> list[CronJob]:
    """A crontab; ``user`` empty means the system format with a user column."""
    jobs = []
    for line in lines(text):
        s = line.strip()
        if s.startswith("#") or _ENV.match(s):
            continue
        if s.startswith("-"):
            s = s[1:]  # cronie/SUSE: "-" before a job turns off its syslog line
        parts = s.split()
        if s.startswith("@"):
            n = 1
        else:
            n = 5
        want = n + (0 if user else 1) + 1
        if len(parts) < want:
            continue
        schedule = " ".join(parts[:n])
        if user:
            command = s.split(None, n)[n]
            job_user = user
        else:
            job_user = parts[n]
            command = s.split(None, n + 1)[n + 1]
        jobs.append(CronJob(schedule=schedule, command=mask_command_line(command), user=job_user, source=source))
    return jobs


def _timers(text: str) -> list[CronJob]:
    jobs = []
    for rec in systemctl_records(text):
        name = rec.get("Id", "")
        if not name:
            continue
        cal = _CAL.findall(rec.get("TimersCalendar", ""))
        mono = [f"{k}={v}" for k, v in _MONO.findall(rec.get("TimersMonotonic", ""))]
        schedule = "; ".join(c.strip() for c in cal) or "; ".join(mono)
        if not schedule:
            continue
        # command: filled from the triggered service by the caller, which sees services
        jobs.append(CronJob(schedule=schedule, command=rec.get("Unit", ""), source=name, kind="systemd-timer"))
    return jobs


def parse(blocks: Blocks) -> list[CronJob]:
    jobs: list[CronJob] = []
    for key, text in blocks.items():
        kind, _, arg = key.partition(" ")
        if kind == "file" and arg == "/etc/anacrontab":
            continue  # only drives the cron.<period> directories listed below
        if kind == "file":
            jobs += _crontab(text, arg)
        elif kind == "user-crontab":
            jobs += _crontab(text, arg, user=arg.rsplit("/", 1)[-1])
        elif kind == "cron-dir":
            for name in lines(text):
                jobs.append(
                    CronJob(schedule=f"@{arg}", command=f"/etc/cron.{arg}/{name.strip()}", user="root",
                            source=f"/etc/cron.{arg}")
                )
        elif kind == "systemd-timers":
            jobs += _timers(text)
    return jobs
