"""Imports run one way: a module imports only from its own layer or below.

The layers are docs/architecture.md's table. ``KNOWN_BACK_EDGES`` lists the
edges that still run upward (each a debt, named where it is); a new one fails
this test, and so does a listed one that is gone (drop it from the list).
Run as a script to print the counts the closing notes quote:
``python3 tests/test_layers.py``.

An import of an mta module inside a function hides an edge from this check and
is usually a module on the wrong layer: each one says why it stays, with a
comment on its line (or on the comment lines right above it): ``# cycle: <why>``
where no module-level import can work, or, in ``mta/commands/`` and
``mta/cli.py`` only, ``# lazy: CLI start (<what it would load>)`` for what a
command loads only when it runs (``benchmarks/cli_start.py``).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "mta"

#: top-level module or package -> layer (lowest first)
LAYERS = {
    "model": 0, "errors": 0, "io": 0, "outcache": 0, "yamlemit": 0, "yamlload": 0, "templates_path": 0, "text": 0,
    "registry_scan": 0,
    "transport": 1,
    "discover": 2, "detect": 2,
    "plan": 3, "estimate": 3,
    "render": 4, "report": 4,
    "pipeline": 5, "extract": 5, "dataextract": 5, "verify": 5, "batch": 5, "inventory": 5, "wizard": 5,
    "security": 5,  # command time (scan, secret values); render time is render/security/, plan time plan/security/
    "commands": 6, "cli": 6, "__main__": 6,
}
def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return 0  # the mta package itself
    if parts[1] not in LAYERS:
        raise AssertionError(f"mta.{parts[1]} has no layer: add it to LAYERS and docs/architecture.md")
    return LAYERS[parts[1]]


def imports() -> list[tuple[str, str, int, bool]]:
    """(importer, imported module, line, inside a function) for every import of mta code."""
    found = []
    for path in sorted(PKG.rglob("*.py")):
        me = module_name(path)
        package = me.split(".") if path.name == "__init__.py" else me.split(".")[:-1]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_function = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                in_function.update(id(sub) for sub in ast.walk(node) if isinstance(sub, (ast.Import, ast.ImportFrom)))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - node.level + 1]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                if mod == "mta" or (mod.startswith("mta.") and not node.module and node.level):
                    # "from . import x": x may be a module of the package
                    targets = [f"{mod}.{a.name}" if (PKG.parent / (mod + "." + a.name).replace(".", "/")).exists()
                               or (PKG.parent / ((mod + "." + a.name).replace(".", "/") + ".py")).exists()
                               else mod for a in node.names]
                elif mod.startswith("mta"):
                    targets = [mod]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name == "mta" or a.name.startswith("mta.")]
            for t in targets:
                found.append((me, t, node.lineno, id(node) in in_function))
    return found


def _reason(lines: list[str], lineno: int) -> str:
    """The ``# cycle:``/``# lazy:`` note of the import at ``lineno`` (1-based):
    on its line, or on the comment lines right above it."""
    i = lineno - 1
    candidates = [lines[i]]
    j = i - 1
    while j >= 0 and lines[j].strip().startswith("#"):
        candidates.append(lines[j])
        j -= 1
    for text in candidates:
        for tag in ("# cycle:", "# lazy:"):
            if tag in text:
                return tag[2:-1]
    return ""


def undocumented_function_imports() -> list[str]:
    """Function-level imports of mta modules without a reason to stay there."""
    out = []
    sources: dict[str, list[str]] = {}
    for me, target, line, in_function in imports():
        if not in_function:
            continue
        path = PKG.parent / (me.replace(".", "/") + ".py")
        if not path.exists():
            path = PKG.parent / me.replace(".", "/") / "__init__.py"
        lines = sources.setdefault(me, path.read_text(encoding="utf-8").splitlines())
        reason = _reason(lines, line)
        if reason == "cycle" or (reason == "lazy" and layer(me) >= 6):
            continue
        out.append(f"  {me}:{line} imports {target}")
    return out


def back_edges() -> set[tuple[str, str]]:
    out = set()
    for me, target, _line, _fn in imports():
        if layer(me) >= 6:
            continue  # commands and the CLI may reach every layer
        if layer(target) > layer(me):
            out.add((me, target))
    return out


#: upward edges that remain (importer, imported); shrink this list, never grow it
KNOWN_BACK_EDGES: set[tuple[str, str]] = set()


def test_every_module_has_a_layer():
    for me, target, _line, _fn in imports():
        layer(me)
        layer(target)


def test_imports_run_one_way():
    edges = back_edges()
    new = sorted(edges - KNOWN_BACK_EDGES)
    gone = sorted(KNOWN_BACK_EDGES - edges)
    assert not new, "imports against the layer order (see docs/architecture.md):\n" + "\n".join(
        f"  {a} -> {b}" for a, b in new)
    assert not gone, "these back-edges are gone: drop them from KNOWN_BACK_EDGES:\n" + "\n".join(
        f"  {a} -> {b}" for a, b in gone)


def test_function_level_imports_say_why():
    missing = undocumented_function_imports()
    assert not missing, ("imports of mta modules inside functions: move them to the top of the module, or "
                         "say why not with '# cycle: <why>' (or, in commands/ and cli.py, "
                         "'# lazy: CLI start (<what>)'):\n" + "\n".join(missing))


if __name__ == "__main__":
    all_imports = imports()
    edges = back_edges()
    print(f"internal imports: {len(all_imports)}")
    print(f"function-level imports of mta modules: {sum(1 for i in all_imports if i[3])}"
          f" (undocumented: {len(undocumented_function_imports())})")
    print(f"back-edges (outside commands/cli): {len(edges)}")
    for a, b in sorted(edges):
        print(f"  {a} -> {b}")
