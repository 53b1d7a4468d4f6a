"""What Node.js apps share: package.json, framework, script and launcher."""

from __future__ import annotations

import json
import re
from typing import Optional

from ..model import Evidence, HostFacts, Process
from .common import basename, descendants, ev_file, join, prog, script_arg, text_of, uniq

LAUNCHERS = {"npm", "npm-cli.js", "yarn", "yarn.js", "forever", "monitor", "nodemon", "pm2", "node-dev", "npx"}
FRAMEWORKS = (("@nestjs/core", "nestjs"), ("next", "nextjs"), ("express", "express"), ("koa", "koa"),
              ("@hapi/hapi", "hapi"), ("hapi", "hapi"), ("fastify", "fastify"), ("sails", "sails"),
              ("meteor-node-stubs", "meteor"), ("loopback", "loopback"), ("restify", "restify"))


def is_node(p: Process) -> bool:
    return prog(p) in ("node", "nodejs") or basename(p.exe) in ("node", "nodejs")


def script(p: Process) -> str:
    _, s = script_arg(p)
    if s and not s.startswith("/") and p.cwd:
        s = join(p.cwd, s)
    return s


def is_launcher(p: Process) -> bool:
    s = basename(script(p))
    return s in LAUNCHERS or "/npm/" in script(p) or "/yarn/" in script(p) or "/forever/" in script(p) or prog(p) in ("npm", "yarn")


def real_main(facts: HostFacts, p: Process) -> Process:
    """Behind ``npm start`` / forever / nodemon, the node process that runs the app."""
    if not is_launcher(p):
        return p
    for d in descendants(facts, p.pid):
        if is_node(d) and not is_launcher(d):
            return d
    return p


def package_json_paths(p: Process) -> list[str]:
    out = []
    s = script(p)
    if p.cwd:
        out.append(join(p.cwd, "package.json"))
    if s.startswith("/"):
        d = s.rsplit("/", 1)[0]
        out += [join(d, "package.json"), join(d, "..", "package.json")]
    return uniq(out)


def package_json(facts: HostFacts, paths: list[str]) -> tuple[str, dict]:
    for path in paths:
        t = text_of(facts, path)
        if t:
            try:
                data = json.loads(t)
            except ValueError:
                continue
            if isinstance(data, dict):
                return path, data
    return "", {}


def framework(path: str, pkg: dict) -> tuple[str, Optional[Evidence]]:
    deps = {**(pkg.get("dependencies") or {}), **(pkg.get("devDependencies") or {})} if isinstance(pkg.get("dependencies", {}), dict) else {}
    for dep, fw in FRAMEWORKS:
        if dep in deps:
            return fw, ev_file(path, f"depends on {dep} {deps[dep]}")
    return "", None


def engines_node(pkg: dict) -> str:
    eng = pkg.get("engines") if isinstance(pkg.get("engines"), dict) else {}
    m = re.search(r"(\d+)(?:\.(\d+))?", str(eng.get("node", "")))
    return (m.group(1) + (f".{m.group(2)}" if m.group(2) else "")) if m else ""


