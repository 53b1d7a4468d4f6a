"""paramiko, imported with its ``invoke`` dependency deferred.

paramiko's ssh_config module imports ``invoke`` at once, for ``Match exec``
alone; that import is a third of paramiko's (0.1 s on every ``mta`` start that
reaches a host). Here a stand-in module takes ``invoke``'s place first: the
real one is imported on the stand-in's first attribute use, i.e. when an
ssh_config's ``Match exec`` runs. (``importlib.util.LazyLoader`` does not
serve: ``import invoke`` reads the module's ``__spec__``, which loads it.)

Every module of mta that needs paramiko imports it from here."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types

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


defer_import("invoke")

import paramiko  # noqa: E402

__all__ = ["paramiko", "defer_import"]
