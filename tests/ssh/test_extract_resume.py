"""Resumable extraction over real SSH: a cut-off extract, or a second one of
the same tree, fetches only what the context lacks or what changed on the VM;
the context is the one a fresh copy would give, and every safety rule of the
unpacker holds on the way (nothing written through a link, no link leaving
the context, configuration rewritten every time)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mta.extract import MANIFEST_NAME, PARTIAL_NAME, REPORT_NAME, extract_app
from mta.model import AppPlan, Build, Extract
from mta.transport import ConnectionLost

pytestmark = [pytest.mark.timeout(180), pytest.mark.sshd]


class Recording:
    """A real transport that remembers each tar request and can cut the
    stream after ``cut_after`` bytes (fault injection: a dropped connection)."""

    def __init__(self, inner, cut_after: int = 0) -> None:
        self.inner, self.cut_after = inner, cut_after
        self.requests: list = []
        self.endpoint = inner.endpoint
        self.command_timeout = inner.command_timeout

    def run(self, *a, **kw):
        return self.inner.run(*a, **kw)

    def tar_paths(self, paths, dest, **kw):
        self.requests.append(kw.get("members"))
        if not self.cut_after:
            return self.inner.tar_paths(paths, dest, **kw)
        limit, got = self.cut_after, [0]

        class Cutting:
            def write(self, data: bytes) -> int:
                if got[0] + len(data) > limit:
                    dest.write(data[:limit - got[0]])  # what arrived before the cut
                    raise ConnectionLost("test: connection cut")
                got[0] += len(data)
                return dest.write(data)

        return self.inner.tar_paths(paths, Cutting(), **kw)


@pytest.fixture
def vm(tmp_path):
    root = tmp_path / "vm" / "srv" / "site"
    (root / "lib").mkdir(parents=True)
    (root / "static").mkdir()
    for i in range(12):
        (root / "lib" / f"mod{i:02}.py").write_bytes(os.urandom(200_000))
    (root / "app.py").write_text("import lib\n")
    (root / "static" / "logo.svg").write_text("<svg/>")
    (root / "settings.ini").write_text("[db]\npassword = resume-pw-77\n")
    os.symlink("static/logo.svg", root / "logo.svg")
    os.chmod(root / "app.py", 0o750)
    for p in [tmp_path, tmp_path / "vm", tmp_path / "vm" / "srv", root]:
        os.chmod(p, 0o755)
    return root


def _app(root: Path) -> AppPlan:
    return AppPlan(name="site", stack="flask", code_paths=[str(root)], build=Build(base_image="python:3.11-slim"),
                   extract=Extract(include=[str(root)]))


def _tree(ctx: Path) -> dict:
    """Every entry under the context (but mta's own records): content, link text, mode."""
    out = {}
    for p in sorted(ctx.rglob("*")):
        rel = str(p.relative_to(ctx))
        if rel.startswith(".mta-"):
            continue
        st = p.lstat()
        out[rel] = (os.readlink(p) if p.is_symlink() else p.read_bytes() if p.is_file() else "dir",
                    st.st_mode & 0o7777 if not p.is_symlink() else 0)
    return out


def _regular(members, base: str) -> list[str]:
    """The requested names that are regular files on the VM."""
    return sorted(m for m in members or [] if os.path.isfile("/" + m) and not os.path.islink("/" + m))


def test_a_cut_extract_resumes_with_only_what_is_missing(sshd, vm, tmp_path):
    fresh_dir = tmp_path / "fresh" / "site"
    with sshd.transport() as t:
        fresh = extract_app(t, _app(vm), fresh_dir)
    want = _tree(fresh_dir / "context")
    assert fresh.files == 15 and fresh.secret_values  # 12 modules, app.py, logo.svg, settings.ini

    app_dir = tmp_path / "out" / "site"
    with sshd.transport() as inner:
        cut = Recording(inner, cut_after=1_000_000)  # about 5 of the 12 modules
        with pytest.raises(ConnectionLost):
            extract_app(cut, _app(vm), app_dir)
    assert not (app_dir / "context").exists()  # nothing half-made where the build looks
    partial = app_dir / PARTIAL_NAME
    had = sorted(str(p.relative_to(partial)) for p in partial.rglob("mod*.py"))
    assert 2 <= len(had) < 12

    # a file the killed run wrote but never recorded, which the VM has since removed, is not kept
    stray = partial / str(vm).lstrip("/") / "lib" / "gone.py"
    stray.write_text("removed on the VM\n")
    with sshd.transport() as inner:
        again = Recording(inner)
        res = extract_app(again, _app(vm), app_dir)
    [members] = again.requests
    assert not (app_dir / "context" / str(vm).lstrip("/") / "lib" / "gone.py").exists()
    asked = _regular(members, str(vm))
    # what the cut run had whole is not asked for again; everything else is
    assert not set(had) & set(asked)
    assert len([m for m in asked if "/lib/mod" in m]) == 12 - len(had)
    assert res.resumed >= len(had) and res.bytes < fresh.bytes - len(had) * 200_000
    assert _tree(app_dir / "context") == want
    assert res.files == 15 and res.secret_values == fresh.secret_values
    assert "resume-pw-77" not in (app_dir / "context" / str(vm).lstrip("/") / "settings.ini").read_text()
    assert not partial.exists()


def test_a_second_extract_fetches_only_what_changed(sshd, vm, tmp_path):
    app_dir = tmp_path / "out" / "site"
    with sshd.transport() as t:
        first = extract_app(t, _app(vm), app_dir)
        rec = Recording(t)
        same = extract_app(rec, _app(vm), app_dir)
    ctx = app_dir / "context"
    before = _tree(ctx)
    [members] = rec.requests
    # nothing changed: the only file asked for again is the configuration the scan rewrote
    assert _regular(members, str(vm)) == [str(vm / "settings.ini").lstrip("/")]
    assert same.reused == 14 and same.files == 15 and same.bytes < 20_000 < first.bytes
    assert same.secret_values == first.secret_values and same.secret_files == first.secret_files
    assert json.loads((ctx / REPORT_NAME).read_text())["reused_files"] == 14

    # one module changes, one goes away, one is new, a mode changes
    (vm / "lib" / "mod03.py").write_bytes(b"changed\n")
    (vm / "lib" / "mod07.py").unlink()
    (vm / "lib" / "new.py").write_text("new\n")
    os.chmod(vm / "app.py", 0o755)
    with sshd.transport() as t:
        rec = Recording(t)
        changed = extract_app(rec, _app(vm), app_dir)
    [members] = rec.requests
    rel = str(vm).lstrip("/")
    assert _regular(members, str(vm)) == sorted(f"{rel}/{n}" for n in ("lib/mod03.py", "lib/new.py", "app.py",
                                                                     "settings.ini"))
    assert changed.bytes < 50_000
    got = _tree(ctx)
    assert got[f"{rel}/lib/mod03.py"] == (b"changed\n", 0o644)
    assert got[f"{rel}/lib/new.py"][0] == b"new\n" and got[f"{rel}/app.py"][1] == 0o755
    assert f"{rel}/lib/mod07.py" not in got
    assert got[f"{rel}/lib/mod01.py"] == before[f"{rel}/lib/mod01.py"]

    # and the whole is what a fresh copy gives
    with sshd.transport() as t:
        extract_app(t, _app(vm), tmp_path / "fresh" / "site")
    assert got == _tree(tmp_path / "fresh" / "site" / "context")


def test_a_gzipped_second_extract_fetches_only_what_changed(sshd, vm, tmp_path):
    """On a slow link the asked-for names go through gzip as a whole stream does."""
    app_dir = tmp_path / "out" / "site"
    with sshd.transport() as t:
        extract_app(t, _app(vm), app_dir, compress=True)
        (vm / "lib" / "mod02.py").write_bytes(b"x" * 100_000)
        rec = Recording(t)
        res = extract_app(rec, _app(vm), app_dir, compress=True)
        extract_app(t, _app(vm), tmp_path / "plain" / "site")
    rel = str(vm).lstrip("/")
    assert _regular(rec.requests[0], str(vm)) == [f"{rel}/lib/mod02.py", f"{rel}/settings.ini"]
    assert res.bytes < 5_000 and res.reused == 13  # 100 kB of one byte, packed
    assert _tree(app_dir / "context") == _tree(tmp_path / "plain" / "site" / "context")


def test_resumed_changes_keep_every_unpacking_rule(sshd, vm, tmp_path):
    """Between two extracts the VM's tree turns hostile: a directory becomes a link
    out of the context, a file becomes a link to /etc/passwd, a fifo appears. The
    second extract applies none of them through the context's own entries."""
    app_dir = tmp_path / "out" / "site"
    outside = tmp_path / "outside"
    outside.mkdir()
    with sshd.transport() as t:
        extract_app(t, _app(vm), app_dir)
    for p in (vm / "static").iterdir():
        p.unlink()
    (vm / "static").rmdir()
    os.symlink(str(outside), vm / "static")  # was a directory of the context
    (vm / "app.py").unlink()
    os.symlink("/etc/passwd", vm / "app.py")
    os.mkfifo(vm / "ctl.fifo")
    with sshd.transport() as t:
        res = extract_app(t, _app(vm), app_dir)
    ctx = app_dir / "context"
    base = ctx / str(vm).lstrip("/")
    reasons = {s.path.rsplit("/", 1)[-1]: s.reason for s in res.skipped}
    assert "leaves the context" in reasons["static"] and "leaves the context" in reasons["app.py"]
    assert reasons["ctl.fifo"] == "fifo"
    for gone in ("static", "app.py", "ctl.fifo", "logo.svg/x"):
        assert not os.path.lexists(base / gone), gone
    assert list(outside.iterdir()) == []
    root = os.path.realpath(ctx)
    for p in ctx.rglob("*"):
        if p.is_symlink():
            assert os.path.realpath(p).startswith(root + os.sep) or not os.path.exists(p), p
    # the manifest lists what the context holds, nothing that was refused
    names = [json.loads(line)[0] for line in (ctx / MANIFEST_NAME).read_text().splitlines()[1:]]
    assert f"{str(vm).lstrip('/')}/app.py" not in names and all(os.path.lexists(ctx / n) for n in names)


def test_a_file_gone_from_the_context_comes_again(sshd, vm, tmp_path):
    """The manifest is not taken on trust: what the context lost since is fetched."""
    app_dir = tmp_path / "out" / "site"
    with sshd.transport() as t:
        extract_app(t, _app(vm), app_dir)
        lost = app_dir / "context" / str(vm).lstrip("/") / "lib" / "mod05.py"
        lost.unlink()
        rec = Recording(t)
        res = extract_app(rec, _app(vm), app_dir)
    assert str(vm / "lib" / "mod05.py").lstrip("/") in rec.requests[0]
    assert lost.read_bytes() == (vm / "lib" / "mod05.py").read_bytes() and res.reused == 13


def test_a_changed_plan_fetches_everything_again(sshd, vm, tmp_path):
    app_dir = tmp_path / "out" / "site"
    with sshd.transport() as t:
        extract_app(t, _app(vm), app_dir)
        app = _app(vm)
        app.extract.exclude = ["*/lib/mod0*"]
        rec = Recording(t)
        res = extract_app(rec, app, app_dir)
    assert rec.requests == [None]  # other excludes: a fresh copy, no listing to build on
    base = app_dir / "context" / str(vm).lstrip("/")
    assert not (base / "lib" / "mod01.py").exists() and (base / "lib" / "mod11.py").exists()
    assert res.reused == 0 and res.files == 5
