"""SSHTransport: one paramiko connection to a VM, reused for every call.

Host keys are verified (see ``hostkeys``); every socket or protocol failure
becomes one of the typed errors in ``base`` with a one-line message, so a
batch can record it and go on.
"""

from __future__ import annotations

import collections
import logging
import os
import socket
import threading
import time
from typing import BinaryIO, Callable, Optional, Sequence

from .paramiko_lazy import paramiko
from paramiko.buffered_pipe import BufferedPipe, PipeTimeout  # after paramiko_lazy: invoke deferred first

from .base import (
    AuthFailed,
    Command,
    CommandResult,
    CommandTimeout,
    ConnectionLost,
    ConnectionRefused,
    ConnectTimeout,
    ShellFiles,
    SudoNeedsPassword,
    TarResult,
    TransportError,
    Unreachable,
    as_root,
    to_shell,
)
from .hostkeys import KnownHosts, fingerprint, host_entry_name
from .ssh_target import Endpoint, load_ssh_config, resolve
from .tarcmd import member_list, tar_command

# paramiko logs a failed handshake from its reader thread (a traceback on stderr through
# logging's last-resort handler); the same failure reaches the caller as one TransportError
# with a hint, so the library's own log stays silent unless the application configures it.
logging.getLogger("paramiko").addHandler(logging.NullHandler())

SecretCallback = Callable[[str], Optional[str]]

DEFAULT_KEYS = ("~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa")

_SUDO_PASSWORD = (b"a password is required", b"a terminal is required", b"no tty present")
_SUDO_TTY = (b"must have a tty",)
_SUDO_MISSING = (b"sudo: not found", b"sudo: command not found")


def _legacy_algorithms(t: paramiko.Transport) -> None:
    """Also offer the SHA-1 kex and ssh-rsa host keys this paramiko still
    implements, last, so old VMs (CentOS 6, Ubuntu 14.04) can be reached."""
    opts = t.get_security_options()
    kex = list(opts.kex) + [k for k in paramiko.Transport._kex_info if k not in opts.kex]
    # host certificates are not checked against known_hosts here: never ask for them
    keys = list(opts.key_types) + [
        k for k in paramiko.Transport._key_info if k not in opts.key_types and "-cert-" not in k
    ]
    opts.kex = kex
    opts.key_types = keys


#: AES-GCM first when both sides have it: one AEAD pass per packet instead of
#: AES-CTR plus an HMAC object per packet (about half of paramiko's CPU on a bulk copy)
_AEAD_FIRST = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")
#: a bulk channel (tar stream, dump): a 16 MiB window and 256 KiB packets, so a
#: fast link is not held back by window adjustments and per-packet work
BULK_WINDOW = 16 << 20
BULK_PACKET = 256 << 10


class _Pieces:
    """A bulk channel's received data, as the pieces it came in."""

    __slots__ = ("parts", "size")

    def __init__(self) -> None:
        self.parts: collections.deque = collections.deque()
        self.size = 0

    def __len__(self) -> int:
        return self.size


class _PiecesPipe(BufferedPipe):
    """paramiko's channel buffer, keeping the pieces as received: its own keeps
    an array, which copies every byte in and twice out (and moves what stays
    down on every partial read), a third of the CPU of a bulk copy. Same
    contract: ``feed`` from the transport's thread, ``read`` with a timeout."""

    def __init__(self) -> None:
        super().__init__()
        self._buffer = _Pieces()

    def _buffer_frombytes(self, data) -> None:
        self._buffer.parts.append(data)
        self._buffer.size += len(data)

    def _take(self, nbytes: Optional[int] = None) -> bytes:
        """Up to ``nbytes`` (all when None) from the front; the lock is held."""
        buf = self._buffer
        if nbytes is None or nbytes >= buf.size:
            out = b"".join(buf.parts) if len(buf.parts) != 1 else bytes(buf.parts[0])
            buf.parts.clear()
            buf.size = 0
            return out
        taken, size = [], 0
        while buf.parts and size + len(buf.parts[0]) <= nbytes:
            part = buf.parts.popleft()
            taken.append(part)
            size += len(part)
        if size < nbytes and buf.parts:  # the rest from a piece split in two
            part = buf.parts[0]
            cut = nbytes - size
            taken.append(part[:cut])
            buf.parts[0] = part[cut:]
            size = nbytes
        buf.size -= size
        return b"".join(taken)

    def _buffer_tobytes(self, limit=None) -> bytes:  # what empty() returns
        return self._take(limit)

    def read(self, nbytes, timeout=None):
        with self._lock:
            if not self._buffer.size:
                if self._closed:
                    return b""
                if timeout == 0.0:
                    raise PipeTimeout()
                while not self._buffer.size and not self._closed:
                    then = time.time()
                    self._cv.wait(timeout)
                    if timeout is not None:
                        timeout -= time.time() - then
                        if timeout <= 0.0:
                            raise PipeTimeout()
            out = self._take(nbytes)
            if not self._buffer.size and self._event is not None and not self._closed:
                self._event.clear()
            return out

    def empty(self):
        with self._lock:
            out = self._take()
            if self._event is not None and not self._closed:
                self._event.clear()
            return out


def _prefer_aead(t: paramiko.Transport) -> None:
    opts = t.get_security_options()
    ciphers = list(opts.ciphers)
    first = [c for c in _AEAD_FIRST if c in ciphers]
    opts.ciphers = first + [c for c in ciphers if c not in first]


def _supports_ssh_rsa() -> bool:
    return "ssh-rsa" in paramiko.Transport._key_info


class SSHTransport(ShellFiles):
    """A Transport over SSH. Connects on first use; ``close()`` ends it."""

    def __init__(
        self,
        target: str,
        *,
        port: Optional[int] = None,
        user: Optional[str] = None,
        key_filename: Optional[str] = None,
        passphrase: Optional[SecretCallback] = None,
        password: Optional[SecretCallback] = None,
        use_agent: bool = True,
        look_for_keys: bool = True,
        jump: Optional[str] = None,
        sudo: bool = False,
        connect_timeout: float = 10.0,
        banner_timeout: Optional[float] = None,
        auth_timeout: Optional[float] = None,
        command_timeout: float = 300.0,
        accept_new_host_key: bool = False,
        known_hosts: Optional[Sequence[str]] = None,
        ssh_config: Optional[str] = None,
        name: Optional[str] = None,
    ) -> None:
        self._config_path = ssh_config
        config = load_ssh_config(ssh_config)
        self.endpoint: Endpoint = resolve(target, user=user, port=port, config=config)
        self.name = name or self.endpoint.alias
        self.key_filename = os.path.expanduser(key_filename) if key_filename else None
        self._passphrase = passphrase
        self._password = password
        self.use_agent = use_agent
        self.look_for_keys = look_for_keys
        self.jump = jump if jump is not None else self.endpoint.proxy_jump
        #: default for read_files / tar_paths; discovery turns it off when sudo is refused
        self.sudo = sudo
        self.connect_timeout = connect_timeout
        self.banner_timeout = banner_timeout if banner_timeout is not None else connect_timeout
        self.auth_timeout = auth_timeout if auth_timeout is not None else max(connect_timeout, 15.0)
        self.command_timeout = command_timeout
        self.accept_new_host_key = accept_new_host_key
        self._known_files = known_hosts
        self.known_hosts = KnownHosts(known_hosts)
        #: exec channels opened: the cost that matters on a slow link
        self.round_trips = 0
        self.bytes_received = 0
        self._t: Optional[paramiko.Transport] = None
        self._jump: Optional[SSHTransport] = None
        self._lock = threading.Lock()
        self._rsa_sha1 = False
        #: the socket and transport of a connect in progress, for abort()
        self._pending: list = []
        self._aborted = False
        self.host_key_fingerprint = ""

    # -- connection ---------------------------------------------------------------

    @property
    def label(self) -> str:
        ep = self.endpoint
        return f"{ep.alias}:{ep.port}" if ep.port != 22 else ep.alias

    @property
    def remote_is_root(self) -> bool:
        return self.endpoint.user == "root"

    def connect(self) -> "SSHTransport":
        """Open, verify and authenticate the connection (idempotent)."""
        with self._lock:
            if self._t is not None and self._t.is_active():
                return self
            try:
                self._t = self._connect_once()
            except AuthFailed as exc:
                if not getattr(exc, "rsa_tried", False) or self._rsa_sha1 or not _supports_ssh_rsa():
                    raise
                # Old sshd without server-sig-algs rejects rsa-sha2 signatures; retry with SHA-1.
                self._rsa_sha1 = True
                self._t = self._connect_once()
        return self

    def abort(self) -> None:
        """Stop a connect in progress from another thread (Ctrl-C, a deadline):
        its socket is closed, so the handshake fails now instead of at its
        timeout. Unlike close(), it does not wait for the connect's lock.
        The connect then always raises ConnectionLost("... connect aborted"),
        whatever stage the close interrupted, and so does every later one."""
        self._aborted = True
        jump = self._jump
        if jump is not None:
            jump.abort()
        for obj in list(self._pending):
            _close_quietly(obj)

    def _aborted_error(self) -> ConnectionLost:
        return ConnectionLost(f"{self.label}: connect aborted")

    def _connect_once(self) -> paramiko.Transport:
        """One attempt; after abort() whatever it raised, or even a success
        that raced with it, becomes the one typed error of an aborted connect
        (closing the socket under paramiko surfaces as a banner timeout, an
        EOF, a bad file descriptor or "Negotiation failed", by timing)."""
        try:
            t = self._connect_attempt()
        except Exception:
            if self._aborted:
                raise self._aborted_error() from None
            raise
        if self._aborted:
            _close_quietly(t)
            raise self._aborted_error()
        return t

    def _connect_attempt(self) -> paramiko.Transport:
        ep = self.endpoint
        if self._aborted:
            raise self._aborted_error()
        sock = self._open_socket()
        self._pending = [sock]
        if self._aborted:  # aborted while the TCP connect was under way
            _close_quietly(sock)
            raise self._aborted_error()
        disabled = {"pubkeys": ["rsa-sha2-512", "rsa-sha2-256"]} if self._rsa_sha1 else None
        try:
            t = paramiko.Transport(sock, disabled_algorithms=disabled)
        except Exception as exc:
            _close_quietly(sock)
            raise ConnectionLost(f"{self.label}: cannot start SSH ({exc})") from None
        self._pending = [t, sock]
        t.banner_timeout = self.banner_timeout
        t.handshake_timeout = self.connect_timeout + self.banner_timeout
        t.auth_timeout = self.auth_timeout
        _legacy_algorithms(t)
        _prefer_aead(t)
        names = [host_entry_name(ep.hostname, ep.port)]
        if ep.alias != ep.hostname:
            names.append(host_entry_name(ep.alias, ep.port))
        known_types = self.known_hosts.key_types(names)
        if known_types:
            # Ask for a key type we already know, as OpenSSH does, so a known
            # host never looks "unknown" just because another type was negotiated.
            opts = t.get_security_options()
            preferred = [k for k in known_types if k in opts.key_types]
            opts.key_types = preferred + [k for k in opts.key_types if k not in preferred]
        try:
            started = time.monotonic()
            try:
                t.start_client(timeout=self.connect_timeout + self.banner_timeout)
            except (paramiko.SSHException, EOFError, OSError) as exc:
                raise self._handshake_error(exc, time.monotonic() - started) from None
            server_key = t.get_remote_server_key()
            self.known_hosts.verify(names, server_key, accept_new=self.accept_new_host_key)
            #: the verified host key: part of the machine's identity (mta.model.identity)
            self.host_key_fingerprint = fingerprint(server_key)
            self._authenticate(t)
            t.set_keepalive(15)  # a dead VM surfaces as ConnectionLost, not a hang
        except BaseException:
            t.close()
            raise
        finally:
            self._pending = []
        return t

    def _handshake_error(self, exc: BaseException, waited: float = 0.0) -> TransportError:
        text = str(exc) or type(exc).__name__
        low = text.lower()
        if "banner" in low and ("reset" in low or waited < self.banner_timeout * 0.8):
            return ConnectionLost(
                f"{self.label}: the server closed the connection before its SSH banner",
                hint="is that port an SSH server? check the port; else the server refuses us "
                     "(MaxStartups, tcp wrappers, a firewall)",
            )
        if "banner" in low:
            return ConnectTimeout(
                f"{self.label}: no SSH banner within {self.banner_timeout:g}s",
                hint=("is an SSH server listening on that port? check the port, or raise --connect-timeout "
                      "(batch: --deadline)"),
            )
        if "timed out" in low or isinstance(exc, socket.timeout):
            return ConnectTimeout(f"{self.label}: SSH negotiation timed out",
                                  hint="raise --connect-timeout (batch: --deadline)")
        if "incompatible" in low or "no acceptable" in low or "no match" in low:
            sha1 = "" if _supports_ssh_rsa() else (
                f"; paramiko {paramiko.__version__} no longer speaks ssh-rsa/SHA-1 kex: "
                "install 'paramiko>=3.4,<5' for very old servers"
            )
            return TransportError(
                f"{self.label}: no SSH algorithm in common ({text})",
                hint="the server only offers algorithms mta cannot use" + sha1,
            )
        if isinstance(exc, (EOFError, ConnectionResetError)) or "reset" in low or "eof" in low:
            return ConnectionLost(
                f"{self.label}: connection closed during the SSH handshake",
                hint="the server dropped us: check MaxStartups, tcp wrappers or a firewall",
            )
        return ConnectionLost(f"{self.label}: SSH handshake failed ({text})")

    def _open_socket(self):
        ep = self.endpoint
        if self.jump:
            return self._open_jump_channel()
        if ep.proxy_command:
            try:
                return paramiko.ProxyCommand(ep.proxy_command)
            except Exception as exc:
                raise Unreachable(f"{self.label}: ProxyCommand failed: {exc}") from None
        try:
            sock = socket.create_connection((ep.hostname, ep.port), timeout=self.connect_timeout)
        except socket.gaierror as exc:
            raise Unreachable(
                f"{self.label}: cannot resolve {ep.hostname} ({exc.strerror or exc})",
                hint="check the name, /etc/hosts or ~/.ssh/config",
            ) from None
        except ConnectionRefusedError:
            raise ConnectionRefused(
                f"{self.label}: connection refused", hint="is sshd running and is the port right (-p)?"
            ) from None
        except (socket.timeout, TimeoutError):
            raise ConnectTimeout(
                f"{self.label}: no answer within {self.connect_timeout:g}s",
                hint="a firewall may drop packets; check the address or use --jump through a bastion",
            ) from None
        except OSError as exc:
            raise Unreachable(f"{self.label}: {exc.strerror or exc}", hint="check the address and routes") from None
        sock.settimeout(None)
        # Without TCP_NODELAY each request after a small write waits for the
        # server's delayed ACK (40 ms on Linux) under Nagle: every exec's channel
        # open cost 45 ms instead of 0.4 ms on loopback. SSH packets are whole
        # messages, so nothing is gained by holding them back (OpenSSH sets it too).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _open_jump_channel(self):
        ep = self.endpoint
        if self._jump is not None:  # a retry: the old tunnel is of no use
            self._jump.close()
            self._jump = None
        first, _, rest = self.jump.partition(",")
        bastion = SSHTransport(
            first,
            key_filename=self.key_filename,
            passphrase=self._passphrase,
            password=self._password,
            use_agent=self.use_agent,
            look_for_keys=self.look_for_keys,
            jump=rest,
            connect_timeout=self.connect_timeout,
            banner_timeout=self.banner_timeout,
            auth_timeout=self.auth_timeout,
            accept_new_host_key=self.accept_new_host_key,
            known_hosts=self._known_files,
            ssh_config=self._config_path,
        )
        self._jump = bastion  # so abort() reaches the bastion's connect too
        if self._aborted:
            bastion.abort()
        try:
            bastion.connect()
        except TransportError as exc:
            self._jump = None
            bastion.close()
            raise type(exc)(f"jump host {exc.message}", exc.hint) from None
        try:
            return bastion._t.open_channel(
                "direct-tcpip", (ep.hostname, ep.port), ("127.0.0.1", 0), timeout=self.connect_timeout
            )
        except paramiko.ChannelException as exc:
            bastion.close()
            self._jump = None
            if exc.code == 2:
                raise ConnectionRefused(
                    f"{self.label}: jump host {bastion.label} could not connect ({exc.text})",
                    hint="check the address as the bastion sees it",
                ) from None
            raise Unreachable(f"{self.label}: jump host {bastion.label} refused to forward ({exc.text})",
                              hint="AllowTcpForwarding may be off on the bastion") from None
        except (paramiko.SSHException, EOFError, OSError) as exc:
            bastion.close()
            self._jump = None
            raise ConnectTimeout(f"{self.label}: no tunnel through {bastion.label} ({exc})") from None

    # -- authentication ----------------------------------------------------------

    def _secret(self, env: str, callback: Optional[SecretCallback], prompt: str) -> Optional[str]:
        value = os.environ.get(env)
        if value:
            return value
        if callback is not None:
            return callback(prompt)
        return None

    def _load_key(self, path: str) -> Optional[paramiko.PKey]:
        try:
            try:
                return paramiko.PKey.from_path(path)
            except TypeError as exc:  # cryptography's way of saying "encrypted"
                if "password" not in str(exc).lower():
                    raise
                raise paramiko.PasswordRequiredException(str(exc)) from None
        except paramiko.PasswordRequiredException:
            phrase = self._secret("MTA_SSH_KEY_PASSPHRASE", self._passphrase, f"Passphrase for {path}: ")
            if not phrase:
                raise AuthFailed(
                    f"{self.label}: key {path} is encrypted and no passphrase was given",
                    hint="set MTA_SSH_KEY_PASSPHRASE, or load the key into ssh-agent",
                ) from None
            try:
                return paramiko.PKey.from_path(path, phrase.encode())
            except (paramiko.SSHException, ValueError, TypeError):
                raise AuthFailed(f"{self.label}: wrong passphrase for {path}") from None
        except FileNotFoundError:
            raise AuthFailed(f"{self.label}: key file {path} not found") from None
        except (paramiko.SSHException, ValueError, OSError) as exc:
            raise AuthFailed(f"{self.label}: cannot read key {path} ({exc})") from None

    def _authenticate(self, t: paramiko.Transport) -> None:
        user = self.endpoint.user
        tried: list[str] = []
        allowed: Optional[list[str]] = None
        rsa_tried = False

        def try_key(key: paramiko.PKey, label: str) -> bool:
            nonlocal allowed, rsa_tried
            if allowed is not None and "publickey" not in allowed:
                return False
            tried.append(label)
            rsa_tried = rsa_tried or key.get_name() == "ssh-rsa"
            try:
                t.auth_publickey(user, key)
                return t.is_authenticated()
            except paramiko.BadAuthenticationType as exc:
                allowed = list(exc.allowed_types)
            except paramiko.AuthenticationException:
                pass
            except (paramiko.SSHException, EOFError, OSError) as exc:
                raise ConnectionLost(f"{self.label}: connection lost during authentication ({exc})") from None
            return False

        explicit = [self.key_filename] if self.key_filename else list(self.endpoint.identity_files)
        for path in explicit:
            if try_key(self._load_key(path), path):
                return
        if self.use_agent and os.environ.get("SSH_AUTH_SOCK"):
            try:
                agent_keys = paramiko.Agent().get_keys()
            except Exception:
                agent_keys = ()
            for key in agent_keys:
                if try_key(key, "agent key " + key.fingerprint):
                    return
        if not explicit and self.look_for_keys:
            for path in DEFAULT_KEYS:
                path = os.path.expanduser(path)
                if os.path.isfile(path):
                    try:
                        key = self._load_key(path)
                    except AuthFailed:
                        continue  # an encrypted default key without a passphrase: try others
                    if key is not None and try_key(key, path):
                        return
        if allowed is None or "password" in allowed or "keyboard-interactive" in allowed:
            pw = self._secret("MTA_SSH_PASSWORD", self._password, f"Password for {user}@{self.label}: ")
            if pw:
                tried.append("password")
                try:
                    t.auth_password(user, pw)
                    if t.is_authenticated():
                        return
                except paramiko.BadAuthenticationType as exc:
                    allowed = list(exc.allowed_types)
                except paramiko.AuthenticationException:
                    pass
                except (paramiko.SSHException, EOFError, OSError) as exc:
                    raise ConnectionLost(f"{self.label}: connection lost during authentication ({exc})") from None
        what = ", ".join(tried) if tried else "no key or password available"
        err = AuthFailed(
            f"{self.label}: authentication failed for {user} (tried {what})",
            hint="pass -i KEY, load the key into ssh-agent, set MTA_SSH_PASSWORD or use --password-prompt; "
            "check the user (-u)",
        )
        # Old servers, and new ones told to accept only ssh-rsa, refuse the rsa-sha2
        # signature paramiko picks (server-sig-algs may list it anyway): connect() retries with SHA-1.
        err.rsa_tried = rsa_tried
        raise err

    # -- commands ----------------------------------------------------------------

    def _transport(self) -> paramiko.Transport:
        self.connect()
        assert self._t is not None
        return self._t

    def _wrap_sudo(self, line: str, sudo: bool) -> str:
        return as_root(line) if sudo and not self.remote_is_root else line

    def _check_sudo(self, res: CommandResult) -> None:
        err = res.stderr.lower()
        first = err.lstrip()[:400]
        if res.exit_status == 127 and any(m in err for m in _SUDO_MISSING):
            raise SudoNeedsPassword(
                f"{self.label}: sudo is not installed", hint="run as root (-u root) or without --sudo"
            )
        if not first.startswith(b"sudo:"):
            return
        if any(m in first for m in _SUDO_TTY):
            raise SudoNeedsPassword(
                f"{self.label}: sudo requires a tty (Defaults requiretty)",
                hint=f"add 'Defaults:{self.endpoint.user} !requiretty' and a NOPASSWD rule in /etc/sudoers.d/, "
                "or run without --sudo",
            )
        if any(m in first for m in _SUDO_PASSWORD):
            raise SudoNeedsPassword(
                f"{self.label}: sudo asks {self.endpoint.user} for a password",
                hint=f"add '{self.endpoint.user} ALL=(root) NOPASSWD: ALL' (or a narrower rule) in /etc/sudoers.d/, "
                "or run without --sudo (less is visible)",
            )
        if b"not in the sudoers" in first or b"not allowed to" in first:
            raise SudoNeedsPassword(
                f"{self.label}: {self.endpoint.user} may not use sudo", hint="run without --sudo or as root"
            )

    def _open(self, line: str, bulk: bool = False) -> paramiko.Channel:
        t = self._transport()
        try:
            if bulk:
                chan = t.open_session(timeout=self.connect_timeout, window_size=BULK_WINDOW,
                                      max_packet_size=BULK_PACKET)
                if type(chan.in_buffer) is BufferedPipe:  # nothing has arrived yet: no exec sent
                    chan.in_buffer = _PiecesPipe()
            else:
                chan = t.open_session(timeout=self.connect_timeout)
            chan.exec_command(line)
        except (paramiko.SSHException, EOFError, OSError) as exc:
            raise ConnectionLost(f"{self.label}: connection lost ({exc or 'channel refused'})") from None
        self.round_trips += 1
        return chan

    def _lost_or_none(self, chan: paramiko.Channel) -> None:
        t = self._t
        # The transport thread records its failure before it closes our channel.
        dead = t is None or not t.is_active() or isinstance(t.saved_exception, (EOFError, OSError))
        # paramiko marks the status "ready" (-1) when it tears the channel down.
        no_status = not chan.exit_status_ready() or chan.exit_status < 0
        if no_status and dead:
            raise ConnectionLost(
                f"{self.label}: connection lost while a command ran", hint="check the network or the VM, then retry"
            )

    def _pump(self, chan: paramiko.Channel, on_stdout: Callable[[bytes], bool], timeout: float,
              what: str = "command") -> tuple[bytes, int]:
        """Read a channel to its end: stdout to ``on_stdout`` (False stops
        reading), stderr collected by a helper thread. Blocking reads wake on
        data at once, so a round trip costs no polling delay."""
        err = bytearray()
        stop = threading.Event()

        def read_stderr() -> None:
            while not stop.is_set():
                try:
                    data = chan.recv_stderr(1 << 16)
                except socket.timeout:
                    continue
                except (OSError, EOFError, paramiko.SSHException):
                    return
                if not data:
                    return
                err.extend(data)

        chan.settimeout(0.25)
        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    # everything buffered at once: paramiko's buffer hands out a part by
                    # copying it and moving the rest down (a full 16 MiB window,
                    # read a MiB at a time, was copied over and over)
                    data = chan.recv(BULK_WINDOW)
                except socket.timeout:
                    data = None
                except (OSError, EOFError, paramiko.SSHException):
                    break
                if data == b"":
                    break
                if data is not None and not on_stdout(data):
                    return bytes(err), -2
                if time.monotonic() > deadline:
                    raise CommandTimeout(
                        f"{self.label}: {what} did not finish within {timeout:g}s",
                        hint="raise --timeout (batch: --deadline); the VM may be overloaded",
                    )
                if data is None and (self._t is None or not self._t.is_active()):
                    break
            # stdout is at its end; exit status and stderr follow right after
            chan.status_event.wait(max(0.0, min(deadline - time.monotonic(), 10.0)))
            reader.join(max(0.0, min(deadline - time.monotonic(), 5.0)))
            self._lost_or_none(chan)
            status = chan.exit_status if chan.exit_status_ready() else -1
            return bytes(err), status
        finally:
            stop.set()
            chan.close()
            reader.join(1)

    def run(
        self,
        command: Command,
        *,
        stdin: Optional[bytes] = None,
        timeout: Optional[float] = None,
        sudo: bool = False,
    ) -> CommandResult:
        timeout = self.command_timeout if timeout is None else timeout
        chan = self._open(self._wrap_sudo(to_shell(command), sudo))
        feeder = self._feed_stdin(chan, stdin)
        out = bytearray()

        def sink(data: bytes) -> bool:
            out.extend(data)
            return True

        try:
            err, status = self._pump(chan, sink, timeout)
        finally:
            if feeder is not None:
                feeder.join(timeout=1)
        self.bytes_received += len(out) + len(err)
        res = CommandResult(status, bytes(out), err)
        if sudo and not self.remote_is_root:
            self._check_sudo(res)
        return res

    def stream(
        self,
        command: Command,
        sink: Callable[[bytes], None],
        *,
        stdin: Optional[bytes] = None,
        timeout: Optional[float] = None,
        sudo: bool = False,
    ) -> CommandResult:
        """See ``Transport.stream``."""
        timeout = self.command_timeout if timeout is None else timeout
        chan = self._open(self._wrap_sudo(to_shell(command), sudo), bulk=True)
        feeder = self._feed_stdin(chan, stdin)
        got = 0

        def take(data: bytes) -> bool:
            nonlocal got
            got += len(data)
            sink(data)
            return True

        try:
            err, status = self._pump(chan, take, timeout, "streaming a command's output")
        finally:
            if feeder is not None:
                feeder.join(timeout=1)
        self.bytes_received += got + len(err)
        res = CommandResult(status, b"", err)
        if sudo and not self.remote_is_root:
            self._check_sudo(res)
        return res

    @staticmethod
    def _feed_stdin(chan: paramiko.Channel, data: Optional[bytes]) -> Optional[threading.Thread]:
        # A separate thread: the remote side may fill our receive window
        # before it has read all of its input.
        def feed() -> None:
            # Not sendall(): it gives up after the channel's read timeout
            # when the remote window is full, which would leave stdin open.
            view = memoryview(data or b"")
            try:
                while view:
                    try:
                        sent = chan.send(view[: 1 << 15])
                    except socket.timeout:
                        if chan.closed:
                            return
                        continue
                    if sent == 0:
                        return
                    view = view[sent:]
                chan.shutdown_write()
            except (OSError, EOFError, paramiko.SSHException):
                pass

        if not data:
            feed()
            return None
        th = threading.Thread(target=feed, daemon=True)
        th.start()
        return th

    def tar_paths(
        self,
        paths: Sequence[str],
        dest: BinaryIO,
        *,
        exclude: Sequence[str] = (),
        max_bytes: int = 512 << 20,
        sudo: Optional[bool] = None,
        timeout: Optional[float] = None,
        compress: bool = False,
        members: Optional[Sequence[str]] = None,
    ) -> TarResult:
        result = TarResult()
        if not paths if members is None else not members:
            return result
        use_sudo = self.sudo if sudo is None else sudo
        chan = self._open(self._wrap_sudo(tar_command(list(paths), exclude, compress, members is not None), use_sudo),
                          bulk=True)
        feeder = self._feed_stdin(chan, member_list(members) if members is not None else None)

        def sink(data: bytes) -> bool:
            if result.bytes_written + len(data) > max_bytes:
                result.truncated = True
                return False
            dest.write(data)
            result.bytes_written += len(data)
            return True

        try:
            err, status = self._pump(chan, sink, self.command_timeout if timeout is None else timeout, "copying files")
        finally:
            if feeder is not None:
                feeder.join(timeout=1)
        self.bytes_received += result.bytes_written + len(err)
        if use_sudo and not self.remote_is_root:
            self._check_sudo(CommandResult(status, b"", err))
        for line in err.decode("utf-8", "replace").splitlines():
            if line.strip():
                result.skipped.append(line.strip())
        return result

    def close(self) -> None:
        with self._lock:
            if self._t is not None:
                self._t.close()
                self._t = None
            if self._jump is not None:
                self._jump.close()
                self._jump = None

    def __enter__(self) -> "SSHTransport":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SSHTransport({self.endpoint.user}@{self.label})"


def _close_quietly(sock) -> None:
    try:
        sock.close()
    except Exception:
        pass
