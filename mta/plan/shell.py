"""Shell text in build steps: every discovered value goes through ``q``."""

from __future__ import annotations

import shlex

from ..errors import InputError


# apt-get clean: a base without the official images' docker-clean hook would
# otherwise keep every downloaded .deb in the layer (100+ MB for a JRE)
APT_INSTALL = ("apt-get update && apt-get install -y --no-install-recommends {pkgs}"
               " && apt-get clean && rm -rf /var/lib/apt/lists/*")


def apt(pkgs: list[str]) -> str:
    return APT_INSTALL.format(pkgs=" ".join(sorted(set(pkgs))))


def q(value: str) -> str:
    if any(c in value for c in "\n\r\x00"):
        raise InputError(f"refusing a value with a line break in a build step: {value!r}")
    return shlex.quote(value)
