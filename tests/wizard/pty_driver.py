"""Drive ``mta wizard`` in a real pseudo-terminal (pexpect).

Each questionary prompt starts a prompt_toolkit application, which turns
bracketed paste on (ESC [?2004h) once; the first "? <message>" after that is
the new prompt. Anchoring on it keeps a redraw of an answered prompt from
being mistaken for the next one.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Optional

import pexpect

#: the checkout these tests belong to: ``python -m mta`` runs its code, not an installed copy
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

UP, DOWN, ENTER, SPACE, CTRL_C = "\x1b[A", "\x1b[B", "\r", " ", "\x03"
_START = re.compile(r"\x1b\[\?2004h")
_MESSAGE = re.compile(r"\?\x1b\[[0-9;]*m (?P<msg>[^\x1b]*?)\s*\x1b")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


class Wizard:
    def __init__(self, args: list[str], *, env: Optional[dict] = None, cwd: Optional[str] = None, timeout: float = 30) -> None:
        full_env = dict(os.environ)
        full_env.update(
            {"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "50", "PYTHONUNBUFFERED": "1"}
        )
        full_env.pop("NO_COLOR", None)
        full_env["PYTHONPATH"] = os.pathsep.join([ROOT, *filter(None, [os.environ.get("PYTHONPATH")])])
        full_env.update(env or {})
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "mta", *args],
            env=full_env,
            cwd=cwd,
            encoding="utf-8",
            codec_errors="replace",
            timeout=timeout,
            dimensions=(50, 160),
        )
        self.transcript: list[str] = []
        self.prompts: list[str] = []

    def _read(self) -> None:
        self.transcript.append(self.child.before or "")
        if isinstance(self.child.after, str):
            self.transcript.append(self.child.after)

    def next_prompt(self) -> Optional[str]:
        """The message of the next prompt, or None when the program ended."""
        i = self.child.expect([_START, pexpect.EOF])
        self._read()
        if i == 1:
            return None
        self.child.expect(_MESSAGE)
        self._read()
        msg = self.child.match.group("msg").strip()
        self.prompts.append(msg)
        return msg

    def expect_prompt(self, contains: str) -> str:
        msg = self.next_prompt()
        assert msg is not None, f"program ended before a prompt containing {contains!r}:\n{self.text()[-3000:]}"
        assert contains in msg, f"expected a prompt containing {contains!r}, got {msg!r}"
        return msg

    def send(self, *keys: str) -> None:
        for k in keys:
            self.child.send(k)

    def type_line(self, text: str, clear: bool = True) -> None:
        """Replace a text prompt's default with ``text`` and press Enter."""
        if clear:
            self.child.send("\x15")  # ctrl-u: clear to start of line
            self.child.send("\x0b")  # ctrl-k: clear to end of line
        self.child.send(text + ENTER)

    def wait_exit(self) -> int:
        self.child.expect(pexpect.EOF)
        self._read()
        self.child.close()
        return self.child.exitstatus if self.child.exitstatus is not None else 128 + (self.child.signalstatus or 0)

    def text(self) -> str:
        return strip_ansi("".join(self.transcript))

    def kill(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
