"""VM paths in a plan: absolute, normalised, without '..', and where ``mta
extract`` puts them.
"""

from __future__ import annotations

import posixpath

from ..errors import InputError


FILE_SUFFIXES = (".jar", ".war", ".ear", ".py", ".js", ".mjs", ".cjs", ".php", ".html", ".sh", ".rb", ".pl")


def context_path(vm_path: str) -> str:
    """Where ``mta extract`` puts a VM path inside apps/<app>/: context/<path>."""
    clean = safe_abs_path(vm_path, "path")
    return "context" + clean


def safe_abs_path(path: str, what: str) -> str:
    if not path or not path.startswith("/") or any(c in path for c in "\n\r\x00"):
        raise InputError(f"{what} {path!r}: expected an absolute path without control characters")
    norm = posixpath.normpath(path)
    if norm.startswith("//"):
        norm = "/" + norm.lstrip("/")
    if "/../" in norm + "/":
        raise InputError(f"{what} {path!r}: '..' is not allowed")
    return norm


def looks_like_file(path: str) -> bool:
    return path.lower().endswith(FILE_SUFFIXES)
