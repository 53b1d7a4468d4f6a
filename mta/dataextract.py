"""``mta extract --data``: a consistent copy of each backing store, streamed
from the VM into ``OUT/hosts/<host>/data/<service>/``.

What "consistent" means per store:

- MySQL/MariaDB: ``mariadb-dump``/``mysqldump --single-transaction`` per
  user database (one InnoDB snapshot each; MyISAM tables are not locked), with
  routines, events and triggers, plus ``users.sql``: ``CREATE USER IF NOT
  EXISTS`` and ``GRANT`` for every non-system account, so the app's DB user
  exists after the restore (an account the image already made from its env
  keeps the password the container was given).
- PostgreSQL: ``pg_dump -Fc`` per database (an MVCC snapshot) as the postgres
  user, plus ``pg_dumpall --roles-only``; ``restore.sh`` loads them.
- Redis: ``BGSAVE``, wait until ``LASTSAVE`` moves, then the RDB named by
  ``CONFIG GET dir/dbfilename``. A ``requirepass`` is read from redis.conf on
  the VM into ``REDISCLI_AUTH``; it is never on a command line nor copied.
- RabbitMQ: ``rabbitmqctl export_definitions`` (users with their password
  hashes, vhosts, permissions, policies, exchanges, queues, bindings) as
  ``definitions.json``; messages in flight are not carried. The hashes make it
  a secret like the dumps: a 0600 file, never printed, never in an image.
- File data dirs of apps (planned data/uploads volumes): a tar of the
  directory while the app runs. That is only *quiesced* when nothing writes
  during the copy: mta does not stop the app, so a file that changed while it
  was read is reported; stop the service on the VM first for a quiesced copy.

Dumps stream to ``<file>.part`` (never held in memory), are renamed when
complete and recorded in ``data/manifest.json`` (bytes, sha256, seconds).
A file whose manifest entry matches is not taken again unless ``force``;
a ``.part`` left by an interrupted run is taken again. The directory is
0700 and the files 0600: they hold customer data.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shlex
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional

from .errors import MtaError
from .io import write_atomic
from .model import AppPlan, Plan
from .render.restore import (OVERRIDE, RABBITMQ_DEFINITIONS, data_stores, file_volumes, k8s_restore, render_override,
                             safe_name, safe_tar, store_kind)
from .transport import TransportError

MANIFEST = "manifest.json"
#: databases every server has; never dumped
MYSQL_SYSTEM_DBS = {"information_schema", "performance_schema", "mysql", "sys"}
MYSQL_SYSTEM_USERS = ("root", "mysql", "mariadb.sys", "mysql.sys", "mysql.session", "mysql.infoschema",
                      "debian-sys-maint", "")
#: a dump may take long; the SSH command timeout is for probes
DUMP_TIMEOUT = 6 * 3600.0

#: label, bytes so far, seconds so far, finished
Progress = Callable[[str, int, float, bool], None]


@dataclass
class DataFile:
    name: str  # under data/<store>/
    what: str  # "database guestbook", "RDB snapshot"
    bytes: int = 0
    sha256: str = ""
    seconds: float = 0.0
    taken: str = ""
    kept: bool = False  # found complete from an earlier run
    warning: str = ""


@dataclass
class StoreData:
    store: str  # compose service / app name
    kind: str  # mysql | postgres | redis | files
    files: list[DataFile] = field(default_factory=list)
    error: str = ""

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    @property
    def seconds(self) -> float:
        return round(sum(f.seconds for f in self.files if not f.kept), 2)


@dataclass
class DataReport:
    stores: list[StoreData] = field(default_factory=list)

    @property
    def failed(self) -> list[StoreData]:
        return [s for s in self.stores if s.error]


# -- commands run on the VM -------------------------------------------------

_MYSQL_ENV = (
    "C=; [ -r /etc/mysql/debian.cnf ] && C=--defaults-file=/etc/mysql/debian.cnf; "
    "if command -v mariadb-dump >/dev/null 2>&1; then D=mariadb-dump; M=mariadb; else D=mysqldump; M=mysql; fi; "
)


def mysql_list_command() -> str:
    return _MYSQL_ENV + '$M $C -N -B -e "SHOW DATABASES"'


def mysql_dump_command(db: str) -> str:
    return _MYSQL_ENV + ("$D $C --single-transaction --quick --routines --events --triggers --hex-blob "
                         "--databases " + shlex.quote(db))


def mysql_users_sql() -> bytes:
    """SQL (on stdin) that prints one 'SHOW ...' statement per non-system account."""
    names = ", ".join("'" + u.replace("'", "''") + "'" for u in MYSQL_SYSTEM_USERS)
    return (f"SELECT CONCAT('SHOW CREATE USER ', QUOTE(User), '@', QUOTE(Host), ';', "
            f"'SHOW GRANTS FOR ', QUOTE(User), '@', QUOTE(Host), ';') "
            f"FROM mysql.user WHERE User NOT IN ({names}) ORDER BY User, Host;\n").encode()


def mysql_users_command() -> str:
    # the statements the first query prints are run by a second client: -r keeps them raw
    return _MYSQL_ENV + "$M $C -N -B -r | $M $C -N -B -r"


_GRANT_AUTH = re.compile(
    r"\s+IDENTIFIED\s+(?:BY\s+PASSWORD\s+'[^']*'|BY\s+'[^']*'|(?:VIA|WITH)\s+\S+(?:\s+(?:USING|AS|BY)\s+'[^']*')?)",
    re.I)


_ACCOUNT = re.compile(r"(`(?:[^`]|``)*`|'(?:[^'\\]|\\.|'')*')@(`(?:[^`]|``)*`|'(?:[^'\\]|\\.|'')*')")
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
#: how an account proves who it is with a password (not unix_socket / no password at all)
_HAS_PASSWORD = re.compile(r"\sIDENTIFIED\s+(?:BY\s|(?:VIA|WITH)\s+(?:mysql_native_password|caching_sha2_password|"
                           r"sha256_password|ed25519)\s+(?:USING|AS|BY)\s)", re.I)


def _unquote(ident: str) -> str:
    q = ident[0]
    return ident[1:-1].replace(q + q, q)


def _remote_twins(stmts: list[str]) -> list[str]:
    """The same account @'%' for each password account that only exists on the VM's loopback
    ('localhost', 127.0.0.1, ::1): in a container topology the app's connection comes from
    another container. An account with no password or socket authentication is never widened,
    and a user the VM already has a non-local account for is left as the VM set it."""
    users: dict[str, set[str]] = {}
    for s in stmts:
        for m in _ACCOUNT.finditer(s):
            users.setdefault(_unquote(m.group(1)), set()).add(_unquote(m.group(2)))
    widen: dict[str, str] = {}  # user -> the local host whose account is copied
    for s in stmts:
        if not s.upper().startswith("CREATE USER ") or not _HAS_PASSWORD.search(s):
            continue
        m = _ACCOUNT.search(s)
        if not m:
            continue
        user, host = _unquote(m.group(1)), _unquote(m.group(2))
        if host in _LOCAL_HOSTS and all(h in _LOCAL_HOSTS for h in users[user]) and user not in widen:
            widen[user] = host
    out: list[str] = []
    for s in stmts:
        m = _ACCOUNT.search(s) if s.upper().startswith("CREATE USER ") else None
        if s.upper().startswith("GRANT "):
            m = next((x for x in _ACCOUNT.finditer(s) if " TO " in s[:x.start()].upper()), None)
        if m and widen.get(_unquote(m.group(1))) == _unquote(m.group(2)) and "PROXY ON" not in s.upper():
            out.append(s[:m.start(2)] + "'%'" + s[m.end(2):])
    return out


def users_sql(show_output: str) -> bytes:
    """CREATE USER IF NOT EXISTS / GRANT statements from SHOW CREATE USER / SHOW GRANTS rows."""
    out = ["-- accounts and grants from the VM, written by mta extract --data",
           "-- an account the image already created from its environment keeps its password"]
    stmts: list[str] = []
    for line in show_output.splitlines():
        line = line.strip().rstrip(";")
        if line.upper().startswith("CREATE USER ") and " IF NOT EXISTS " not in line.upper()[:30]:
            line = "CREATE USER IF NOT EXISTS " + line[len("CREATE USER "):]
        if line.upper().startswith("GRANT "):
            # GRANT ... IDENTIFIED BY would reset the password of an account the image made
            line = _GRANT_AUTH.sub("", line)
        if line.upper().startswith(("CREATE USER ", "GRANT ")):
            stmts.append(line)
    out += [s + ";" for s in stmts]
    remote = _remote_twins(stmts)
    if remote:
        out.append("-- the app now connects from another container, never from 'localhost': the VM's local "
                   "password accounts also get an account @'%' with the same password and grants")
        out += [s + ";" for s in remote]
    out.append("FLUSH PRIVILEGES;")
    return ("\n".join(out) + "\n").encode()


def _as_postgres(argv: list[str]) -> str:
    """Run argv as the postgres user with whatever the VM has: runuser, sudo or su."""
    words = " ".join(shlex.quote(a) for a in argv)
    return (f"cd / && if [ \"$(id -un)\" = postgres ]; then {words}; "
            f"elif command -v runuser >/dev/null 2>&1; then runuser -u postgres -- {words}; "
            f"elif command -v sudo >/dev/null 2>&1; then sudo -n -u postgres -- {words}; "
            f"else su -s /bin/sh postgres -c {shlex.quote(words)}; fi")


def postgres_list_command(port: int = 5432) -> str:
    return _as_postgres(["psql", "-X", "-At", "-p", str(int(port)), "-d", "postgres", "-c",
                         "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1"])


def postgres_dump_command(db: str, port: int = 5432) -> str:
    return _as_postgres(["pg_dump", "-Fc", "-p", str(int(port)), "-d", db])


def postgres_roles_command(port: int = 5432) -> str:
    return _as_postgres(["pg_dumpall", "--roles-only", "-p", str(int(port))])


def redis_dump_script(port: int, conf: str) -> bytes:
    """sh script (on stdin): BGSAVE, wait for LASTSAVE to move, print the RDB."""
    return f"""
conf={shlex.quote(conf)}
[ -r "$conf" ] || conf=/etc/redis/redis.conf
if [ -r "$conf" ]; then
    pw=$(sed -n 's/^[[:space:]]*requirepass[[:space:]][[:space:]]*//p' "$conf" | tail -n 1)
    pw=${{pw#\\"}}; pw=${{pw%\\"}}
    [ -n "$pw" ] && export REDISCLI_AUTH="$pw"
fi
r() {{ redis-cli -p {int(port)} --raw "$@"; }}
before=$(r LASTSAVE) || {{ echo "redis-cli cannot reach port {int(port)}" >&2; exit 3; }}
case $before in *[!0-9]*|'') echo "LASTSAVE answered: $before" >&2; exit 3 ;; esac
# LASTSAVE counts whole seconds: a save finishing in the second of the last one would not
# move it, so start the save in a later second (by the server's own clock)
j=0
while [ "$j" -lt 5 ] && [ "$(r TIME | sed -n 1p)" -le "$before" ]; do sleep 1; j=$((j + 1)); done
r BGSAVE >&2
i=0
while [ "$i" -lt 3600 ]; do
    now=$(r LASTSAVE)
    [ "$now" != "$before" ] && break
    sleep 1; i=$((i + 1))
done
[ "$now" != "$before" ] || {{ echo "BGSAVE did not finish within an hour" >&2; exit 4; }}
r INFO persistence | grep -q '^rdb_last_bgsave_status:ok' || {{ echo "BGSAVE failed (rdb_last_bgsave_status)" >&2; exit 4; }}
dir=$(r CONFIG GET dir 2>/dev/null | sed -n 2p)
file=$(r CONFIG GET dbfilename 2>/dev/null | sed -n 2p)
[ -n "$dir" ] || dir=/var/lib/redis
[ -n "$file" ] || file=dump.rdb
exec cat "$dir/$file"
""".encode()


def rabbitmq_definitions_command() -> str:
    # -q: only the JSON on stdout ("-"); Debian's wrapper runs it as the rabbitmq user
    return "rabbitmqctl -q export_definitions -"


def files_tar_command(path: str) -> str:
    # exit 1 = "file changed as we read it": the copy is complete but not quiesced
    return ("tar -C " + shlex.quote(path) + " --warning=no-file-changed -czf - . ; s=$?; "
            "[ $s -eq 1 ] && echo 'mta: files changed while they were read' >&2 && s=0; exit $s")


# -- taking the files ---------------------------------------------------------

def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _Writer:
    """A 0600 file written through ``.part``, hashed and counted as it streams."""

    def __init__(self, path: Path, label: str, progress: Optional[Progress], compress: bool) -> None:
        self.path, self.part = path, path.with_name(path.name + ".part")
        self.label, self.progress = label, progress
        fd = os.open(self.part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        self.raw = os.fdopen(fd, "wb")
        self.hash = hashlib.sha256()
        self.bytes = 0  # as received from the VM
        self.started = time.monotonic()
        self._last = 0.0
        self.gz = gzip.GzipFile(filename="", mode="wb", fileobj=self, mtime=0, compresslevel=6) if compress else None

    # file-like sink for GzipFile
    def write(self, data: bytes) -> int:
        self.raw.write(data)
        self.hash.update(data)
        return len(data)

    def flush(self) -> None:
        self.raw.flush()

    def take(self, data: bytes) -> None:
        self.bytes += len(data)
        (self.gz or self).write(data)
        now = time.monotonic()
        if self.progress is not None and now - self._last >= 0.5:
            self._last = now
            self.progress(self.label, self.bytes, now - self.started, False)

    def finish(self) -> tuple[str, int, float]:
        if self.gz is not None:
            self.gz.close()
        self.raw.flush()
        os.fsync(self.raw.fileno())
        self.raw.close()
        os.replace(self.part, self.path)
        secs = time.monotonic() - self.started
        if self.progress is not None:
            self.progress(self.label, self.bytes, secs, True)
        return self.hash.hexdigest(), self.path.stat().st_size, secs

    def abort(self) -> None:
        try:
            self.raw.close()
        except OSError:
            pass


class DataExtractor:
    """Takes the dumps of one host; ``run`` returns what it took and kept."""

    def __init__(self, transport, plan: Plan, host_dir: Path, *, force: bool = False, sudo: bool = False,
                 progress: Optional[Progress] = None) -> None:
        self.t, self.plan, self.force, self.sudo, self.progress = transport, plan, force, sudo, progress
        self.root = host_dir / "data"
        self.manifest_path = self.root / MANIFEST
        self.manifest = self._load_manifest()

    def _load_manifest(self) -> dict:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"schema_version": 1, "host": self.plan.host, "stores": {}}
        data.setdefault("stores", {})
        return data

    def _save_manifest(self) -> None:
        write_atomic(self.manifest_path, json.dumps(self.manifest, indent=2, sort_keys=True) + "\n", mode=0o600)

    def run(self, apps: Optional[list[str]] = None) -> DataReport:
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        write_atomic(self.root / ".gitignore", "# customer data taken by mta extract --data: never commit it\n*\n")
        report = DataReport()
        for app in data_stores(self.plan):
            if apps and app.name not in apps:
                continue
            store = StoreData(store=app.name, kind=store_kind(app))
            report.stores.append(store)
            try:
                self._store(app, store)
            except (TransportError, MtaError, OSError) as exc:
                store.error = str(exc)
        self.write_override()
        return report

    def write_override(self) -> Optional[Path]:
        """compose.override.yaml restoring every store the manifest holds complete files of."""
        stores: dict[str, dict] = {}
        for app in data_stores(self.plan):
            entry = self.manifest["stores"].get(app.name)
            if not entry or not entry.get("files"):
                continue
            info: dict = {"kind": entry["kind"]}
            if entry["kind"] == "files":
                info["volumes"] = [(safe_tar(v.name), v.name, v.path) for v in file_volumes(app)
                                   if safe_tar(v.name) in entry["files"]]
            stores[app.name] = info
        if not stores:
            return None
        path = self.root.parent / OVERRIDE
        write_atomic(path, render_override(self.plan, stores))
        if self.plan.targets.kubernetes:
            sizes = {n: sum(int(f.get("bytes", 0)) for f in self.manifest["stores"][n]["files"].values())
                     for n in stores}
            for rel, text in k8s_restore(self.plan, stores, sizes).items():
                write_atomic(self.root.parent / rel, text)
        return path

    def _store(self, app: AppPlan, store: StoreData) -> None:
        d = self.root / app.name
        d.mkdir(exist_ok=True)
        os.chmod(d, 0o700)
        entry = self.manifest["stores"].setdefault(app.name, {"kind": store.kind, "files": {}})
        entry["kind"] = store.kind
        if store.kind == "mysql":
            listed = self._run(mysql_list_command(), "list databases")
            dbs = [x for x in listed.split() if x and x not in MYSQL_SYSTEM_DBS]
            for db in dbs:
                self._take(store, entry, d, f"db-{safe_name(db)}.sql.gz", f"database {db}",
                           mysql_dump_command(db), compress=True)
            res = self._cmd(mysql_users_command(), mysql_users_sql(), "list accounts")
            self._write_small(store, entry, d, "users.sql", "accounts and grants", users_sql(res))
        elif store.kind == "postgres":
            port = next((p.port for p in app.expose or app.ports if p.protocol == "tcp"), 5432)
            listed = self._run(postgres_list_command(port), "list databases")
            dbs = [x for x in listed.splitlines() if x.strip() and x.strip() != "postgres"]
            for db in dbs:
                self._take(store, entry, d, f"db-{safe_name(db)}.dump", f"database {db}",
                           postgres_dump_command(db, port), compress=False)
            # not *.sql.gz: the image would run it before restore.sh could leave out its own roles
            self._take(store, entry, d, "roles.pgdumpall.gz", "roles", postgres_roles_command(port), compress=True)
            self._write_small(store, entry, d, "restore.sh", "loads the dumps on first start",
                              POSTGRES_RESTORE.encode(), mode=0o600)
        elif store.kind == "redis":
            port = next((p.port for p in app.expose or app.ports if p.protocol == "tcp"), 6379)
            conf = next((c for c in app.config_files if c.endswith(".conf")), "/etc/redis/redis.conf")
            self._take(store, entry, d, "dump.rdb", "RDB snapshot", "sh -s", compress=False,
                       stdin=redis_dump_script(port, conf))
        elif store.kind == "rabbitmq":
            self._take(store, entry, d, RABBITMQ_DEFINITIONS, "users, vhosts, permissions, queues (definitions)",
                       rabbitmq_definitions_command(), compress=False)
        elif store.kind == "files":
            for v in file_volumes(app):
                src = v.source_path or v.path
                self._take(store, entry, d, safe_tar(v.name), f"files of {src}",
                           files_tar_command(src), compress=False)
        keep = {f.name for f in store.files}
        entry["files"] = {k: v for k, v in entry["files"].items() if k in keep}
        self._save_manifest()

    def _cmd(self, command: str, stdin: Optional[bytes], what: str) -> str:
        res = self.t.run(command, stdin=stdin, timeout=600, sudo=self.sudo)
        if not res.ok:
            err = res.stderr.decode("utf-8", "replace").strip().splitlines()
            raise MtaError(f"{what} failed on the VM (exit {res.exit_status}): {err[-1] if err else 'no message'}",
                           hint="run extract as root on the VM (-u root) or with --sudo")
        return res.text

    def _run(self, command: str, what: str) -> str:
        return self._cmd(command, None, what)

    def _done(self, entry: dict, path: Path, name: str) -> Optional[DataFile]:
        """The manifest's record of ``name`` when the file on disk still matches it."""
        rec = entry["files"].get(name)
        if self.force or not rec or not path.is_file() or path.stat().st_size != rec.get("bytes"):
            return None
        if _sha256(path) != rec.get("sha256"):
            return None
        return DataFile(name=name, what=rec.get("what", ""), bytes=rec["bytes"], sha256=rec["sha256"],
                        seconds=rec.get("seconds", 0.0), taken=rec.get("taken", ""), kept=True,
                        warning=rec.get("warning", ""))

    def _record(self, store: StoreData, entry: dict, f: DataFile) -> None:
        store.files.append(f)
        rec = {k: v for k, v in asdict(f).items() if k not in ("name", "kept")}
        entry["files"][f.name] = rec
        self._save_manifest()  # durable after every file: an interrupted run resumes from here

    def _take(self, store: StoreData, entry: dict, d: Path, name: str, what: str, command: str, *,
              compress: bool, stdin: Optional[bytes] = None) -> None:
        path = d / name
        kept = self._done(entry, path, name)
        if kept is not None:
            store.files.append(kept)
            if self.progress is not None:
                self.progress(f"{store.store}/{name} (kept)", kept.bytes, 0.0, True)
            return
        w = _Writer(path, f"{store.store}/{name}", self.progress, compress)
        try:
            res = self.t.stream(command, w.take, stdin=stdin, timeout=DUMP_TIMEOUT, sudo=self.sudo)
        except BaseException:
            w.abort()
            raise
        err = res.stderr.decode("utf-8", "replace").strip().splitlines()
        if not res.ok:
            w.abort()
            raise MtaError(f"{what}: dump failed on the VM (exit {res.exit_status}): {err[-1] if err else ''}",
                           hint="the partial file stays as .part and is taken again on the next run")
        sha, size, secs = w.finish()
        warning = next((e for e in err if e.startswith("mta: ")), "")[5:]
        self._record(store, entry, DataFile(name=name, what=what, bytes=size, sha256=sha, seconds=round(secs, 2),
                                            taken=_now(), warning=warning))

    def _write_small(self, store: StoreData, entry: dict, d: Path, name: str, what: str, data: bytes,
                     mode: int = 0o600) -> None:
        path = d / name
        write_atomic(path, data, mode=mode)
        self._record(store, entry, DataFile(name=name, what=what, bytes=len(data),
                                            sha256=hashlib.sha256(data).hexdigest(), taken=_now()))


#: shipped beside the PostgreSQL dumps; the image's entrypoint sources it on an empty data dir
POSTGRES_RESTORE = r"""#!/bin/sh
# Written by mta extract --data: loads the dumps taken on the VM. The postgres
# image runs this once, on an empty data directory, from /docker-entrypoint-initdb.d.
U="${POSTGRES_USER:-postgres}"
D=/docker-entrypoint-initdb.d
q() { psql -X -q -v ON_ERROR_STOP=0 --username "$U" --no-password "$@"; }
# roles first, except the ones the image made (their passwords are the container's)
if [ -f "$D/roles.pgdumpall.gz" ]; then
    gunzip -c "$D/roles.pgdumpall.gz" | grep -v -E "^(CREATE|ALTER) ROLE \"?($U|postgres)\"?( |;)" | q --dbname postgres
fi
for f in "$D"/db-*.dump; do
    [ -f "$f" ] || continue
    name=$(pg_restore -l "$f" | sed -n 's/^;[[:space:]]*dbname: //p' | head -n 1)
    [ -n "$name" ] || { echo "mta: $f names no database" >&2; continue; }
    if [ "$(q --dbname postgres -At -c "SELECT 1 FROM pg_database WHERE datname = '$(printf %s "$name" | sed "s/'/''/g")'")" = 1 ]; then
        pg_restore --username "$U" --no-password --dbname "$name" "$f" || echo "mta: pg_restore reported errors for $f" >&2
    else
        pg_restore --username "$U" --no-password --create --dbname postgres "$f" || echo "mta: pg_restore reported errors for $f" >&2
    fi
done
"""
