"""dpkg and rpm version ordering, checked against the real dpkg and rpm tools."""

from __future__ import annotations

import itertools
import shutil
import subprocess

import pytest

from mta.security.vercmp import dpkg_compare, rpm_compare, rpmvercmp

from .conftest import unavailable

DEB = ["1.0", "1.0~rc1", "1.0~~", "1.0~", "1.0-1", "1.0-1+deb10u1", "1:0.9", "2.4.38-3+deb10u5",
       "2.4.38-3+deb10u10", "1.2a", "1.2", "1.2.0", "0:1.0-1", "7.64.0-4+deb10u2", "1.0+b1", "1.0a-1", "10", "9",
       "2.27-3ubuntu1.6", "2.27-3ubuntu1.10", "1.0-0ubuntu0.18.04.1"]
RPM = ["1.0", "2.0", "2.0.1", "1.0a", "1.0~rc1", "1.0^", "1.0^git1", "1.0.1", "10", "9", "a", "1", "1_0",
       "fc4", "fc.4", "4.2.46", "4.2.46.1", "1.1.1g", "1.1.1k", "5.0.0~beta", "2.02", "2.2", "1.el7", "1.el7_9"]


def test_dpkg_matches_dpkg():
    if not shutil.which("dpkg"):
        unavailable("dpkg not installed")
    for a, b in itertools.combinations(DEB, 2):
        want = 0 if subprocess.run(["dpkg", "--compare-versions", a, "eq", b]).returncode == 0 else (
            -1 if subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0 else 1)
        assert dpkg_compare(a, b) == want, (a, b)


def test_rpmvercmp_matches_rpm():
    if not shutil.which("rpm"):
        unavailable("rpm not installed (apt-get install rpm)")
    pairs = list(itertools.combinations(RPM, 2))
    lua = " ".join(f'print(rpm.vercmp("{a}", "{b}") .. " ")' for a, b in pairs)
    out = subprocess.run(["rpm", "--eval", f"%{{lua: {lua}}}"], capture_output=True, text=True, check=True).stdout
    want = [int(x) for x in out.split()]
    assert [rpmvercmp(a, b) for a, b in pairs] == want


@pytest.mark.parametrize("a,b,want", [
    ("4.2.46-34.el7", "4.2.46-35.el7", -1), ("1:1.0-1", "2.0-1", 1), ("1.0-1.el8", "1.0", 0),
    ("2.02-0.86.el7", "2.02-0.87.el7", -1), ("0:1.0-1", "1.0-1", 0),
])
def test_rpm_evr(a, b, want):
    assert rpm_compare(a, b) == want
