"""End-of-life dates of runtimes, servers, databases and operating systems, offline.

One table, dated, so a finding can say what was seen, when its support ended
and what to move to. The dates are each project's own end of community (or
standard vendor) support, as the projects publish them; extended paid support
(RHEL ELS, Ubuntu ESM, SUSE LTSS) is named in the finding where it exists,
because a client may be paying for it.

Versions are matched on their leading components: "3.5.2" is Python "3.5";
"10.3.39" is MariaDB "10.3"; "8" is Java "8". A version the table does not
know is not judged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Optional

#: When this table was last checked against the projects' published policies.
TABLE_DATE = date(2026, 12, 1)
SOURCE = ("each project's published support policy (python.org devguide, nodejs.org release schedule, "
          "Eclipse Temurin, php.net, ruby-lang.org, dotnet.microsoft.com, tomcat.apache.org, postgresql.org, "
          "MySQL/MariaDB lifecycle pages, redis.io, Red Hat/CentOS, Ubuntu, Debian and SUSE lifecycles)")


@dataclass(frozen=True)
class Line:
    """One release line: its support end and where to move."""

    version: str
    ends: date
    extended: str = ""  # paid support that may still run, e.g. "RHEL ELS to 2028-06-30"


@dataclass(frozen=True)
class Product:
    name: str
    lines: tuple[Line, ...]
    target: str  # the upgrade target a finding names


def _p(name: str, target: str, *lines: tuple) -> Product:
    return Product(name, tuple(Line(v, date.fromisoformat(d), *rest) for v, d, *rest in lines), target)


PRODUCTS: dict[str, Product] = {p.name: p for p in (
    _p("Python", "3.12", ("2.6", "2013-10-29"), ("2.7", "2020-01-01"), ("3.4", "2019-03-18"), ("3.5", "2020-09-13"),
       ("3.6", "2021-12-23"), ("3.7", "2023-06-27"), ("3.8", "2024-10-07"), ("3.9", "2025-10-31"),
       ("3.10", "2026-10-31"), ("3.11", "2027-10-31"), ("3.12", "2028-10-31"), ("3.13", "2029-10-31")),
    _p("Node.js", "22", ("4", "2018-04-30"), ("6", "2019-04-30"), ("8", "2019-12-31"), ("10", "2021-04-30"),
       ("12", "2022-04-30"), ("14", "2023-04-30"), ("16", "2023-09-11"), ("18", "2025-04-30"),
       ("20", "2026-04-30"), ("22", "2027-04-30"), ("24", "2028-04-30")),
    _p("Java", "21 (Eclipse Temurin)", ("1.6", "2018-12-31"), ("6", "2018-12-31"), ("1.7", "2022-07-31"),
       ("7", "2022-07-31"), ("1.8", "2030-12-31"), ("8", "2030-12-31"), ("11", "2027-10-31"),
       ("17", "2029-10-31"), ("21", "2031-12-31")),
    _p("PHP", "8.3", ("5.3", "2014-08-14"), ("5.4", "2015-09-03"), ("5.5", "2016-07-21"), ("5.6", "2018-12-31"),
       ("7.0", "2019-01-10"), ("7.1", "2019-12-01"), ("7.2", "2020-11-30"), ("7.3", "2021-12-06"),
       ("7.4", "2022-11-28"), ("8.0", "2023-11-26"), ("8.1", "2025-12-31"), ("8.2", "2026-12-31"),
       ("8.3", "2027-12-31"), ("8.4", "2028-12-31")),
    _p("Ruby", "3.3", ("2.3", "2019-03-31"), ("2.4", "2020-03-31"), ("2.5", "2021-03-31"), ("2.6", "2022-03-31"),
       ("2.7", "2023-03-31"), ("3.0", "2024-04-23"), ("3.1", "2025-03-31"), ("3.2", "2026-03-31"),
       ("3.3", "2027-03-31"), ("3.4", "2028-03-31")),
    _p(".NET", "8.0", ("2.1", "2021-08-21"), ("3.1", "2022-12-13"), ("5.0", "2022-05-10"), ("6.0", "2024-11-12"),
       ("7.0", "2024-05-14"), ("8.0", "2026-11-10"), ("9.0", "2026-11-10"), ("10.0", "2028-11-14")),
    _p("Apache Tomcat", "10.1", ("6.0", "2016-12-31"), ("7.0", "2021-03-31"), ("8.0", "2018-06-30"),
       ("8.5", "2024-03-31"), ("10.0", "2022-10-31")),
    _p("Apache httpd", "2.4", ("2.0", "2013-07-10"), ("2.2", "2018-01-01")),
    _p("PostgreSQL", "16", ("9.3", "2018-11-08"), ("9.4", "2020-02-13"), ("9.5", "2021-02-11"),
       ("9.6", "2021-11-11"), ("10", "2022-11-10"), ("11", "2023-11-09"), ("12", "2024-11-21"),
       ("13", "2025-11-13"), ("14", "2026-11-12"), ("15", "2027-11-11"), ("16", "2028-11-09"),
       ("17", "2029-11-08")),
    _p("MySQL", "8.4 (LTS)", ("5.1", "2013-12-31"), ("5.5", "2018-12-31"), ("5.6", "2021-02-28"),
       ("5.7", "2023-10-31"), ("8.0", "2026-04-30"), ("8.4", "2032-04-30")),
    _p("MariaDB", "10.11 (LTS)", ("5.5", "2020-04-11"), ("10.0", "2019-03-31"), ("10.1", "2020-10-17"),
       ("10.2", "2022-05-23"), ("10.3", "2023-05-25"), ("10.4", "2024-06-18"), ("10.5", "2025-06-24"),
       ("10.6", "2026-07-06"), ("10.11", "2028-02-16"), ("11.4", "2029-05-29")),
    _p("Redis", "7.2", ("2.8", "2016-01-01"), ("3.0", "2017-07-14"), ("3.2", "2018-02-28"), ("4.0", "2019-03-18"),
       ("5.0", "2020-10-27"), ("6.0", "2022-01-31"), ("6.2", "2025-02-28")),
    _p("CentOS", "RHEL 9 or a rebuild (AlmaLinux, Rocky Linux) 9", ("5", "2017-03-31"), ("6", "2020-11-30"),
       ("7", "2024-06-30"), ("8", "2021-12-31")),
    _p("Red Hat Enterprise Linux", "RHEL 9", ("5", "2017-03-31", "ELS ended 2020-11-30"),
       ("6", "2020-11-30", "ELS to 2024-06-30"), ("7", "2024-06-30", "ELS to 2028-06-30"),
       ("8", "2029-05-31"), ("9", "2032-05-31")),
    _p("Ubuntu", "24.04 LTS", ("12.04", "2017-04-28", "ESM ended 2019-04"), ("14.04", "2019-04-25", "ESM to 2024-04"),
       ("16.04", "2021-04-30", "ESM to 2026-04"), ("18.04", "2023-05-31", "ESM to 2028-04"),
       ("20.04", "2025-05-31", "ESM to 2030-04"), ("22.04", "2027-06-01"), ("24.04", "2029-05-31")),
    _p("Debian", "12 (bookworm)", ("7", "2018-05-31"), ("8", "2020-06-30"), ("9", "2022-06-30"),
       ("10", "2024-06-30"), ("11", "2026-08-31"), ("12", "2028-06-30")),
    _p("SUSE Linux Enterprise Server", "SLES 15 SP6", ("11", "2019-03-31", "LTSS to 2022-03-31"),
       ("12", "2024-10-31", "LTSS to 2027-10-31"), ("15", "2031-07-31")),
)}

#: app.runtime / app.stack / os id -> product
RUNTIMES = {"python": "Python", "node": "Node.js", "nodejs": "Node.js", "java": "Java", "php": "PHP",
            "ruby": "Ruby", "dotnet": ".NET", "postgres": "PostgreSQL", "postgresql": "PostgreSQL",
            "redis": "Redis"}
STACKS = {"tomcat": "Apache Tomcat", "mysql": "MySQL", "mariadb": "MariaDB", "postgresql": "PostgreSQL",
          "redis": "Redis"}
SERVER_STACKS = {"tomcat": "Apache Tomcat", "static-apache": "Apache httpd", "php-apache": "Apache httpd",
                 "apache-proxy": "Apache httpd"}
OSES = {"centos": "CentOS", "rhel": "Red Hat Enterprise Linux", "redhat": "Red Hat Enterprise Linux",
        "ubuntu": "Ubuntu", "debian": "Debian", "sles": "SUSE Linux Enterprise Server",
        "sled": "SUSE Linux Enterprise Server"}


@dataclass(frozen=True)
class Status:
    product: str
    seen: str  # the version as seen on the VM
    line: Line
    target: str

    def ended(self, today: date) -> bool:
        return self.line.ends <= today

    def text(self, today: date) -> str:
        when = "ended" if self.ended(today) else "ends"
        more = f"; {self.line.extended}" if self.line.extended else ""
        line = f" ({self.line.version} line)" if self.seen != self.line.version else ""
        return (f"{self.product} {self.seen}{line}: support {when} {self.line.ends.isoformat()}{more}; "
                f"upgrade target {self.target}")


_NUM = re.compile(r"\d+(?:\.\d+)*")


def lookup(product: str, version: str) -> Optional[Status]:
    """The release line ``version`` belongs to, or None when unknown."""
    p = PRODUCTS.get(product)
    m = _NUM.search(version or "")
    if p is None or m is None:
        return None
    parts = m.group(0).split(".")
    # longest matching prefix wins: "10.11" before "10" (MariaDB), "1.8" before "1"
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        for line in p.lines:
            if line.version == key:
                return Status(product, m.group(0), line, p.target)
    return None


def app_statuses(runtime: str, runtime_version: str, stack: str, stack_version: str) -> list[Status]:
    """EOL status of an app's runtime and of its server (Tomcat, httpd), when the table knows them."""
    out = []
    product = STACKS.get(stack) if stack in ("mysql", "mariadb") else RUNTIMES.get(runtime.lower())
    if product and runtime_version:
        s = lookup(product, runtime_version)
        if s:
            out.append(s)
    server = SERVER_STACKS.get(stack)
    if server and stack_version and server != product:
        s = lookup(server, stack_version)
        if s:
            out.append(s)
    return out


def os_status(os_id: str, version_id: str) -> Optional[Status]:
    product = OSES.get((os_id or "").lower())
    return lookup(product, version_id) if product else None
