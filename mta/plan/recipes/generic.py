"""Programs with no runtime recipe (a Perl or shell script owning a port): the code
is copied onto Debian and run as on the VM. Stacks land here only when claimed.
"""

from __future__ import annotations

from ...model import Build
from .. import images
from .common import app_root, code_files
from .registry import Recipe, register


#: interpreters the listening-port fallback can name that have no recipe of their own
@register("generic", stacks=("perl", "pypy", "sh", "bash", "dash"))
def _generic(app, facts, debian: bool) -> Recipe:
    b = Build(base_image=images.DEBIAN_IMAGE, workdir=app_root(app))
    b.files = code_files(app, lambda p: p)
    notes = [f"stack {app.stack!r} has no recipe: the code is copied onto {images.DEBIAN_IMAGE} and run as on "
             "the VM; add the runtime it needs to build.packages"]
    return Recipe(build=b, tool="bash", notes=notes)
