"""The second round trip: globs expanded on the host, jar entries, the samples' detectors."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from mta.detect import detect_apps, split_globs, wanted_files
from mta.discover.collect import discover
from mta.discover.files import fetch_files
from mta.io import load_model
from mta.model import HostFacts
from mta.transport.local import LocalTransport
from mta.transport.tarcmd import parse_read_files, quote_glob, read_files_command

from .test_probe_live import SHELLS, CountingTransport, need

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
HOSTILE = "it's $(touch pwned) `id` ;"


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "host"
    (root / "sites-enabled").mkdir(parents=True)
    (root / "sites-enabled" / "default").write_text("server { listen 80; }\n")
    (root / "sites-enabled" / HOSTILE).write_text("hostile name\n")
    (root / "sites-enabled" / "subdir").mkdir()
    for app in ("ROOT", "shop", "with space"):
        (root / "webapps" / app / "WEB-INF").mkdir(parents=True)
        (root / "webapps" / app / "WEB-INF" / "web.xml").write_text(f"<web-app>{app}</web-app>\n")
    (root / "many").mkdir()
    for i in range(10):
        (root / "many" / f"f{i}.conf").write_text(str(i))
    with zipfile.ZipFile(root / "app.jar", "w") as jar:
        jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nStart-Class: shop.App\n")
    return root


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_globs_expand_on_the_host_quoted(tree, shell, tmp_path):
    """Literal parts stay quoted, glob characters stay active, matches are bounded."""
    need(SHELLS[shell][0])
    r = str(tree)
    exact = [f"{r}/sites-enabled/default", f"{r}/app.jar!/META-INF/MANIFEST.MF", f"{r}/app.jar!/missing.txt"]
    patterns = [f"{r}/sites-enabled/*", f"{r}/webapps/*/WEB-INF/web.xml", f"{r}/many/f[0-9].conf",
                f"{r}/nothing/*", f"{r}/sites-enabled/{HOSTILE}*"]
    script = read_files_command(exact, 1000, patterns, max_matches=4)
    res = subprocess.run(SHELLS[shell], input=script.encode(), capture_output=True, cwd=tmp_path, timeout=60)
    got = parse_read_files(res.stdout, exact)
    assert got[exact[0]] == b"server { listen 80; }\n"
    assert got[f"{r}/sites-enabled/{HOSTILE}"] == b"hostile name\n"  # matched once, by the first pattern
    assert got[f"{r}/webapps/with space/WEB-INF/web.xml"] == b"<web-app>with space</web-app>\n"
    assert {k for k in got if "/webapps/" in k} == {f"{r}/webapps/{a}/WEB-INF/web.xml" for a in ("ROOT", "shop", "with space")}
    assert len([k for k in got if "/many/" in k]) == 4  # max_matches
    assert f"{r}/sites-enabled/subdir" not in got and not any("/nothing/" in k for k in got)
    assert got[exact[1]] == b"Manifest-Version: 1.0\nStart-Class: shop.App\n"
    assert got[exact[2]] is None
    assert not (tmp_path / "pwned").exists() and not (tree / "sites-enabled" / "pwned").exists()
    # what the shell sees: the literal part quoted, the star outside the quotes
    assert quote_glob("/etc/nginx/sites enabled/*") == "'/etc/nginx/sites enabled/'*"
    assert quote_glob("/x/$(id)/[ab]?.conf") == "'/x/$(id)/'[ab]?.conf"


@pytest.mark.parametrize("unzip", ["none", "busybox"])
def test_jar_entry_without_info_zip(tree, tmp_path, unzip):
    """No unzip on the host: the entry is simply not there; busybox's unzip does."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("head", "grep"):
        os.symlink(shutil.which(tool), bindir / tool)
    if unzip == "busybox":
        os.symlink(need("busybox"), bindir / "unzip")
    paths = [f"{tree}/app.jar!/META-INF/MANIFEST.MF", f"{tree}/app.jar!/missing.txt", f"{tree}/sites-enabled/default"]
    script = f"PATH={bindir}\n" + read_files_command(paths, 100)
    res = subprocess.run(["/bin/sh", "-s"], input=script.encode(), capture_output=True, timeout=30)
    got = parse_read_files(res.stdout, paths)
    manifest = b"Manifest-Version: 1.0\nStart-Class: shop.App\n" if unzip == "busybox" else None
    assert got == {paths[0]: manifest, paths[1]: None, paths[2]: b"server { listen 80; }\n"}


def test_discover_reads_glob_matches_in_the_second_round_trip(tree, monkeypatch):
    import mta.detect

    r = str(tree)
    monkeypatch.setattr(mta.detect, "wanted_files",
                        lambda facts: [f"{r}/sites-enabled/*", f"{r}/webapps/*/WEB-INF/web.xml",
                                       f"{r}/sites-enabled/default", f"{r}/app.jar!/META-INF/MANIFEST.MF"])
    t = CountingTransport()
    facts = discover(t, sample_seconds=0, http_checks=False)
    assert t.runs == 1 and len(t.reads) == 1, "probe + one read_files round trip, globs included"
    paths = [f.path for f in facts.files]
    assert len(paths) == len(set(paths))
    assert facts.file(f"{r}/sites-enabled/{HOSTILE}").content == "hostile name\n"
    assert facts.file(f"{r}/webapps/shop/WEB-INF/web.xml") is not None
    assert "Start-Class: shop.App" in facts.file(f"{r}/app.jar!/META-INF/MANIFEST.MF").content
    assert facts.file(f"{r}/sites-enabled/*") is None


class RootedTransport(LocalTransport):
    """This machine with every path read under ``root``: a fake VM file system."""

    def __init__(self, root: Path):
        super().__init__("rooted")
        self.root = str(root)
        self.calls: list[tuple[list[str], list[str]]] = []

    def read_files(self, paths, *, max_bytes=1 << 20, sudo=False, patterns=()):
        self.calls.append((list(paths), list(patterns)))
        got = super().read_files([self.root + p for p in paths], max_bytes=max_bytes, sudo=sudo,
                                 patterns=[self.root + p for p in patterns])
        return {k[len(self.root):]: v for k, v in got.items()}


def _vm_tree(facts: HostFacts, root: Path) -> None:
    for f in facts.files:
        path, _, entry = f.path.partition("!/")
        dest = root / path.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        if entry:
            with zipfile.ZipFile(dest, "w") as jar:
                jar.writestr(entry, f.content)
        else:
            dest.write_text(f.content)


@pytest.mark.parametrize("sample", ["centos7-tomcat", "ubuntu1804-node-pm2", "ubuntu1604-django",
                                    "centos6-static", "debian10-lamp", "rhel8-springboot"])
def test_samples_detectors_find_their_files_through_globs(sample, tmp_path):
    """The VM's files laid out for real; discovery's one fetch finds what only a glob
    names (the tomcat webapp, the nginx vhost called after no app), and the
    detectors then see the same apps as with the sample's files."""
    need("unzip")
    full = load_model(SAMPLES / sample / "discovery.yaml", HostFacts)
    _vm_tree(full, tmp_path / "vm")
    facts = full.model_copy(deep=True)
    facts.files = []
    exact, globs = split_globs(wanted_files(facts))
    t = RootedTransport(tmp_path / "vm")
    fetch_files(t, facts)
    assert len(t.calls) == 1 and t.calls[0][1] == globs
    fetched = {f.path for f in facts.files}
    for f in full.files:
        if any(_matches(g, f.path) for g in globs):
            assert f.path in fetched, f"{f.path} matches a glob but was not fetched"
    only_by_glob = {f.path for f in full.files if f.path not in exact and any(_matches(g, f.path) for g in globs)}
    expected_only = {"centos7-tomcat": "/opt/tomcat/webapps/inventory/WEB-INF/web.xml",
                     "ubuntu1804-node-pm2": "/etc/nginx/sites-enabled/acme"}.get(sample)
    if expected_only:
        assert expected_only in only_by_glob and expected_only in fetched
    if sample == "rhel8-springboot":
        assert "/opt/orders/orders-service-2.3.1.jar!/META-INF/MANIFEST.MF" in fetched
    # a file no detector could guess the name of, for every pattern: found too
    extra = {g.replace("*", "mta-extra") for g in globs}
    for path in extra:
        dest = tmp_path / "vm" / path.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text("# extra\n")
    again = full.model_copy(deep=True)
    again.files = []
    fetch_files(RootedTransport(tmp_path / "vm"), again)
    assert extra <= {f.path for f in again.files}
    # the detectors see the same apps as with the sample's own files
    want = [(a.name, a.stack, a.ports) for a in detect_apps(full)]
    assert [(a.name, a.stack, a.ports) for a in detect_apps(facts)] == want


def _matches(pattern: str, path: str) -> bool:
    import fnmatch

    return pattern.count("/") == path.count("/") and fnmatch.fnmatchcase(path, pattern)
