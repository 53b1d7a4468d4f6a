"""Node.js: npm install in a builder stage on the official node image (or Debian's
nodejs); pm2 apps run as one process.
"""

from __future__ import annotations

from ...model import Build, ConfigFile
from .. import images
from ..paths import context_path
from ..shell import apt
from .common import MB, app_root
from .registry import Recipe, register


NAIVE = (1100 * MB, "node:20 (full Debian + build toolchain)")


def node_line(version: str) -> tuple[int, str, list[str]]:
    v = images.version_tuple(version)[:1]
    if not v:
        return 20, "bookworm", ["Node.js version unknown; assuming 20"]
    known = [(m,) for m in range(6, 25, 2)]
    got = images.closest(v, known)[0]
    distro = "stretch" if got <= 8 else "buster" if got == 10 else "bullseye" if got <= 16 else "bookworm"
    return got, distro, images.moved("Node.js", str(v[0]), str(got))


@register("node", stacks=("node", "nodejs", "pm2", "express"), naive=NAIVE)
def _node(app, facts, debian: bool) -> Recipe:
    root = app_root(app)
    install = ("if [ -f package-lock.json ]; then npm ci --production; else npm install --production; fi"
               " && npm cache clean --force")
    if debian:
        b = Build(base_image=images.DEBIAN_IMAGE, builder_image=images.DEBIAN_IMAGE, packages=["nodejs"],
                  builder_steps=[apt(["nodejs", "npm", "build-essential", "python3"]) + " && " + install])
        notes = ["Debian 12 ships Node.js 18 - test, or use --base official"]
    else:
        major, distro, notes = node_line(app.runtime_version)
        b = Build(base_image=f"node:{major}-{distro}-slim", builder_image=f"node:{major}-{distro}",
                  builder_steps=[install])
    b.env = {"NODE_ENV": "production"}
    b.workdir = root
    b.builder_files = [ConfigFile(source=context_path(root), target="/src", configmap=False)]
    b.artifacts = [ConfigFile(source="/src", target=root, configmap=False)]
    extra = [p for p in app.code_paths if p != root]
    b.files = [ConfigFile(source=context_path(p), target=p, configmap=False) for p in extra]
    if app.stack == "pm2":
        notes.append("pm2 is not used in the container: one process, restarted by the orchestrator")
    return Recipe(build=b, tool="node", notes=notes)
