"""VM command lines -> exec-form container commands; cron schedules -> five fields."""

from __future__ import annotations

import re
import shlex
from typing import Optional

from ..discover.secrets import SECRET_MARKER, arg_env_name, marker_names, mask_argv

#: interpreters whose VM path (/usr/lib/jvm/…/bin/java, /opt/rh/…/python3.6)
#: means "the runtime", which the image puts on PATH.
_INTERPRETERS = {
    "java": "java",
    "python": "python", "python2": "python", "python3": "python",
    "node": "node", "nodejs": "node",
    "php": "php", "php-fpm": "php-fpm",
    "gunicorn": "gunicorn", "uwsgi": "uwsgi", "waitress-serve": "waitress-serve",
    "celery": "celery", "uvicorn": "uvicorn", "daphne": "daphne",
    "npm": "npm", "yarn": "yarn",
}
_PY_VERSIONED = re.compile(r"^python\d(\.\d+)?$")
_PHP_FPM = re.compile(r"^php-?fpm[\d.]*$")
_VENV_BIN = re.compile(r"/(?:venv|\.venv|env|virtualenv)[^/]*/bin/")


def interpreter(argv0: str) -> Optional[str]:
    """The PATH name to use in the image for a VM interpreter path, if known."""
    base = argv0.rsplit("/", 1)[-1]
    if _PY_VERSIONED.match(base):
        return "python"
    if _PHP_FPM.match(base):
        return "php-fpm"
    if base in _INTERPRETERS:
        return _INTERPRETERS[base]
    if _VENV_BIN.search(argv0):  # a console script from the VM's virtualenv
        return base
    return None


def rewrite_command(argv: list[str]) -> tuple[list[str], list[str]]:
    """Make a VM command run in the image: interpreter paths become PATH names.

    Returns (argv, notes). Arguments are kept verbatim: they are data and end
    up in JSON-form CMD, never in a shell line.
    """
    if not argv:
        return [], []
    notes = []
    out = list(argv)
    # "python /srv/app/venv/bin/celery …": the VM venv's console script runs from the image's venv
    if interpreter(argv[0]) == "python" and len(argv) > 1 and _VENV_BIN.search(argv[1]):
        notes.append(f"command: {argv[0]} {argv[1]} -> {argv[1].rsplit('/', 1)[-1]} (from the image's venv)")
        out = [argv[1].rsplit("/", 1)[-1], *argv[2:]]
        return out, notes
    name = interpreter(argv[0])
    if name and name != argv[0]:
        out[0] = name
        notes.append(f"command: {argv[0]} -> {name} (runtime from the image)")
    # pm2 supervises; in a container the orchestrator does, so run the script.
    if out[0].rsplit("/", 1)[-1] in ("pm2", "pm2-runtime") and len(out) > 2 and out[1] == "start":
        script = out[2]
        if script.endswith((".js", ".mjs", ".cjs")):
            out = ["node", script]
            notes.append("pm2 replaced by node: the orchestrator restarts the container")
    return out, notes


_SHELL_INTERP = re.compile(
    r"(?<![^\s'\"=;&|(])/(?:[^\s'\";&|()]*/)?(node|nodejs|php[\d.]*|python[\d.]*|java)(?=[\s'\";&|)]|$)")


def shell_interpreters(command: str) -> str:
    """/usr/bin/node, /usr/bin/python3.5 … inside shell text -> PATH names,
    since official images install runtimes elsewhere (/usr/local/bin)."""
    def sub(m: re.Match) -> str:
        return interpreter(m.group(0)) or m.group(0)

    return _SHELL_INTERP.sub(sub, command)


def split_shell(command: str) -> list[str]:
    """argv for a cron command; shell syntax keeps a shell."""
    if re.search(r"[|&;<>`$(){}*?~]|\n", command):
        return ["/bin/sh", "-c", command]
    try:
        return shlex.split(command)
    except ValueError:
        return ["/bin/sh", "-c", command]


_ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_CALENDAR_WORDS = {
    "minutely": "* * * * *",
    "hourly": "0 * * * *",
    "daily": "0 0 * * *",
    "weekly": "0 0 * * 1",
    "monthly": "0 0 1 * *",
    "yearly": "0 0 1 1 *",
    "annually": "0 0 1 1 *",
}
_DOW = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 0}
_FIELD = re.compile(r"^[0-9A-Za-z*/,\-]+$")


def to_five_fields(schedule: str) -> Optional[str]:
    """A five-field cron schedule, or None when it cannot be expressed (@reboot)."""
    s = " ".join(schedule.split())
    if s.lower() in _ALIASES:
        return _ALIASES[s.lower()]
    parts = s.split(" ")
    if len(parts) == 5 and all(_FIELD.match(p) for p in parts):
        return s
    return _on_calendar(s)


def _on_calendar(s: str) -> Optional[str]:
    """The common systemd OnCalendar= shapes: words, '[DOW] *-*-* HH:MM[:SS]'."""
    low = s.lower()
    if low in _CALENDAR_WORDS:
        return _CALENDAR_WORDS[low]
    m = re.match(r"^(?:([A-Za-z,.]+)\s+)?(\*|\d{4})-(\*|\d{1,2})-(\*|\d{1,2})\s+(\*|\d{1,2}):(\*|\d{1,2})(?::\d{1,2})?$", s)
    if not m:
        m2 = re.match(r"^(?:([A-Za-z,.]+)\s+)?(\*|\d{1,2}):(\*|\d{1,2})(?::\d{1,2})?$", s)
        if not m2:
            return None
        dows, hour, minute = m2.groups()
        day, month = "*", "*"
    else:
        dows, year, month, day, hour, minute = m.groups()
        if year != "*":
            return None
    dow = "*"
    if dows:
        days = []
        for part in re.split(r",", dows.lower()):
            if ".." in part:
                a, b = part.split("..", 1)
                if a[:3] not in _DOW or b[:3] not in _DOW:
                    return None
                days.append(f"{_DOW[a[:3]]}-{_DOW[b[:3]]}")
            elif part[:3] in _DOW:
                days.append(str(_DOW[part[:3]]))
            else:
                return None
        dow = ",".join(days)

    def num(v: str) -> str:
        return "*" if v == "*" else str(int(v))

    return f"{num(minute)} {num(hour)} {num(day)} {num(month)} {dow}"


def _ref_name(name: str, taken: dict[str, str]) -> str:
    var = arg_env_name(name)
    base, n = var, 1
    while taken.get(var, name) != name:
        n += 1
        var = f"{base}_{n}"
    taken[var] = name
    return var


def secret_arg_refs(argv: list[str], taken: Optional[dict[str, str]] = None) -> tuple[list[str], list[tuple[str, str]]]:
    """A command whose arguments discovery masked, made to read each secret from the environment.

    ``["app", "--db.password=<masked>"]`` becomes ``["/bin/sh", "-c", "exec app '--db.password='\"${MTA_ARG_DB_PASSWORD}\""]``:
    a shell line where each masked value is a quoted variable reference, filled at start from a
    Secret (Kubernetes secretKeyRef; compose secrets through the secrets shim). A ``/bin/sh -c``
    line gets the reference in place, quoted for where it stands. Returns (argv, [(VAR, option name)]);
    an argv without a masked value comes back unchanged."""
    taken = {} if taken is None else taken
    if not any(SECRET_MARKER in a for a in argv):
        return list(argv), []
    refs: list[tuple[str, str]] = []
    if len(argv) == 3 and argv[:2] == ["/bin/sh", "-c"]:
        return ["/bin/sh", "-c", _shell_refs(argv[2], taken, refs)], refs
    pieces = []
    for arg, names in zip(argv, marker_names(argv)):
        if not names:
            pieces.append(shlex.quote(arg))
            continue
        parts = arg.split(SECRET_MARKER)
        word = shlex.quote(parts[0]) if parts[0] else ""
        for name, part in zip(names, parts[1:]):
            var = _ref_name(name, taken)
            refs.append((var, name))
            word += f'"${{{var}}}"' + (shlex.quote(part) if part else "")
        pieces.append(word)
    return ["/bin/sh", "-c", "exec " + " ".join(pieces)], refs


def _shell_refs(text: str, taken: dict[str, str], refs: list) -> str:
    """Each marker in shell text -> ``${VAR}`` written for its quoting context (bare, in double or in
    single quotes). Names come from the shell words the marker stands in. A marker inside a nested
    ``sh -c '…'`` is expanded by the outer shell: right for values without quote characters."""
    words = _shell_words(text)
    names = marker_names(words)
    queue = [n for ns in names for n in ns]
    out, i, quote = [], 0, ""
    while i < len(text):
        if text.startswith(SECRET_MARKER, i):
            name = queue.pop(0) if queue else "secret"
            var = _ref_name(name, taken)
            refs.append((var, name))
            out.append({"": f'"${{{var}}}"', '"': f"${{{var}}}", "'": f"'\"${{{var}}}\"'"}[quote])
            i += len(SECRET_MARKER)
            continue
        c = text[i]
        if quote == "'" and c == "'":
            quote = ""
        elif quote == '"' and c == '"':
            quote = ""
        elif not quote and c in "'\"":
            quote = c
        elif c == "\\" and quote != "'" and i + 1 < len(text):
            out.append(text[i:i + 2])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _shell_words(text: str) -> list[str]:
    try:
        lex = shlex.shlex(text, posix=True, punctuation_chars=";&|<>()")
        lex.whitespace_split = True
        return list(lex)
    except ValueError:
        return text.split()


def arg_secret_values(argv: list[str]) -> dict[str, str]:
    """{MTA_ARG_* name: value} for the secret arguments of a live command line, named as the plan
    names them (``secret_arg_refs`` on the masked argv): what ``--with-secret-values`` writes."""
    masked, found = mask_argv(argv)
    _, refs = secret_arg_refs(masked)
    return {var: value for (var, _), (_, value) in zip(refs, found)}
