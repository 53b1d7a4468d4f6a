#!/bin/sh
# The whole test suite, set-up included. This is README's test command and what CI runs.
set -eu
cd "$(dirname "$0")/.."
scripts/test-setup.sh
exec "${PYTHON:-python3}" -m pytest "$@"
