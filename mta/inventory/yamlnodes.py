"""YAML with positions: load data and keep the node tree, so an error in an
inventory can name the line it comes from."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence, Union

import yaml

from .. import yamlload
from ..errors import InputError


class YamlDoc:
    """Parsed YAML data plus its node tree; ``line(path)`` finds where a value sits."""

    def __init__(self, path: Path, data: Any, node: Any) -> None:
        self.path = path
        self.data = data
        self.node = node

    def line(self, keys: Sequence[Union[str, int]]) -> int:
        """1-based line of the value at ``keys``, or of the deepest parent found."""
        node = self.node
        found = node.start_mark.line + 1 if node is not None else 1
        for key in keys:
            nxt = None
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                        found = k.start_mark.line + 1
                        nxt = v
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
                nxt = node.value[key]
                found = nxt.start_mark.line + 1
            if nxt is None:
                return found
            node = nxt
        return found

    def where(self, keys: Sequence[Union[str, int]]) -> str:
        return f"{self.path}:{self.line(keys)}"


def load_doc(path: Path, text: str) -> YamlDoc:
    """Parse ``text`` (read from ``path``) keeping nodes; malformed YAML -> InputError with line."""
    yamlload.check_aliases(text, str(path))
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        raise InputError(f"{path}: YAML nested too deeply to load") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{path}{where}: malformed YAML: {problem}") from None
    finally:
        loader.dispose()
    return YamlDoc(path, data, node)
