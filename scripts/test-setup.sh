#!/bin/sh
# Install everything the test suite needs on a fresh machine.
# System packages (tests/apt-packages.txt) only when root and apt-get exists.
set -eu
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    pkgs=$(grep -v '^[[:space:]]*#' tests/apt-packages.txt | tr -s ' \n' ' ')
    missing=""
    for p in $pkgs; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" && continue
        # a kubectl from another package (cloud SDKs ship one) conflicts with Debian's
        [ "$p" = kubernetes-client ] && command -v kubectl >/dev/null 2>&1 && continue
        missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        echo "test-setup: apt-get install$missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # shellcheck disable=SC2086
        if ! apt-get install -y -qq --no-install-recommends $missing >/tmp/mta-test-setup-apt.log 2>&1; then
            grep -E '^(E: |dpkg: error|Errors were encountered| trying to overwrite)' /tmp/mta-test-setup-apt.log >&2 || tail -20 /tmp/mta-test-setup-apt.log >&2
            echo "test-setup: apt-get install failed (full log: /tmp/mta-test-setup-apt.log)" >&2
            exit 1
        fi
    fi
    if [ -x scripts/podman-setup.sh ]; then
        scripts/podman-setup.sh
    fi
else
    echo "test-setup: not root or no apt-get: system packages not installed; suites needing them skip"
fi

# Installed from this checkout already, with this pyproject.toml: nothing to do
# (CI calls this twice, the second time while another pytest runs: no reinstall
# under its feet).
stamp="${TMPDIR:-/tmp}/mta-test-setup-$(pwd | cksum | cut -d' ' -f1)"
want="$(cksum < pyproject.toml) $(pwd)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
        && [ "$("$PY" -c 'import os, mta; print(os.path.dirname(os.path.dirname(os.path.realpath(mta.__file__))))' 2>/dev/null)" = "$(pwd -P)" ]; then
    exit 0
fi
# A distro python marked externally managed (PEP 668) refuses plain installs;
# this script is for throwaway test machines, so override only in that case.
if ! "$PY" -m pip install -q --disable-pip-version-check -e ".[test]"; then
    echo "test-setup: retrying with --break-system-packages (externally managed python)"
    "$PY" -m pip install -q --disable-pip-version-check --break-system-packages -e ".[test]"
fi
printf '%s\n' "$want" > "$stamp"
