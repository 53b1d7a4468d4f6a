"""``mta discover TARGET... -o OUT`` and ``mta discover --local -o OUT``.

Writes ``OUT/hosts/<host>/discovery.yaml`` per target, atomically. Targets
run concurrently; one failing target is reported and the others go on.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import click

from ..discover.script import probe_script, run_probe
from ..errors import InputError, MtaError, PartialFailure
from ..transport import SudoNeedsPassword, TransportError, ssh_transport
from ..transport.local import LocalTransport
from .options import COMMAND_TIMEOUT, CONNECT_TIMEOUT, connect_options, option, out_option

if TYPE_CHECKING:
    from ..model import ConnectOptions, HostFacts

_prompt_lock = threading.Lock()


def target_host(target: str) -> str:
    """The host part of ``[user@]host[:port]`` (or the alias)."""
    from ..transport.ssh_target import parse_target  # lazy: CLI start (paramiko)

    return parse_target(target)[1]


# -- how to reach a target (options from mta.commands.options) -------------------


@dataclass
class SSHSettings:
    identity: Optional[str] = None
    port: Optional[int] = None
    user: Optional[str] = None
    sudo: bool = False
    jump: Optional[str] = None
    accept_new_host_key: bool = False
    password: Optional[str] = None
    use_agent: bool = True
    connect_timeout: float = CONNECT_TIMEOUT
    timeout: float = COMMAND_TIMEOUT
    known_hosts: Optional[str] = None

    @classmethod
    def from_options(cls, opts: dict) -> "SSHSettings":
        password = None
        if opts.get("password_prompt") and not os.environ.get("MTA_SSH_PASSWORD"):
            password = click.prompt("SSH password", hide_input=True, default="", show_default=False,
                                    err=True) or None
        return cls(
            identity=opts.get("identity"),
            port=opts.get("port"),
            user=opts.get("user"),
            sudo=bool(opts.get("sudo")),
            jump=opts.get("jump"),
            accept_new_host_key=bool(opts.get("accept_new_host_key")),
            password=password,
            use_agent=not opts.get("no_agent"),
            connect_timeout=opts.get("connect_timeout") or CONNECT_TIMEOUT,
            timeout=opts.get("timeout") or COMMAND_TIMEOUT,
            known_hosts=opts.get("known_hosts") or None,
        )

    def effective_target(self, target: str) -> str:
        """``target`` with -u/-p folded in (a target's own user/port win)."""
        from ..transport.ssh_target import parse_target  # lazy: CLI start (paramiko)

        user, host, port = parse_target(target)
        user = user or self.user
        port = port or self.port
        host_part = f"[{host}]" if ":" in host else host
        return (f"{user}@" if user else "") + host_part + (f":{port}" if port else "")

    def connect_options(self, target: str, sudo: Optional[bool] = None) -> ConnectOptions:
        """What discovery.yaml records so ``mta extract`` connects the same way
        (the target keeps its own user/port; never a password)."""
        from ..transport.ssh_target import parse_target  # lazy: CLI start (paramiko)

        from ..model import ConnectOptions  # lazy: CLI start (pydantic: loaded while the probes run)

        user, _host, port = parse_target(target)
        key = os.path.abspath(os.path.expanduser(self.identity)) if self.identity else ""
        return ConnectOptions(user=user or self.user or "", port=port or self.port, key=key,
                              jump=self.jump or "", sudo=self.sudo if sudo is None else sudo)

    def transport(self, target: str, name: Optional[str] = None):
        """An SSHTransport for ``target`` (connects on first use)."""
        return ssh_transport(
            target, user=self.user, port=self.port, jump=self.jump, key=self.identity, known_hosts=self.known_hosts,
            password=self.password, passphrase=_ask_secret, use_agent=self.use_agent, sudo=self.sudo,
            connect_timeout=self.connect_timeout, command_timeout=self.timeout,
            accept_new_host_key=self.accept_new_host_key, name=name,
        )


def _ask_secret(prompt: str) -> Optional[str]:
    """Prompt on the terminal, one thread at a time; None when not interactive."""
    try:
        if not os.isatty(0):
            return None
    except OSError:
        return None
    with _prompt_lock:
        return click.prompt(prompt.rstrip(": "), hide_input=True, default="", show_default=False, err=True) or None


# -- discovery -----------------------------------------------------------------------


def discover_over_ssh(transport, *, host: Optional[str] = None, sudo: bool, sample_seconds: float,
                      timeout: float, target: str = "", http_checks: bool = True,
                      connect: Optional[ConnectOptions] = None) -> HostFacts:
    """Discover one host; when sudo is refused, fall back to an unprivileged run
    and record what that hides.

    The probe runs first: its module needs only the standard library, so the
    parsers, models and detectors (``discover.collect``, a third of a second to
    import) load while the host works; ``command`` imports them meanwhile."""
    script = probe_script(sample_seconds=sample_seconds, http_checks=http_checks)
    refused: Optional[SudoNeedsPassword] = None
    try:
        out = run_probe(transport, script, sudo=sudo, timeout=timeout + max(0.0, sample_seconds))
    except SudoNeedsPassword as exc:
        refused, sudo, transport.sudo = exc, False, False
        out = run_probe(transport, script, sudo=False, timeout=timeout + max(0.0, sample_seconds))
    from ..discover.collect import discover  # lazy: CLI start (parsers, models, detectors: loaded while the probe ran)
    from ..model import ProbeError  # lazy: CLI start (pydantic)

    facts = discover(transport, host=host, sudo=sudo, sample_seconds=sample_seconds, timeout=timeout,
                     http_checks=http_checks, probe_output=out)
    if refused is not None:
        facts.errors.append(ProbeError(section="sudo", message=f"{refused.message} ({refused.hint})"
                                       if refused.hint else refused.message))
        facts.not_visible.append(
            "sudo was refused, ran unprivileged: processes, sockets, environments and files of other users "
            "may be missing"
        )
    facts.collector = "ssh"
    if target:
        facts.target = target  # so ``mta extract`` can reach it again without options
    endpoint = getattr(transport, "endpoint", None)
    if not facts.address:
        facts.address = getattr(endpoint, "hostname", "")
    facts.fingerprint.ssh_host_key = getattr(transport, "host_key_fingerprint", "") or ""
    if connect is not None:
        facts.connect = connect
    return facts


def write_discovery(out: Path, facts: HostFacts, fallback: str = "") -> Path:
    """OUT/hosts/<folder>/discovery.yaml, the folder named after the host's own
    hostname (``fallback``, the target's host, when it has none); a different
    machine already there keeps its folder and this one gets ``<name>-<tag>``."""
    from ..io import save_host  # lazy: CLI start (pydantic, yaml)
    from ..model.identity import own_name  # lazy: CLI start (pydantic)

    return save_host(out, facts, name=own_name(facts, fallback))


def summary_line(facts: HostFacts) -> str:
    ports = sorted({s.port for s in facts.sockets})
    shown = ", ".join(str(p) for p in ports[:12]) + (" …" if len(ports) > 12 else "")
    os_name = facts.os.pretty_name or facts.os.id
    parts = [
        os_name,
        f"{len(facts.processes)} processes",
        f"{len(facts.services)} services",
        f"{len(facts.packages)} packages",
        f"listening: {shown or 'none'}",
    ]
    if facts.errors:
        parts.append(f"{len(facts.errors)} probe errors")
    return "; ".join(parts)


def values_path(base: Path, host: str, many: bool) -> Path:
    """Where one host's secret values go: FILE itself, or FILE with -<host> before
    its suffix when several hosts share one option."""
    if not many:
        return base
    return base.with_name(f"{base.stem}-{host}{base.suffix}")


def export_secret_values(transport, facts: HostFacts, path: Path, out: Path) -> Path:
    """--with-secret-values: the real values, re-read from the live host, into a 0600 file outside OUT."""
    from ..security.secret_values import export  # lazy: CLI start (the pipeline: --with-secret-values only)

    return export(transport, facts, None, path, out)


def _note(text: str) -> None:
    """A progress line on stderr (plain click: rich costs a tenth of a second of start-up)."""
    click.echo(text, err=True)


def _fail_text(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, MtaError):
        return exc.message, exc.hint
    return f"internal error: {type(exc).__name__}: {exc}", "re-run with --traceback and report it"


@click.command("discover")
@click.argument("targets", nargs=-1)
@click.option("--local", is_flag=True, help="Discover this machine instead of SSH targets.")
@out_option(help="Output directory (OUT/hosts/<host>/discovery.yaml).")
@option("sample_seconds")
@option("parallel", help="Targets discovered at once.")
@click.option("--no-http-checks", "no_http_checks", is_flag=True,
              help="Do not send GET / to listening ports (nothing appears in the apps' access logs).")
@click.option("--with-secret-values", "secret_values", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="Also write the secrets' real values (mode 0600) to FILE, outside OUT; "
                                   "several targets get FILE-<host>.")
@connect_options()
@click.pass_context
def command(ctx: click.Context, targets: tuple[str, ...], local: bool, out: Path, sample_seconds: float,
            parallel: int, no_http_checks: bool, secret_values: Optional[Path], **ssh: object) -> None:
    """Collect facts about hosts (read-only) into OUT/hosts/<host>/discovery.yaml.

    TARGET is [user@]host[:port] or a Host alias from ~/.ssh/config.
    """
    show_tb = bool((ctx.obj or {}).get("traceback"))
    if local and targets:
        raise click.UsageError("give TARGETs or --local, not both")
    if not local and not targets:
        raise click.UsageError("give at least one TARGET, or --local")
    if secret_values:
        from ..security.secret_values import check_path  # lazy: CLI start (the pipeline: --with-secret-values only)

        check_path(secret_values, out)  # before anything connects

    if local:
        from ..discover.local import discover_local  # lazy: CLI start (psutil: this machine only)
        from ..model.identity import folder_name  # lazy: CLI start (pydantic)

        t0 = time.monotonic()
        _note("discovering this machine …")
        own = socket.gethostname()
        facts = discover_local(host=folder_name(own), sudo=bool(ssh.get("sudo")),
                               sample_seconds=sample_seconds, http_checks=not no_http_checks)
        path = write_discovery(out, facts, fallback=own)
        click.echo(f"{click.style(facts.host, bold=True)}: {summary_line(facts)} "
                   f"({time.monotonic() - t0:.1f}s) -> {path.parent}")
        if secret_values:
            local_transport = LocalTransport(facts.host)
            try:
                written = export_secret_values(local_transport, facts, secret_values, out)
            finally:
                local_transport.close()
            click.echo(f"secret values (mode 0600, keep private) -> {written}")
        return

    settings = SSHSettings.from_options(ssh)
    for t in targets:
        target_host(t)  # bad syntax fails before anything connects

    def one(target: str) -> tuple[str, Optional[HostFacts], Optional[BaseException], float, Optional[Path]]:
        t0 = time.monotonic()
        _note(f"{target}: connecting …")
        transport = None
        try:
            transport = settings.transport(target, name=target)
            facts = discover_over_ssh(transport, sudo=settings.sudo, sample_seconds=sample_seconds,
                                      timeout=settings.timeout, target=settings.effective_target(target),
                                      http_checks=not no_http_checks)
            facts.connect = settings.connect_options(target, sudo=settings.sudo and transport.sudo)
            path = write_discovery(out, facts, fallback=target_host(target))
            _note(f"{target}: {facts.os.hostname or '?'} -> {path.parent}")
            if secret_values:
                written = export_secret_values(transport, facts, values_path(secret_values, facts.host,
                                                                             len(targets) > 1), out)
                _note(f"{facts.host}: secret values (mode 0600, keep private) -> {written}")
            return target, facts, None, time.monotonic() - t0, path.parent
        except BaseException as exc:  # noqa: BLE001 - one host never stops the others
            if show_tb and not isinstance(exc, MtaError):
                raise
            return target, None, exc, time.monotonic() - t0, None
        finally:
            if transport is not None:
                transport.close()

    with ThreadPoolExecutor(max_workers=min(parallel, len(targets))) as pool:
        futures = [pool.submit(one, t) for t in targets]
        # while the hosts connect and probe: what parsing their output needs
        from ..discover.collect import warm_up  # lazy: CLI start (parsers, models, detectors)
        from ..io import save_host  # noqa: F401  # lazy: CLI start (yaml: the writer, loaded while the probes run)

        warm_up()
        results = [f.result() for f in futures]

    failed = []
    for target, facts, exc, took, folder in results:
        if facts is not None:
            click.echo(f"{click.style(facts.host, bold=True)} ({target}): {summary_line(facts)} "
                       f"({took:.1f}s) -> {folder}")
        else:
            failed.append((target, exc))
            if len(targets) > 1:
                msg, hint = _fail_text(exc)
                click.echo(f"mta: error: {msg}", err=True)
                if hint:
                    click.echo(f"hint: {hint}", err=True)
    if not failed:
        return
    if len(targets) == 1:
        exc = failed[0][1]
        if isinstance(exc, MtaError):
            raise exc
        raise MtaError(*_fail_text(exc))
    if len(failed) == len(targets):
        raise MtaError(f"all {len(targets)} targets failed", hint="see the errors above")
    raise PartialFailure(f"{len(failed)} of {len(targets)} targets failed; the others were written to {out}")


__all__ = ["command", "SSHSettings", "discover_over_ssh", "write_discovery",
           "InputError", "TransportError"]
