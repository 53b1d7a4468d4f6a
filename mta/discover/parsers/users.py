"""Section ``users``: /etc/passwd."""

from __future__ import annotations

from ...model import User
from . import Blocks, lines


def parse(blocks: Blocks) -> list[User]:
    users = []
    for line in lines(blocks.get("file /etc/passwd", "")):
        parts = line.split(":")
        if len(parts) < 7 or line.startswith(("#", "+", "-")):
            continue
        try:
            uid, gid = int(parts[2]), int(parts[3])
        except ValueError:
            continue
        users.append(User(name=parts[0], uid=uid, gid=gid, home=parts[5], shell=parts[6]))
    return users
