#!/bin/sh
# Create (once) a private virtualenv holding checkov, so its many pinned
# dependencies never clash with mta's. Prints the checkov executable path.
# Cached: MTA_CHECKOV_VENV (default ~/.cache/mta/checkov-venv); a marker file
# records the version so a second call is instant and offline.
set -eu
VERSION=${MTA_CHECKOV_VERSION:-3.2.470}
VENV=${MTA_CHECKOV_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/mta/checkov-venv}
PY=${PYTHON:-python3}
MARK="$VENV/.mta-checkov-$VERSION"

if [ ! -f "$MARK" ]; then
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    "$PY" -m venv "$VENV" >&2
    "$VENV/bin/pip" install -q --disable-pip-version-check "checkov==$VERSION" >&2
    touch "$MARK"
fi
echo "$VENV/bin/checkov"
