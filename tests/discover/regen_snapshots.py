"""Developer helper: rewrite the ``expected:`` part of distro snapshots from the parsers.

    python -m tests.discover.regen_snapshots [NAME...]

Review the diff before committing: a snapshot is only worth something if a
person checked that the expected facts are right for that distro.
"""

from __future__ import annotations

import sys

from mta.io import dump_yaml

from .fixtures import DISTROS, actual, load, parse_snapshot


def main(names: list[str]) -> None:
    for path in sorted(DISTROS.glob("*.yaml")):
        if names and path.stem not in names:
            continue
        text = path.read_text(encoding="utf-8")
        head = text.split("\nexpected:", 1)[0].rstrip("\n") + "\n"
        if "\nstderr:" in text.split("\nexpected:", 1)[-1] and "\nexpected:" in text:
            raise SystemExit(f"{path}: put stderr: before expected:")
        exp = dump_yaml({"expected": actual(parse_snapshot(load(path)))})
        path.write_text(head + exp, encoding="utf-8")
        print(f"rewrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
