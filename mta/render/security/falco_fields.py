"""The Falco field names our rules may use, from the Falco documentation
("Supported Fields for Conditions and Outputs", syscall source, Falco 0.36+:
https://falco.org/docs/reference/rules/supported-fields/).

No Falco filter compiler is available offline, so ``falco_check`` checks
conditions against this list. Keep it a subset of the real field list:
a name here that Falco does not know would let a broken rule through.
"""

from __future__ import annotations

FIELDS: frozenset[str] = frozenset({
    # evt.*
    "evt.type", "evt.dir", "evt.num", "evt.time", "evt.res", "evt.rawres", "evt.failed", "evt.is_open_read",
    "evt.is_open_write", "evt.is_open_exec", "evt.arg", "evt.args", "evt.category",
    # proc.*
    "proc.name", "proc.exe", "proc.exepath", "proc.cmdline", "proc.args", "proc.pid", "proc.vpid",
    "proc.ppid", "proc.pvpid", "proc.pname", "proc.pcmdline", "proc.pexe", "proc.aname", "proc.tty",
    "proc.cwd", "proc.sid", "proc.is_container_healthcheck",
    # user / group
    "user.uid", "user.name", "user.loginuid", "group.gid", "group.name",
    # fd.*
    "fd.num", "fd.type", "fd.typechar", "fd.name", "fd.directory", "fd.filename", "fd.ip", "fd.cip",
    "fd.sip", "fd.lip", "fd.rip", "fd.port", "fd.cport", "fd.sport", "fd.lport", "fd.rport", "fd.l4proto",
    "fd.sockfamily", "fd.is_server", "fd.net", "fd.cnet", "fd.snet", "fd.lnet", "fd.rnet", "fd.sip.name",
    "fd.rip.name", "fd.cip.name", "fd.lip.name",
    # container.* and k8s.*
    "container.id", "container.name", "container.image", "container.image.repository",
    "container.image.tag", "container.image.digest", "container.privileged",
    "k8s.ns.name", "k8s.pod.name", "k8s.pod.label", "k8s.pod.labels",
})

#: fields that take an argument in brackets: k8s.pod.label[app]
INDEXED: frozenset[str] = frozenset({"evt.arg", "k8s.pod.label", "proc.aname"})

#: comparison operators of the Falco condition language
BINARY_OPS: tuple[str, ...] = ("=", "==", "!=", "<=", ">=", "<", ">", "contains", "icontains", "bcontains",
                               "startswith", "bstartswith", "endswith", "glob", "iglob", "pmatch", "in",
                               "intersects", "regex")
UNARY_OPS: tuple[str, ...] = ("exists",)

#: rule priorities Falco accepts (case-insensitive)
PRIORITIES: frozenset[str] = frozenset({"emergency", "alert", "critical", "error", "warning", "notice",
                                        "informational", "info", "debug"})

#: keys each kind of top-level item may carry
RULE_KEYS = frozenset({"rule", "desc", "condition", "output", "priority", "tags", "enabled", "source",
                       "exceptions", "append", "override", "warn_evttypes", "skip-if-unknown-filter"})
MACRO_KEYS = frozenset({"macro", "condition", "append", "override"})
LIST_KEYS = frozenset({"list", "items", "append", "override"})
