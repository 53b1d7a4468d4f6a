"""A failed image build says why in the tool's own words (issue 17)."""

from __future__ import annotations

import pytest

from .podman import ensure_image, tool_errors

APT_FAILURE = """\
STEP 1/3: FROM localhost/mta-e2e/vm-base:abc
STEP 2/3: RUN apt-get install -y tomcat10 openjdk-17-jdk-headless
Get:1 http://deb.debian.org/debian bookworm/main amd64 libfoo amd64 1.0 [10 kB]
Setting up libfoo (1.0) ...
Setting up openjdk-17-jre-headless:amd64 (17.0.9+9-1~deb12u1) ...
update-alternatives: using /usr/lib/jvm/java-17-openjdk-amd64/bin/java to provide /usr/bin/java (java) in auto mode
update-alternatives: error: error creating symbolic link '/usr/share/man/man1/java.1.gz.dpkg-tmp': No such file or directory
dpkg: error processing package openjdk-17-jre-headless:amd64 (--configure):
 installed openjdk-17-jre-headless:amd64 package post-installation script subprocess returned error exit status 2
Setting up libbar (2.0) ...
Errors were encountered while processing:
 openjdk-17-jre-headless:amd64
 tomcat10
E: Sub-process /usr/bin/dpkg returned an error code (1)
Error: building at STEP "RUN apt-get install -y tomcat10 openjdk-17-jdk-headless": while running runtime: exit status 100
"""


def test_tool_errors_keeps_the_failing_package_s_own_output():
    got = tool_errors(APT_FAILURE).splitlines()
    assert got[0].startswith("STEP 2/3")
    assert "Setting up openjdk-17-jre-headless:amd64 (17.0.9+9-1~deb12u1) ..." in got
    assert any("update-alternatives: error" in line for line in got)
    assert " openjdk-17-jre-headless:amd64" in got and " tomcat10" in got
    assert got[-2] == "E: Sub-process /usr/bin/dpkg returned an error code (1)"
    assert "Get:1" not in "\n".join(got) and "Setting up libfoo (1.0) ..." not in got
    assert tool_errors("all fine\nSetting up x (1) ...\n") == ""


BROKEN = """\
FROM {base}
RUN mkdir -p /tmp/pkg/DEBIAN \\
 && printf 'Package: mta-broken\\nVersion: 1.0\\nArchitecture: all\\nMaintainer: t <t@t>\\nDescription: t\\n' > /tmp/pkg/DEBIAN/control \\
 && printf '#!/bin/sh\\necho "mta-broken: cannot find /etc/mta-broken.conf" >&2\\nexit 3\\n' > /tmp/pkg/DEBIAN/postinst \\
 && chmod 755 /tmp/pkg/DEBIAN/postinst \\
 && dpkg-deb --build /tmp/pkg /tmp/mta-broken.deb >/dev/null \\
 && for i in $(seq 1 400); do echo "filler line $i of a long build log"; done \\
 && dpkg -i /tmp/mta-broken.deb
"""


def test_a_failed_build_shows_dpkg_s_and_the_maintainer_script_s_own_lines(podman, tmp_path):
    (tmp_path / "Containerfile").write_text(BROKEN.format(base=podman.base_image))
    with pytest.raises(RuntimeError) as err:
        ensure_image("localhost/mta-test/broken-build", tmp_path, timeout=600)
    msg = str(err.value)
    errors = msg.split("--- the tool's own error lines ---", 1)[1].split("--- last output ---", 1)[0]
    assert "mta-broken: cannot find /etc/mta-broken.conf" in errors, msg
    assert "dpkg: error processing package mta-broken (--install)" in errors, msg
    assert "Errors were encountered while processing" in errors and " mta-broken" in errors
    assert "filler line 1 of" not in errors  # the noise before the failure stays out
