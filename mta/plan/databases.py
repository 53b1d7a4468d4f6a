"""An app whose own config names its database (config.php, .env) gets that database
and user created on the backing service, with ONE password secret both read.

The VM's data is not in the new volume (it starts empty until a dump is
restored), so the official image's first-start variables create what the app
expects: MARIADB_DATABASE/USER/PASSWORD (+ MYSQL_* aliases), POSTGRES_DB/USER/
PASSWORD. The password is never copied: a new value, shared by reference.
"""

from __future__ import annotations

from ..model import EnvVar, SecretRef
from .recipes.backing import backing_kind

#: backing kind -> (database vars, user vars, password var the app's password becomes)
FIRST_START = {
    "mariadb": (("MARIADB_DATABASE", "MYSQL_DATABASE"), ("MARIADB_USER", "MYSQL_USER"), "MARIADB_PASSWORD"),
    "mysql": (("MYSQL_DATABASE",), ("MYSQL_USER",), "MYSQL_PASSWORD"),
    "postgres": (("POSTGRES_DB",), ("POSTGRES_USER",), "POSTGRES_PASSWORD"),
}
_FAMILY = {"mysql": ("mariadb", "mysql"), "postgres": ("postgres",)}


def _set(env: list[EnvVar], name: str, value: str) -> None:
    for v in env:
        if v.name == name:
            v.value, v.secret = value, None
            return
    env.append(EnvVar(name=name, value=value))


def link_databases(plan) -> None:
    """Create the app's database/user on its backing service and point the app at it."""
    claimed: dict[str, str] = {}  # backing app -> app whose settings it took
    for ap in [a for a in plan.apps if a.include and a.database]:
        db = ap.database
        backing = next((o for o in (plan.app(d) for d in ap.depends_on)
                        if o and o.include and backing_kind(o) in _FAMILY.get(db.kind, ())), None)
        if backing is None:
            continue
        kind = backing_kind(backing)
        # host: the env var the config reads, else the copied config must be edited
        if db.host_env:
            var = next((v for v in ap.env if v.name == db.host_env), None)
            if var is None or var.value != backing.name:
                old = var.value if var and var.value is not None else db.host
                _set(ap.env, db.host_env, backing.name)
                ap.rewrites.append(f"env {db.host_env}: {old} -> {backing.name}")
        elif db.host:
            ap.rewrites.append(f"config {db.file}: database host {db.host} -> {backing.name}")
            ap.notes.append(f"{db.file} hard-codes database host {db.host!r}: change it to {backing.name!r} "
                            "in the copied code before building the image")
        if backing.name in claimed:
            backing.notes.append(f"{ap.name} also uses this database server ({db.name or 'database ?'}, "
                                 f"user {db.user or '?'}): create them by hand, only {claimed[backing.name]}'s are automatic")
            continue
        claimed[backing.name] = ap.name
        dbs, users, pw = FIRST_START[kind]
        if db.name:
            for n in dbs:
                _set(backing.env, n, db.name)
        if db.user:
            for n in users:
                _set(backing.env, n, db.user)
        if db.user and db.password_env:
            app_var = next((v for v in ap.env if v.name == db.password_env), None)
            if app_var is None or app_var.value is not None:
                continue  # the VM's environment gave it a plain value: nothing to share
            secret = app_var.secret or f"{ap.name}-secrets"
            app_var.secret = secret
            ref = next((s for s in ap.secrets if s.key == db.password_env and not s.target), None)
            src = f"{db.file} reads it from env {db.password_env}; a new value, shared with {backing.name} ({pw})"
            if ref is None:
                ap.secrets.append(SecretRef(name=secret, key=db.password_env, source=src))
            else:
                ref.source = src
            backing.env = [v for v in backing.env if v.name != pw]
            backing.secrets = [s for s in backing.secrets if not (s.key == pw and not s.target)]
            backing.env.append(EnvVar(name=pw, secret=secret))
            backing.secrets.append(SecretRef(name=secret, key=pw, source=f"shared with {ap.name} ({db.password_env})",
                                             shared=f"{ap.name}/{db.password_env}"))
        elif db.user and not any(v.name == pw for v in backing.env):
            # the app keeps the password written in its config: the operator supplies the same value
            own = f"{backing.name}-secrets"
            backing.env.append(EnvVar(name=pw, secret=own))
            backing.secrets.append(SecretRef(name=own, key=pw, source=f"the password {ap.name}'s {db.file} holds "
                                             "(not read from the environment): copy it from there"))
        made = ", ".join(x for x in (f"database {db.name}" if db.name else "", f"user {db.user}" if db.user else "") if x)
        if made:
            backing.notes.append(f"on first start (empty volume) the image creates {made} for {ap.name}, "
                                 f"as {db.file} expects")
