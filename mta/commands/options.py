"""The one vocabulary of options shared by the commands that connect.

Every command that reaches a host (discover, extract, batch, wizard) takes
its connect options from here, so a name, a short form or a default cannot
drift between them; ``tests/test_cli_options.py`` walks every command's
options and fails when one does. Old spellings stay accepted (hidden) and
print one deprecation note.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Optional

import click

#: Hosts (discover targets, batch inventory entries) worked on at once.
DEFAULT_PARALLEL = 16
#: Least seconds CPU and memory are sampled when discovering. The sample
#: spans the probe's own run whatever this says (counters read first and
#: last), so 0 adds no wait; sysstat history is read instead when the host
#: keeps it. A live sample is a snapshot either way (the estimate's
#: confidence says "low" and names its length): a longer one is asked for,
#: never imposed.
SAMPLE_SECONDS = 0.0
#: Seconds for the TCP connect and the SSH banner.
CONNECT_TIMEOUT = 10.0
#: Seconds any one remote command may take.
COMMAND_TIMEOUT = 120.0

_noted: set[str] = set()


def deprecation_note(old: str, new: str) -> None:
    """Say once per run that ``old`` is spelled ``new`` now (on stderr)."""
    if old in _noted:
        return
    _noted.add(old)
    click.echo(f"mta: note: {old} is deprecated, use {new}", err=True)


def deprecation_note_text(note: str) -> None:
    """A deprecation found in a file (an inventory key), once per run."""
    if note in _noted:
        return
    _noted.add(note)
    click.echo(f"mta: note: {note}", err=True)


def flag_of(name: str) -> str:
    """The long flag of option ``name`` (``identity`` -> ``--identity``)."""
    decls = (CONNECT.get(name) or COMMON[name])[0]
    return next(d for d in decls if d.startswith("--"))


def _deprecated_alias(old: str, new: str, dest: str, **kw: Any) -> Callable:
    """A hidden option ``old`` feeding ``dest`` (the option spelled ``new``)."""

    def remember(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value not in (None, False, ()):
            deprecation_note(old, new)
            ctx.meta.setdefault("mta.deprecated", {})[dest] = value
        return value

    return click.option(old, f"_deprecated_{dest}", hidden=True, expose_value=False, callback=remember, **kw)


def _or_alias(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """The value given by a deprecated spelling when the current one was not given
    (click processes options given on the command line first)."""
    if value in (None, False, ()):
        return ctx.meta.get("mta.deprecated", {}).get(param.name, value)
    return value


#: name -> (declarations, click.option keywords). ``help`` may be replaced per command.
CONNECT: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "identity": (("-i", "--identity"), dict(metavar="KEY", help="Private key file.")),
    "user": (("-u", "--user"), dict(help="Remote user (default from the target, ssh config, you).")),
    "port": (("-p", "--port"), dict(type=click.IntRange(1, 65535),
                                    help="SSH port (default from the target, ssh config, 22).")),
    "sudo": (("--sudo",), dict(is_flag=True, help="Use 'sudo -n' on the host to see everything.")),
    "jump": (("--jump",), dict(metavar="HOST", help="Reach the host through this bastion ([user@]host[:port]).")),
    "accept_new_host_key": (("--accept-new-host-key",), dict(
        is_flag=True, callback=_or_alias,
        help="Trust and record a host key seen for the first time (a changed key is always an error).")),
    "known_hosts": (("--known-hosts",), dict(metavar="FILE", help="Also trust the host keys in this known_hosts file.")),
    "password_prompt": (("--password-prompt",), dict(is_flag=True,
                                                     help="Ask for an SSH password (or set MTA_SSH_PASSWORD).")),
    "no_agent": (("--no-agent",), dict(is_flag=True, help="Do not use ssh-agent keys.")),
    "connect_timeout": (("--connect-timeout",), dict(type=float, default=CONNECT_TIMEOUT, show_default=True,
                                                     help="Seconds to wait for TCP connect and the SSH banner.")),
    "timeout": (("--timeout",), dict(type=float, default=COMMAND_TIMEOUT, show_default=True,
                                     help="Seconds any one remote command may take.")),
}

#: Options of several commands that are not about connecting, same rule.
COMMON: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "parallel": (("-j", "--parallel"), dict(type=click.IntRange(1, 512), default=DEFAULT_PARALLEL,
                                            show_default=True, help="Hosts worked on at once.")),
    "sample_seconds": (("--sample-seconds",), dict(type=click.FloatRange(0, 600), default=SAMPLE_SECONDS,
                                                   show_default=True,
                                                   help="Sample CPU and memory for at least this long (0: over "
                                                        "the probe's own run, no wait; sysstat history is used "
                                                        "when the host keeps it).")),
}

#: Spellings still accepted: old flag -> option name it feeds.
DEPRECATED_FLAGS = {"--accept-new-host-keys": "accept_new_host_key"}

ALL_CONNECT = tuple(CONNECT)


def option(name: str, help: Optional[str] = None, **override: Any) -> Callable:
    """The click option ``name`` of the shared vocabulary (help text may differ)."""
    decls, kw = CONNECT[name] if name in CONNECT else COMMON[name]
    kw = dict(kw, **override)
    if help:
        kw["help"] = help
    return click.option(*decls, name, **kw)


def connect_options(*names: str, help: Optional[dict[str, str]] = None) -> Callable:
    """Decorator adding the connect options ``names`` (default: all) in one order."""
    chosen = names or ALL_CONNECT
    helps = help or {}

    def deco(func: Callable) -> Callable:
        for name in reversed(chosen):
            for old, dest in DEPRECATED_FLAGS.items():
                if dest == name:
                    func = _deprecated_alias(old, CONNECT[name][0][-1], dest, is_flag=True)(func)
            func = option(name, helps.get(name))(func)
        return func

    return deco


def out_option(required: bool = True, help: str = "Output directory (OUT/hosts/<host>/…).",
               **kw: Any) -> Callable:
    """``-o/--out DIR``, the one spelling of every command that writes a tree."""
    kw.setdefault("type", click.Path(file_okay=False, path_type=Path))

    def deco(func: Callable) -> Callable:
        func = _deprecated_alias("--output", "--out", "out", type=kw["type"])(func)
        cb = kw.pop("callback", None)

        def pick(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
            value = _or_alias(ctx, param, value)
            if value is None and required:
                raise click.MissingParameter(ctx=ctx, param=param)
            return cb(ctx, param, value) if cb else value

        return click.option("-o", "--out", "out", required=False, callback=pick, help=help,
                            show_default=kw.pop("show_default", "default" in kw), **kw)(func)

    return deco


__all__ = ["DEFAULT_PARALLEL", "SAMPLE_SECONDS", "CONNECT_TIMEOUT", "COMMAND_TIMEOUT", "CONNECT", "COMMON",
           "DEPRECATED_FLAGS", "connect_options", "option", "out_option", "deprecation_note",
           "deprecation_note_text", "flag_of"]
