"""Suite-wide settings. Shared fixtures live in tests/support/ as plugins."""

from __future__ import annotations

import importlib.util
import os

# Plugins are optional modules so each area can land on its own.
pytest_plugins = [
    m
    for m in ("tests.support.sshd", "tests.support.services", "tests.support.podman", "tests.support.docker",
              "tests.support.validators")
    if importlib.util.find_spec(m) is not None
]

#: In CI (CI=true, root) the real-infrastructure suites must run, not skip.
IN_CI = os.environ.get("CI", "").lower() == "true"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
