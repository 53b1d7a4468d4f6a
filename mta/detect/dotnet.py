""".NET (Core) apps on Linux: ``dotnet App.dll`` or a self-contained app binary."""

from __future__ import annotations

import json

from ..model import App, HostFacts, Process
from . import versions
from .common import (
    argv, basename, clamp, ev_file, ev_port, ev_process, ev_service, existing, join, listening, port_spec,
    process_fields, prog, roots, service_env_files, service_name, service_of, text_of, tree, uniq,
)
from .names import slug
from .registry import Detector, register


def _dll(p: Process) -> str:
    if prog(p) != "dotnet" and basename(p.exe) != "dotnet":
        return ""
    for a in argv(p)[1:]:
        if a.endswith(".dll"):
            return a if a.startswith("/") or not p.cwd else join(p.cwd, a)
        if not a.startswith("-"):
            return ""
    return ""


@register
class DotNet(Detector):
    name = "dotnet"
    stacks = ("dotnet",)
    order = 20

    def wants(self, facts: HostFacts) -> list[str]:
        out: list[str] = []
        for p in roots(facts, lambda x: bool(_dll(x))):
            dll = _dll(p)
            d = dll.rsplit("/", 1)[0]
            stem = basename(dll).removesuffix(".dll")
            out += [join(d, f"{stem}.runtimeconfig.json"), join(d, "appsettings.json"), join(d, "appsettings.Production.json"),
                    join(d, "web.config"), join(d, "*.csproj")]
            out += service_env_files(facts, [p])
        return uniq(out)

    def detect(self, facts: HostFacts) -> list[App]:
        return [self._one(facts, p) for p in roots(facts, lambda x: bool(_dll(x)))]

    def _one(self, facts: HostFacts, p: Process) -> App:
        dll = _dll(p)
        d = dll.rsplit("/", 1)[0]
        stem = basename(dll).removesuffix(".dll")
        procs = tree(facts, p)
        svc = service_of(facts, procs)
        ev = [ev_process(p, ".NET application")]
        if svc:
            ev.append(ev_service(svc))
        rc_path = join(d, f"{stem}.runtimeconfig.json")
        rc = text_of(facts, rc_path)
        ver, vev = versions.dotnet(facts, rc)
        fw = ""
        if rc:
            try:
                data = json.loads(rc)
                fws = data.get("runtimeOptions", {}).get("frameworks") or [data.get("runtimeOptions", {}).get("framework", {})]
                names = [f.get("name", "") for f in fws if isinstance(f, dict)]
                fw = "aspnetcore" if "Microsoft.AspNetCore.App" in names else ""
                ev.append(ev_file(rc_path, f"targets {', '.join(n for n in names if n)} {ver}"))
            except (ValueError, AttributeError):
                pass
        elif vev:
            ev.append(vev)
        ports = []
        for s in listening(facts, [x.pid for x in procs]):
            ev.append(ev_port(s))
            ports.append(port_spec(facts, s, http=True if fw == "aspnetcore" else None))
        return App(
            name=slug(stem),
            stack="dotnet",
            runtime="dotnet",
            runtime_version=ver,
            framework=fw,
            confidence=clamp(0.8 + 0.1 * bool(rc) + 0.05 * bool(ports)),
            evidence=ev,
            **process_fields(facts, p, procs, svc),
            ports=ports,
            workdir=p.cwd or d,
            code_paths=[d] if d else [],
            config_files=existing(facts, [join(d, "appsettings.json"), join(d, "appsettings.Production.json")]),
            service=service_name(svc),
        )
