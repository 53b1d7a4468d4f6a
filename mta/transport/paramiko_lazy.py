"""paramiko, imported with its ``invoke`` dependency deferred.

paramiko's ssh_config module imports ``invoke`` at once, for ``Match exec``
alone; that import is a third of paramiko's (0.1 s on every ``mta`` start that
reaches a host). Here a stand-in module takes ``invoke``'s place first: the
real one is imported on the stand-in's first attribute use, i.e. when an
ssh_config's ``Match exec`` runs. (``importlib.util.LazyLoader`` does not
serve: ``import invoke`` reads the module's ``__spec__``, which loads it.)
paramiko 4 also asks ``importlib.metadata`` for its own version as it
imports (25-50 ms, the email package): while it does, a stand-in answers
from the ``paramiko-<version>.dist-info`` folder's name, and is gone after.

Every module of mta that needs paramiko imports it from here."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
import types
from typing import Optional

_lock = threading.Lock()


class _Deferred(types.ModuleType):
    """Stands in for a module until an attribute it lacks is asked for."""

    def __getattr__(self, attr: str):
        with _lock:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = importlib.import_module(self.__name__)
        return getattr(real, attr)


def defer_import(name: str) -> None:
    """Make ``import name`` return a stand-in that imports the module on first
    use (a no-op when it is loaded already or not installed)."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return
    if spec is None:
        return
    stand_in = _Deferred(name)
    stand_in.__spec__ = spec
    sys.modules[name] = stand_in


def _dist_version(package: str) -> Optional[str]:
    """``package``'s version from the one ``<package>-<version>.dist-info`` folder
    beside it (a directory listing), or None when that is not how it is installed."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    where = os.path.dirname(list(spec.submodule_search_locations)[0])
    try:
        names = os.listdir(where)
    except OSError:
        return None
    prefix = package + "-"
    found = [n[len(prefix):-len(".dist-info")] for n in names if n.startswith(prefix) and n.endswith(".dist-info")]
    return found[0] if len(found) == 1 else None


class _VersionOnly(_Deferred):
    """``importlib.metadata`` while paramiko 4 imports: it asks only for its own
    version, and the real module costs 25-50 ms (it loads the email package)."""

    def __init__(self, name: str, distribution: str, known: str) -> None:
        super().__init__(name)
        self._distribution, self._known = distribution, known

    def version(self, distribution_name: str) -> str:
        if distribution_name == self._distribution:
            return self._known
        return self.__getattr__("version")(distribution_name)


def _import_paramiko():
    defer_import("invoke")
    name = "importlib.metadata"
    version = None if name in sys.modules else _dist_version("paramiko")
    stand_in = _VersionOnly(name, "paramiko", version) if version else None
    if stand_in is not None:
        sys.modules[name] = stand_in
    try:
        import paramiko as module
    finally:
        if stand_in is not None and sys.modules.get(name) is stand_in:
            del sys.modules[name]
    return module


paramiko = _import_paramiko()

__all__ = ["paramiko", "defer_import"]
