"""Helpers the recipes share."""

from __future__ import annotations

import posixpath
import re
from typing import Callable

from ...model import ConfigFile
from ..paths import context_path, looks_like_file


MB = 1000 * 1000


def app_root(app) -> str:
    if app.workdir:
        return app.workdir
    for p in app.code_paths:
        return posixpath.dirname(p) if looks_like_file(p) else p
    return "/app"


def code_files(app, target: Callable[[str], str]) -> list[ConfigFile]:
    return [ConfigFile(source=context_path(p), target=target(p), configmap=False) for p in app.code_paths]


def version_from(facts, app, pattern: str) -> str:
    """A version hinted by packages, exe paths or command args (tomcat 8.5, jdk1.8)."""
    rx = re.compile(pattern, re.I)
    hay = [f"{p.name}-{p.version}" for p in facts.packages] + list(app.command)
    for pid in app.pids:
        proc = facts.process(pid)
        if proc:
            hay += [proc.exe, *proc.cmdline]
    for text in hay:
        m = rx.search(text or "")
        if m:
            return m.group(1)
    return ""


#: Debian's Apache in the foreground. apache2ctl makes ``$APACHE_RUN_DIR/socks`` owned by
#: www-data when it is missing, which the container's non-root user cannot (chown fails
#: and apache2ctl exits); under docker a tmpfs over /var/run/apache2 starts empty (podman
#: copies the image's dir up), so the container's user makes the dir first
DEBIAN_APACHE_CMD = ["/bin/sh", "-c", "mkdir -p /var/run/apache2/socks && exec apache2ctl -D FOREGROUND"]
