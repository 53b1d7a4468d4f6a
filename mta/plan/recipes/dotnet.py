""".NET: the VM's published output on Microsoft's aspnet/runtime/runtime-deps
images.
"""

from __future__ import annotations

import re

from ...model import Build
from .. import images
from .common import MB, app_root, code_files
from .registry import Recipe, register


#: mcr.microsoft.com/dotnet/{aspnet,runtime,runtime-deps}:<line>
DOTNET = [(2, 1), (3, 1), (5, 0), (6, 0), (7, 0), (8, 0), (9, 0), (10, 0)]


def dotnet_line(version: str) -> tuple[str, list[str]]:
    return images.minor_line(".NET", version, DOTNET, "8.0", ".NET version unknown; assuming 8.0 (LTS)")


@register("dotnet", stacks=("dotnet", "aspnetcore"), naive=(880 * MB, "mcr.microsoft.com/dotnet/sdk:8.0"))
def _dotnet(app, facts, debian: bool) -> Recipe:
    line, notes = dotnet_line(app.runtime_version)
    argv = list(app.command)
    first = argv[0].rsplit("/", 1)[-1] if argv else "dotnet"
    dll = next((i for i, a in enumerate(argv[:3]) if a.endswith(".dll")), -1)
    # "dotnet App.dll" needs the shared runtime; a native apphost (self-contained) only its libraries
    self_contained = bool(argv) and first != "dotnet" and dll < 0
    env: dict[str, str] = {}
    if self_contained:
        if debian:
            b = Build(base_image=images.DEBIAN_IMAGE, packages=["ca-certificates", "libicu72", "libssl3"])
            notes.append("self-contained .NET app: Debian 12 with the libraries it loads (ICU, OpenSSL)")
        else:
            b = Build(base_image=f"mcr.microsoft.com/dotnet/runtime-deps:{line}")
        cmd, server = [], False  # the VM's own command runs the apphost
    else:
        kind = "aspnet" if app.framework == "aspnetcore" else "runtime"
        b = Build(base_image=f"mcr.microsoft.com/dotnet/{kind}:{line}")
        if debian:
            notes.append("Debian 12 has no .NET packages: the framework-dependent app (dotnet *.dll) runs on "
                         f"Microsoft's {kind} image, itself Debian based")
        cmd = ["dotnet", *argv[dll:]] if dll >= 0 else ["dotnet", *argv[1:]] if argv else []
        server = bool(cmd)
        notes.append("the VM's published output is copied as is (no build stage); building from source needs "
                     f"mcr.microsoft.com/dotnet/sdk:{line} as a build stage")
    if app.framework == "aspnetcore" or app.ports:
        port = app.ports[0].port if app.ports else 8080
        # images before .NET 8 bind :80, which uid 10001 cannot; 8+ bind :8080
        env["ASPNETCORE_URLS"] = f"http://+:{port}"
        vm_urls = next((e.value for e in app.env if e.name == "ASPNETCORE_URLS" and e.value), "")
        if re.search(r"//(localhost|127\.0\.0\.1)[:/]", vm_urls):
            notes.append(f"the VM sets ASPNETCORE_URLS={vm_urls[:100]}, which only listens inside the container: "
                         f"remove it from env (the image sets http://+:{port})")
        notes.append("Kestrel endpoints in appsettings*.json override ASPNETCORE_URLS: check they do not bind localhost")
    b.env = env
    b.workdir = app_root(app)
    b.files = code_files(app, lambda p: p)
    return Recipe(build=b, tool="bash", notes=notes, default_cmd=cmd, server=server)
