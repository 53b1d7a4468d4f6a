"""Version comparison as the package managers do it: dpkg and rpm (rpmvercmp).

Needed to match installed packages against OSV ranges offline; distro
versions (1:2.4.38-3+deb10u5, 4.2.46-34.el7) do not follow semver.
"""

from __future__ import annotations

import re


# --- dpkg (Debian Policy 5.6.12) ------------------------------------------------

def _dpkg_order(c: str) -> int:
    if c == "~":
        return -1
    if c.isdigit():
        return 0
    if c.isalpha():
        return ord(c)
    return ord(c) + 256


def _dpkg_part(a: str, b: str) -> int:
    i = j = 0
    while i < len(a) or j < len(b):
        first_diff = 0
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac = _dpkg_order(a[i]) if i < len(a) and not a[i].isdigit() else 0
            bc = _dpkg_order(b[j]) if j < len(b) and not b[j].isdigit() else 0
            if ac != bc:
                return -1 if ac < bc else 1
            i += 1
            j += 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        while i < len(a) and a[i].isdigit() and j < len(b) and b[j].isdigit():
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if first_diff:
            return -1 if first_diff < 0 else 1
    return 0


def _dpkg_split(v: str) -> tuple[int, str, str]:
    epoch, _, rest = v.partition(":") if ":" in v else ("0", "", v)
    upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "")
    try:
        e = int(epoch)
    except ValueError:
        e = 0
    return e, upstream, revision


def dpkg_compare(a: str, b: str) -> int:
    """-1, 0 or 1, like ``dpkg --compare-versions a lt|eq|gt b``."""
    ea, ua, ra = _dpkg_split(a.strip())
    eb, ub, rb = _dpkg_split(b.strip())
    if ea != eb:
        return -1 if ea < eb else 1
    return _dpkg_part(ua, ub) or _dpkg_part(ra, rb)


# --- rpm (rpmvercmp, rpm >= 4.10 with ~ and ^) -----------------------------------

_RPM_SEG = re.compile(r"(\d+|[A-Za-z]+)")


def rpmvercmp(a: str, b: str) -> int:
    """rpm's segment comparison of one version or release string."""
    if a == b:
        return 0
    i = j = 0
    while i < len(a) or j < len(b):
        while i < len(a) and not a[i].isalnum() and a[i] not in "~^":
            i += 1
        while j < len(b) and not b[j].isalnum() and b[j] not in "~^":
            j += 1
        # tilde sorts before everything, even the end of the string
        if (i < len(a) and a[i] == "~") or (j < len(b) and b[j] == "~"):
            if not (i < len(a) and a[i] == "~"):
                return 1
            if not (j < len(b) and b[j] == "~"):
                return -1
            i += 1
            j += 1
            continue
        # caret sorts after the end of the string but before anything else
        if (i < len(a) and a[i] == "^") or (j < len(b) and b[j] == "^"):
            if i >= len(a):
                return -1
            if j >= len(b):
                return 1
            if a[i] != "^":
                return 1
            if b[j] != "^":
                return -1
            i += 1
            j += 1
            continue
        if i >= len(a) or j >= len(b):
            break
        ma, mb = _RPM_SEG.match(a, i), _RPM_SEG.match(b, j)
        sa, sb = ma.group(0), mb.group(0)
        if sa.isdigit() != sb.isdigit():
            return 1 if sa.isdigit() else -1  # numeric segments are newer than alpha ones
        if sa.isdigit():
            na, nb = int(sa), int(sb)
            if na != nb:
                return -1 if na < nb else 1
        elif sa != sb:
            return -1 if sa < sb else 1
        i, j = ma.end(), mb.end()
    ra, rb = len(a) - i, len(b) - j
    if ra == rb:
        return 0
    return 1 if ra > rb else -1


def _evr(v: str) -> tuple[int, str, str]:
    epoch, sep, rest = v.partition(":")
    if not sep:
        epoch, rest = "0", v
    version, _, release = rest.partition("-") if "-" in rest else (rest, "", "")
    try:
        e = int(epoch or 0)
    except ValueError:
        e = 0
    return e, version, release


def rpm_compare(a: str, b: str) -> int:
    """Compare [epoch:]version[-release] strings as rpm does. A missing release
    on either side compares equal on release (OSV often gives version-release)."""
    ea, va, ra = _evr(a.strip())
    eb, vb, rb = _evr(b.strip())
    if ea != eb:
        return -1 if ea < eb else 1
    c = rpmvercmp(va, vb)
    if c or not ra or not rb:
        return c
    return rpmvercmp(ra, rb)


def compare(ecosystem_kind: str, a: str, b: str) -> int:
    """By package kind: "deb" -> dpkg, "rpm" -> rpmvercmp, else dpkg (close to semver-ish)."""
    return rpm_compare(a, b) if ecosystem_kind == "rpm" else dpkg_compare(a, b)
