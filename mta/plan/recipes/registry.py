"""Recipe registry: one module per runtime family registers, with a decorator,
the function that builds its recipe, the stacks it serves and the naive-size
reference the verify report compares against.

Every module of this package is loaded on first use, so a new family is one
new module here (and a new stack a detector module plus a line in a family's
``stacks``). A stack no family claims gets no recipe of its own:
``tests/plan/test_recipe_registry.py`` fails when a detector can emit one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from ...model import Build
from ...registry_scan import import_package_modules
from .. import images

UID = 10001


@dataclass
class Recipe:
    build: Optional[Build]
    image: str = ""  # backing services: the official image itself
    tool: str = "bash"  # what HEALTHCHECK can use in the image
    notes: list[str] = field(default_factory=list)
    code_target: Callable[[str], str] = lambda p: p
    config_target: Callable[[str], str] = lambda p: p
    run_as_user: int = UID
    default_cmd: list[str] = field(default_factory=list)
    server: bool = False  # the VM command is the distro's server; use the image's own
    drop_default_site: list[str] = field(default_factory=list)
    #: the image installs the service's own package, which makes the account the VM ran it as
    #: (Debian's barbican-api: barbican, owner of /etc/barbican): the container becomes that account
    own_account: bool = False


#: (app, facts, debian) -> Recipe
Builder = Callable[..., Recipe]


@dataclass(frozen=True)
class Family:
    name: str
    build: Builder
    stacks: tuple[str, ...]
    #: (bytes, what it is) of a naive "lift the whole box" image of this runtime: a full distro
    #: image plus the whole JDK/SDK/toolchain, built without multi-stage, cleanup or
    #: --no-install-recommends. Rounded uncompressed sizes: for python/node/ruby/go/dotnet the
    #: official full (non-slim) image named, for java/php/web servers Debian 12 (debian:bookworm)
    #: plus the packages named, with recommends. Estimates for the verify report, not
    #: measurements of the app; benchmarks/e2e_images.py also prints a measured reference.
    naive: Optional[tuple[int, str]] = None
    #: an app's runtime (or its stack's first word) may select this family, not only its stack
    by_runtime: bool = True


_FAMILIES: dict[str, Family] = {}
_STACKS: dict[str, str] = {}
def register(name: str, *, stacks: tuple[str, ...], naive: Optional[tuple[int, str]] = None,
             by_runtime: bool = True) -> Callable[[Builder], Builder]:
    """Function decorator: ``fn(app, facts, debian) -> Recipe`` builds family ``name``'s recipe."""

    def deco(fn: Builder) -> Builder:
        if name in _FAMILIES and _FAMILIES[name].build is not fn:
            raise ValueError(f"two recipe families named {name!r}")
        for stack in stacks:
            if _STACKS.get(stack, name) != name:
                raise ValueError(f"stack {stack!r} is claimed by both {_STACKS[stack]!r} and {name!r}")
        _STACKS.update(dict.fromkeys(stacks, name))
        _FAMILIES[name] = Family(name, fn, tuple(stacks), naive, by_runtime)
        return fn

    return deco


def _load() -> None:
    import_package_modules(__package__, __file__, skip=("registry", "common"))


def families() -> dict[str, Family]:
    """Every registered family by name."""
    _load()
    return dict(_FAMILIES)


def claimed(stack: str) -> str:
    """The family that claims ``stack`` by name, or ''."""
    _load()
    return _STACKS.get((stack or "").lower(), "")


def family_of(app) -> str:
    """The recipe family for ``app``: its stack's, else its runtime's (or its
    stack's first word's), else ``generic``."""
    _load()
    stack = (app.stack or "").lower()
    if stack in _STACKS:
        return _STACKS[stack]
    runtime = (app.runtime or "").lower()
    for key in (runtime, stack.split("-")[0]):
        fam = _STACKS.get(key)
        if fam and _FAMILIES[fam].by_runtime:
            return fam
    return "generic"


def naive_size(runtime: str, stack: str = "") -> tuple[int, str] | None:
    """(bytes, basis) of the naive image for this runtime/stack, or None."""
    _load()
    for key in (runtime, stack):
        fam = _STACKS.get((key or "").lower())
        if fam and _FAMILIES[fam].naive:
            return _FAMILIES[fam].naive
    return None


def recipe(app, facts, base: str, mapping: dict[str, str]) -> Recipe:
    """The recipe for ``app`` on ``base`` (official | debian | an image ref)."""
    fam = family_of(app)
    explicit = base if base not in ("official", "debian") else ""
    if explicit:
        images.check_image_ref(explicit, f"base image for {app.name}")
    r = _FAMILIES[fam].build(app, facts, base == "debian")
    if explicit:
        if r.build is None:
            r.image = explicit
        else:
            r.build.base_image = explicit
            if r.build.builder_image:
                r.build.builder_image = explicit
    if mapping:
        if r.image:
            r.image = images.apply_mapping(r.image, mapping)
        if r.build:
            r.build.base_image = images.apply_mapping(r.build.base_image, mapping)
            r.build.builder_image = images.apply_mapping(r.build.builder_image, mapping)
    return r
