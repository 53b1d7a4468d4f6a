"""Self-contained programs (Go, Rust, C) that own a port: distroless for Go,
Debian's libc otherwise.
"""

from __future__ import annotations

from ...discover.secrets import env_is_secret
from ...model import Build
from .. import images
from .common import MB, app_root, code_files
from .registry import Recipe, register


def _secret_env(app) -> bool:
    return any(env_is_secret(e.name, e.value, e.secret) for e in app.env)


DISTROLESS = "gcr.io/distroless/base-debian12:nonroot"


#: a self-contained binary lifted naively drags its build toolchain along (Go, the common case)
@register("binary", stacks=("binary", "go", "golang"), naive=(840 * MB, "golang:1.22 (full toolchain)"))
def _binary(app, facts, debian: bool) -> Recipe:
    """A self-contained program (Go, Rust, C) that owns a port. Whether it is linked
    statically is not visible from discovery, so only a program confirmed as Go
    (stack or runtime ``go``) goes to distroless; the rest get Debian's libc."""
    go = "go" in ((app.stack or "").lower(), (app.runtime or "").lower()) or (app.stack or "").lower() == "golang"
    shell = bool(app.log_paths or app.data_paths) or _secret_env(app)
    notes: list[str] = []
    if go and not debian and not shell:
        # base, not static: a cgo build (net, os/user) links glibc dynamically
        b = Build(base_image=DISTROLESS)
        tool = "none"
        notes.append(f"Go program on {DISTROLESS} (glibc, CA certificates, tzdata; no shell): static and cgo builds "
                     "run; no RUN step, secrets shim or HEALTHCHECK can run in it - the orchestrator probes instead")
    else:
        b = Build(base_image=images.DEBIAN_IMAGE, packages=["ca-certificates"])
        tool = "bash"
        if go and not debian:
            notes.append(f"needs a shell (logs, volumes or the secrets shim), so not {DISTROLESS}")
        notes.append("whether the program is statically linked cannot be seen offline, so it runs on Debian 12's "
                     "libc; libraries beyond libc (ldd on the VM lists them) must be added to build.packages. A "
                     f"static build (file says 'statically linked') can use {DISTROLESS} or "
                     "gcr.io/distroless/static-debian12:nonroot")
    exe = app.command[0] if app.command else ""
    copied = any(exe == c or exe.startswith(c.rstrip("/") + "/") for c in app.code_paths)
    pkg = next((e.ref for e in app.evidence if e.kind == "package"), "")
    if not copied and pkg and facts.os.family == "debian":
        b.packages = sorted(set(b.packages) | {pkg})
        notes.append(f"{exe} is not copied: it came from the OS package {pkg}, installed from Debian instead")
    elif not copied and pkg:
        notes.append(f"{exe} is not copied: it came from the {facts.os.family} package {pkg}; add the Debian package "
                     "that provides it to build.packages")
    elif not copied:
        notes.append("the program was not copied (system path or unknown): install its package in the image")
    b.workdir = app.workdir or app_root(app)
    b.files = code_files(app, lambda p: p)
    return Recipe(build=b, tool=tool, notes=notes)
