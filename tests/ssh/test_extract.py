"""Extraction: one tar stream per app over real SSH, unpacked defensively."""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from mta.cli import main
from mta.extract import REPORT_NAME, AppExtract, compression_pays, extract_host, safe_extract
from mta.io import dump_model, write_atomic
from mta.model import AppPlan, Build, Extract, HostFacts, Plan, SecretRef
from mta.transport.local import LocalTransport

pytestmark = [pytest.mark.timeout(180)]


# -- the unpacker on hand-made hostile archives (no SSH needed) ----------------------


def _add(tf: tarfile.TarFile, name: str, *, data: bytes = b"", kind=tarfile.REGTYPE, link: str = "",
         mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.linkname = link
    if kind == tarfile.REGTYPE:
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    else:
        tf.addfile(info)


def test_safe_extract_refuses_every_escape(tmp_path):
    archive = tmp_path / "evil.tar"
    outside = tmp_path / "outside"
    outside.mkdir()
    with tarfile.open(archive, "w") as tf:
        _add(tf, "srv/app", kind=tarfile.DIRTYPE, mode=0o755)
        _add(tf, "srv/app/main.py", data=b"print(1)\n", mode=0o4755)
        _add(tf, "../escaped", data=b"x")
        _add(tf, "/abs/escaped", data=b"x")
        _add(tf, "srv/app/../../../escaped2", data=b"x")
        _add(tf, "srv/app/rel-link", kind=tarfile.SYMTYPE, link="main.py")
        _add(tf, "srv/app/abs-link", kind=tarfile.SYMTYPE, link="/srv/app/main.py")
        _add(tf, "srv/app/passwd", kind=tarfile.SYMTYPE, link="/etc/passwd")
        _add(tf, "srv/app/up", kind=tarfile.SYMTYPE, link="../../../../../")
        _add(tf, "srv/app/out", kind=tarfile.SYMTYPE, link=str(outside))
        _add(tf, "srv/app/out/planted", data=b"through the link")
        _add(tf, "srv/app/tty", kind=tarfile.CHRTYPE)
        _add(tf, "srv/app/disk", kind=tarfile.BLKTYPE)
        _add(tf, "srv/app/fifo", kind=tarfile.FIFOTYPE)
        _add(tf, "srv/app/hard-in", kind=tarfile.LNKTYPE, link="srv/app/main.py")
        _add(tf, "srv/app/hard-out", kind=tarfile.LNKTYPE, link="etc/shadow")
    dest = tmp_path / "context"
    dest.mkdir()
    res = AppExtract(app="t")
    safe_extract(archive, dest, res, roots=["/srv/app"])

    app = dest / "srv" / "app"
    assert (app / "main.py").read_bytes() == b"print(1)\n"
    assert not (app / "main.py").stat().st_mode & 0o7000  # no setuid in a context
    assert os.readlink(app / "rel-link") == "main.py"
    assert os.readlink(app / "abs-link") == "main.py"  # absolute, inside: made relative
    assert (app / "hard-in").read_bytes() == b"print(1)\n"
    for gone in ("passwd", "up", "tty", "disk", "fifo", "hard-out"):
        assert not os.path.lexists(app / gone), gone
    # the link was refused, so the file behind it landed in a plain directory
    assert not (app / "out").is_symlink() and (app / "out" / "planted").is_file()
    assert list(outside.iterdir()) == []
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "escaped2").exists()
    reasons = {s.path: s.reason for s in res.skipped}
    assert "unsafe" in reasons["../escaped"] and "unsafe" in reasons["/abs/escaped"]
    assert "leaves the context" in reasons["srv/app/passwd"]
    assert reasons["srv/app/tty"] == "device file" and reasons["srv/app/fifo"] == "fifo"
    assert "outside" in reasons["srv/app/hard-out"]
    # every file that exists is inside the context
    for p in dest.rglob("*"):
        assert os.path.realpath(p).startswith(str(dest.resolve())) or p.is_symlink()


def test_unpacking_on_its_own_thread_keeps_order_and_raises_what_stopped_it(tmp_path, monkeypatch):
    """Disk work runs on an applier thread behind the parser: a stream of many
    pieces lands whole and in order (a file replaced by a later entry of the
    same name keeps the later data), and a failure inside the applier reaches
    the caller instead of vanishing with its thread."""
    import threading

    import mta.extract as ex

    archive = tmp_path / "many.tar"
    with tarfile.open(archive, "w") as tf:
        for i in range(300):
            _add(tf, f"srv/d{i % 7}/f{i}", data=bytes([i % 251]) * (i * 97 % 5000))
        _add(tf, "srv/d0/f0", data=b"second copy wins")
        _add(tf, "srv/big", data=os.urandom(3 << 20))  # spans several pieces
    monkeypatch.setattr(ex._TarSink, "PIECE", 4096)  # many hand-overs, a full queue
    monkeypatch.setattr(ex._TarSink, "QUEUE", 2)
    dest = tmp_path / "ok"
    res = AppExtract(app="t")
    safe_extract(archive, dest, res)
    with tarfile.open(archive) as tf:
        want = {m.name: tf.extractfile(m).read() for m in tf.getmembers() if m.isfile()}
    assert res.files == 302 and not res.skipped
    for name, data in want.items():
        assert (dest / name).read_bytes() == data, name
    assert not [t for t in threading.enumerate() if t.name == "mta-unpack"]

    def broken(*a, **kw):
        raise RuntimeError("applier broke")

    monkeypatch.setattr(ex, "_create", broken)
    with pytest.raises(RuntimeError, match="applier broke"):
        safe_extract(archive, tmp_path / "broken", AppExtract(app="t"))
    assert not [t for t in threading.enumerate() if t.name == "mta-unpack"]


def test_file_modes_are_exact_whatever_the_umask(tmp_path):
    """Files are created with their mode (a chmod of their own only when the
    umask would take a wanted bit): no setuid, owner read/write always."""
    archive = tmp_path / "modes.tar"
    with tarfile.open(archive, "w") as tf:
        for name, mode in (("a/run.sh", 0o4755), ("a/conf.txt", 0o644), ("a/key", 0o400), ("a/w", 0o666)):
            _add(tf, name, data=b"abc", mode=mode)
    want = {"run.sh": 0o755, "conf.txt": 0o644, "key": 0o600, "w": 0o644}
    for umask in (0o022, 0o077, 0o002):
        dest = tmp_path / f"u{umask:o}"
        old = os.umask(umask)
        try:
            safe_extract(archive, dest, AppExtract(app="a", context=str(dest), include=[]))
        finally:
            os.umask(old)
        got = {p.name: p.stat().st_mode & 0o7777 for p in (dest / "a").iterdir()}
        assert got == want, oct(umask)
        assert (dest / "a/run.sh").read_bytes() == b"abc"


def test_links_into_packages_the_image_installs_are_kept_as_on_the_vm(tmp_path):
    # Debian's WordPress: its code tree links into php-getid3, libjs-underscore, ca-certificates
    archive = tmp_path / "wp.tar"
    with tarfile.open(archive, "w") as tf:
        _add(tf, "usr/share/wordpress/wp-includes/ID3/getid3.php", kind=tarfile.SYMTYPE,
             link="../../../php/getid3/getid3.php")
        _add(tf, "usr/share/wordpress/wp-includes/certificates/ca-bundle.crt", kind=tarfile.SYMTYPE,
             link="/etc/ssl/certs/ca-certificates.crt")
        _add(tf, "usr/share/wordpress/.htaccess", kind=tarfile.SYMTYPE, link="/etc/wordpress/htaccess")
        _add(tf, "usr/share/wordpress/shadow", kind=tarfile.SYMTYPE, link="/etc/shadow")
        _add(tf, "usr/share/wordpress/escape", kind=tarfile.SYMTYPE, link="../../php-other/x")
        _add(tf, "etc/wordpress/htaccess", data=b"# rules\n")
    dest = tmp_path / "context"
    dest.mkdir()
    res = AppExtract(app="web")
    safe_extract(archive, dest, res, roots=["/usr/share/wordpress", "/etc/wordpress"],
                 provided=["/usr/share/php/getid3", "/etc/ssl/certs"])
    wp = dest / "usr/share/wordpress"
    # the same link text as on the VM: the tree's checksum matches, the image's packages resolve it
    assert os.readlink(wp / "wp-includes/ID3/getid3.php") == "../../../php/getid3/getid3.php"
    assert os.readlink(wp / "wp-includes/certificates/ca-bundle.crt") == "/etc/ssl/certs/ca-certificates.crt"
    # an absolute link into another copied tree stays absolute: each tree keeps its VM path
    assert os.readlink(wp / ".htaccess") == "/etc/wordpress/htaccess"
    reasons = {s.path: s.reason for s in res.skipped}
    assert "leaves the context" in reasons["usr/share/wordpress/shadow"]  # /etc/ssl/certs is not /etc
    assert "leaves the context" in reasons["usr/share/wordpress/escape"]
    assert not os.path.lexists(wp / "shadow") and not os.path.lexists(wp / "escape")



def test_a_directory_entry_never_goes_through_a_kept_link(tmp_path):
    """A link into a tree the image provides is kept as on the VM: on this machine it
    points at this machine's own directory. A later directory entry of the same name
    replaces the link; it never chmods or fills the directory behind it."""
    outside = tmp_path / "host-certs"
    outside.mkdir()
    os.chmod(outside, 0o700)
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tf:
        _add(tf, "srv/app/certs", kind=tarfile.SYMTYPE, link=str(outside))
        _add(tf, "srv/app/certs", kind=tarfile.DIRTYPE, mode=0o755)
        _add(tf, "srv/app/certs/planted.pem", data=b"x")
    dest = tmp_path / "context"
    dest.mkdir()
    safe_extract(archive, dest, AppExtract(app="t"), roots=["/srv/app"], provided=[str(outside)])
    assert outside.stat().st_mode & 0o777 == 0o700 and list(outside.iterdir()) == []
    certs = dest / "srv/app/certs"
    assert not certs.is_symlink() and (certs / "planted.pem").read_bytes() == b"x"


def test_links_to_files_the_container_mounts_at_their_vm_path_are_kept(tmp_path):
    """/usr/share/wordpress/.htaccess -> /etc/wordpress/htaccess: the htaccess is a ConfigMap
    mounted where the VM had it, not copied, so the link resolves in the container."""
    from mta.extract import mounted_files
    from mta.model import AppPlan, ConfigFile, SecretRef

    app = AppPlan(name="web", stack="php-apache",
                  config=[ConfigFile(source="/etc/wordpress/htaccess", target="/etc/wordpress/htaccess", configmap=True),
                          ConfigFile(source="/etc/php/8.2/apache2/php.ini", target="/usr/local/etc/php/php.ini")],
                  secrets=[SecretRef(name="web-files", key="c.php", source="/etc/wordpress/c.php",
                                     target="/etc/wordpress/c.php"),
                           SecretRef(name="web-secrets", key="DB_PASSWORD", source="environment")])
    assert mounted_files(app) == ["/etc/wordpress/htaccess", "/etc/wordpress/c.php"]
    archive = tmp_path / "wp.tar"
    with tarfile.open(archive, "w") as tf:
        _add(tf, "usr/share/wordpress/.htaccess", kind=tarfile.SYMTYPE, link="/etc/wordpress/htaccess")
        _add(tf, "usr/share/wordpress/php.ini", kind=tarfile.SYMTYPE, link="/etc/php/8.2/apache2/php.ini")
    dest = tmp_path / "context"
    dest.mkdir()
    res = AppExtract(app="web")
    safe_extract(archive, dest, res, roots=["/usr/share/wordpress"], provided=mounted_files(app))
    assert os.readlink(dest / "usr/share/wordpress/.htaccess") == "/etc/wordpress/htaccess"
    # mounted elsewhere (the official image's php.ini path): the link would dangle
    assert "leaves the context" in {s.path: s.reason for s in res.skipped}["usr/share/wordpress/php.ini"]



def test_log_and_cache_dirs_by_name_are_code_in_a_packaged_tree(tmp_path):
    """Debian's MediaWiki ships the PSR-3 interfaces in /usr/share/mediawiki/vendor/psr/log:
    under /usr/share/ (packages' files) a directory named log or cache is code; the app's
    own cache under /var/lib/mediawiki is still left out, and elsewhere nothing changes."""
    import subprocess

    from mta.extract import plan_paths
    from mta.model import AppPlan, Extract

    app = AppPlan(name="web", stack="php-fpm", extract=Extract(include=["/var/lib/mediawiki", "/usr/share/mediawiki"]))
    _, excludes = plan_paths(app)
    for name in ("usr/share/mediawiki/vendor/psr/log/LoggerInterface.php", "usr/share/mediawiki/includes/cache/A.php",
                 "var/lib/mediawiki/cache/l10n.cdb", "var/lib/mediawiki/x/logs/a.txt", "var/lib/mediawiki/index.php"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    listed = subprocess.run(["tar", "-C", str(tmp_path), "-cf", "-", *(f"--exclude={p}" for p, _ in excludes),
                             "var/lib/mediawiki", "usr/share/mediawiki"], capture_output=True, check=True).stdout
    got = subprocess.run(["tar", "-tf", "-"], input=listed, capture_output=True, check=True).stdout.decode().split()
    assert "usr/share/mediawiki/vendor/psr/log/LoggerInterface.php" in got
    assert "usr/share/mediawiki/includes/cache/A.php" in got and "var/lib/mediawiki/index.php" in got
    assert not any(n.startswith(("var/lib/mediawiki/cache/", "var/lib/mediawiki/x/logs/")) and n[-1] != "/" for n in got)
    _, excludes = plan_paths(AppPlan(name="app", stack="flask", extract=Extract(include=["/srv/app"])))
    assert {"*/log/*", "*/logs/*", "*/cache/*"} <= {p for p, _ in excludes}


# -- over SSH -----------------------------------------------------------------------


@pytest.fixture
def app_tree(tmp_path):
    """A VM-like app directory with code, logs, data, secrets and specials."""
    root = tmp_path / "vm" / "srv" / "shop"
    for d in ("pkg/__pycache__", "logs", "uploads", "static"):
        (root / d).mkdir(parents=True)
    (root / "app.py").write_text("from flask import Flask\n")
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0" * 10)
    (root / "logs" / "app.log").write_text("noise\n")
    (root / "uploads" / "photo.jpg").write_bytes(os.urandom(2048))
    (root / ".env").write_text("SECRET_KEY=do-not-copy\n")
    (root / "server.key").write_text("-----BEGIN PRIVATE KEY-----\n")
    (root / "settings.ini").write_text("password = hunter2\n")
    (root / "static" / "logo.svg").write_text("<svg/>")
    os.symlink("static/logo.svg", root / "logo.svg")
    os.symlink("/etc/passwd", root / "passwd-link")
    os.mkfifo(root / "control.fifo")
    for p in [tmp_path, tmp_path / "vm", tmp_path / "vm" / "srv", root]:
        os.chmod(p, 0o755)
    return root


def _plan(root: Path, **extract) -> Plan:
    app = AppPlan(
        name="shop", stack="flask", runtime="python",
        code_paths=[str(root)], data_paths=[str(root / "uploads")], log_paths=[str(root / "logs")],
        secrets=[SecretRef(name="shop-settings", key="password", source=str(root / "settings.ini"))],
        build=Build(base_image="python:3.11-slim"),
        extract=Extract(include=[str(root)], exclude=["**/__pycache__"], **extract),
    )
    db = AppPlan(name="db", stack="postgresql", build=None, image="postgres:15")
    return Plan(host="vm1", apps=[app, db])


@pytest.mark.sshd
def test_extract_over_ssh(sshd, app_tree, tmp_path):
    host_dir = tmp_path / "out" / "hosts" / "vm1"
    with sshd.transport() as t:
        report = extract_host(t, _plan(app_tree), host_dir)
        assert t.round_trips == 1  # one tar stream for the app, nothing for the official image
    assert [a.app for a in report.apps] == ["shop"] and not report.failed
    ctx = host_dir / "apps" / "shop" / "context"
    base = ctx / str(app_tree).lstrip("/")
    assert (base / "app.py").read_text() == "from flask import Flask\n"
    assert (base / "pkg" / "__init__.py").exists()
    assert os.readlink(base / "logo.svg") == "static/logo.svg"
    for left_out in (".env", "server.key", "settings.ini", "logs/app.log", "uploads/photo.jpg",
                     "pkg/__pycache__/x.cpython-311.pyc", "passwd-link", "control.fifo"):
        assert not os.path.lexists(base / left_out), left_out
    record = json.loads((ctx / REPORT_NAME).read_text())
    assert record["files"] == report.apps[0].files == 3  # app.py, pkg/__init__.py, static/logo.svg
    reasons = {e["pattern"]: e["reason"] for e in record["excluded_patterns"]}
    assert "data directory" in reasons[str(app_tree / "uploads").lstrip("/")]
    assert "secret" in reasons[".env"] and "secret" in reasons[str(app_tree / "settings.ini").lstrip("/")]
    skipped = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in record["skipped"]}
    assert "leaves the context" in skipped["passwd-link"] and skipped["control.fifo"] == "fifo"
    assert list(host_dir.glob("apps/shop/.context-*")) == []  # staging cleaned

    # a second run replaces the context: files gone on the VM are gone here
    (app_tree / "app.py").unlink()
    with sshd.transport() as t:
        extract_host(t, _plan(app_tree, copy_secret_files=True), host_dir)
    assert not (base / "app.py").exists()
    assert (base / ".env").exists() and (base / "settings.ini").exists()  # asked for


@pytest.mark.sshd
def test_gzipped_stream_gives_the_same_context(sshd, app_tree, tmp_path):
    """On a slow link the stream goes through gzip on the host; on loopback it
    never does (no link check either: one round trip, as above)."""
    with sshd.transport() as t:
        assert compression_pays(t) is False and t.round_trips == 0
        plain = extract_host(t, _plan(app_tree), tmp_path / "plain")
        packed = extract_host(t, _plan(app_tree), tmp_path / "packed", compress=True)
    assert compression_pays(LocalTransport()) is False

    def tree(root: Path) -> dict:
        ctx = root / "apps" / "shop" / "context"
        return {str(p.relative_to(ctx)): (os.readlink(p) if p.is_symlink() else p.read_bytes() if p.is_file() else None)
                for p in ctx.rglob("*") if p.name != REPORT_NAME}

    assert tree(tmp_path / "packed") == tree(tmp_path / "plain") and tree(tmp_path / "plain")
    assert packed.apps[0].files == plain.apps[0].files == 3
    assert packed.apps[0].bytes < plain.apps[0].bytes  # what came over the wire: compressed


@pytest.mark.sshd
def test_extract_size_cap(sshd, app_tree, tmp_path):
    (app_tree / "static" / "big.bin").write_bytes(os.urandom(300_000))
    with sshd.transport() as t:
        report = extract_host(t, _plan(app_tree, max_bytes=200_000), tmp_path / "h")
        assert t.run("echo ok").ok
    app = report.apps[0]
    assert app.truncated and app.bytes <= 200_000
    record = json.loads((tmp_path / "h" / "apps" / "shop" / "context" / REPORT_NAME).read_text())
    assert record["truncated"] and any("size cap" in s["reason"] for s in record["skipped"])


@pytest.mark.sshd
def test_extract_cli_uses_the_discovery_address(capsys, sshd, app_tree, tmp_path, monkeypatch):
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(sshd.known_hosts))
    host_dir = tmp_path / "out" / "hosts" / "vm1"
    write_atomic(host_dir / "plan.yaml", dump_model(_plan(app_tree)))
    write_atomic(host_dir / "discovery.yaml", dump_model(HostFacts(host="vm1", address=sshd.hosts[4])))
    rc = main(["extract", str(host_dir / "plan.yaml"), "-p", str(sshd.port), *sshd.cli_args()])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "shop:" in cap.out and "files" in cap.out
    assert (host_dir / "apps" / "shop" / "context" / str(app_tree).lstrip("/") / "app.py").exists()

    # the SSH target recorded by ``mta discover`` needs no options at all
    write_atomic(host_dir / "discovery.yaml", dump_model(HostFacts(host="vm1", target=sshd.target(5))))
    rc = main(["extract", str(host_dir / "plan.yaml"), *sshd.cli_args()])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "3 files" in cap.out and "3 unchanged kept" in cap.out  # a second extract fetches only what changed

    rc = main(["extract", str(host_dir / "plan.yaml"), "--app", "nope"])
    err = capsys.readouterr().err
    assert rc == 1 and "no app named nope" in err
    assert "apps in the plan: shop" in err  # the names that would have worked


def test_extract_cli_local(capsys, app_tree, tmp_path):
    host_dir = tmp_path / "out" / "hosts" / "vm1"
    write_atomic(host_dir / "plan.yaml", dump_model(_plan(app_tree)))
    rc = main(["extract", str(host_dir / "plan.yaml"), "--local"])
    assert rc == 0, capsys.readouterr().err
    assert (host_dir / "apps" / "shop" / "context" / str(app_tree).lstrip("/") / "app.py").exists()


def test_unsafe_app_name_in_an_edited_plan(tmp_path, app_tree):
    from mta.transport.local import LocalTransport

    plan = _plan(app_tree)
    plan.apps[0].name = "x"  # valid, then forced below like a hand edit would
    plan.apps[0].__dict__["name"] = "../../escape"
    report = extract_host(LocalTransport("vm1"), plan, tmp_path / "h")
    assert report.failed and "unsafe app name" in report.failed[0].error
    assert not (tmp_path / "escape").exists()


@pytest.mark.sshd
@pytest.mark.services
def test_discover_detect_plan_extract_pipeline(sshd, services, tmp_path):
    detect = pytest.importorskip("mta.detect")
    plan_mod = pytest.importorskip("mta.plan")
    from mta.discover.collect import discover

    with sshd.transport() as t:
        facts = discover(t, host="self", sample_seconds=0)
        apps = detect.detect_apps(facts)
        plan = plan_mod.make_plan(facts, apps)
        flask_apps = [a for a in plan.apps if str(services.app_dir) in a.extract.include]
        assert flask_apps, [(a.name, a.stack, a.extract.include) for a in plan.apps]
        report = extract_host(t, plan, tmp_path / "hosts" / "self", apps=[flask_apps[0].name])
    assert not report.failed, report
    ctx = tmp_path / "hosts" / "self" / "apps" / flask_apps[0].name / "context"
    assert (ctx / str(services.app_dir).lstrip("/") / "hello.py").exists()


@pytest.mark.sshd
def test_deploy_symlink_root_brings_its_release(sshd, tmp_path):
    """Capistrano-style /srv/app/current -> releases/42: the release is copied too."""
    base = tmp_path / "vm" / "srv" / "shop"
    (base / "releases" / "42").mkdir(parents=True)
    (base / "releases" / "41").mkdir(parents=True)
    (base / "releases" / "42" / "app.py").write_text("v42\n")
    (base / "releases" / "41" / "app.py").write_text("v41\n")
    os.symlink("releases/42", base / "current")
    for p in [tmp_path, tmp_path / "vm", tmp_path / "vm" / "srv", base]:
        os.chmod(p, 0o755)
    current = str(base / "current")
    plan = Plan(host="vm1", apps=[AppPlan(name="shop", stack="flask", code_paths=[current],
                                          build=Build(base_image="python:3.11-slim"),
                                          extract=Extract(include=[current]))])
    with sshd.transport() as t:
        report = extract_host(t, plan, tmp_path / "h")
        assert t.round_trips == 1
    ctx = tmp_path / "h" / "apps" / "shop" / "context"
    link = ctx / current.lstrip("/")
    assert link.is_symlink() and (link / "app.py").read_text() == "v42\n"
    assert not (ctx / str(base / "releases" / "41").lstrip("/")).exists()
    assert not report.apps[0].skipped


@pytest.mark.sshd
def test_hostile_file_names(sshd, app_tree, tmp_path):
    raw = os.fsencode(app_tree)
    with open(raw + b"/bad\xff name\n$(id).py", "wb") as fh:
        fh.write(b"ok\n")
    os.symlink(b"/etc/\xfe\xff", raw + b"/bad-link-\xff")
    with sshd.transport() as t:
        report = extract_host(t, _plan(app_tree), tmp_path / "h")
    assert not report.failed
    base = os.fsencode(tmp_path / "h" / "apps" / "shop" / "context") + raw
    assert open(base + b"/bad\xff name\n$(id).py", "rb").read() == b"ok\n"
    assert not os.path.lexists(base + b"/bad-link-\xff")
    record = json.loads((tmp_path / "h" / "apps" / "shop" / "context" / REPORT_NAME).read_text())
    assert any(s["path"].startswith(str(app_tree).lstrip("/") + "/bad-link-") for s in record["skipped"])


@pytest.mark.sshd
def test_connection_cut_mid_copy_keeps_the_old_context(sshd_factory, app_tree, tmp_path):
    import threading
    import time

    from mta.transport import ConnectionLost

    server = sshd_factory(hosts=["127.0.0.1"])
    host_dir = tmp_path / "h"
    with server.transport() as t:
        extract_host(t, _plan(app_tree), host_dir)  # a good first copy
    ctx = host_dir / "apps" / "shop" / "context"
    before = sorted(str(p.relative_to(ctx)) for p in ctx.rglob("*"))
    big = app_tree / "static" / "big.bin"
    with open(big, "wb") as fh:
        for _ in range(64):
            fh.write(os.urandom(1 << 20))

    def cut() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            # the stream is unpacked as it arrives: cut while big.bin is being written
            # (at once: with the stream unpacked as it is received, 64 MiB take well under a second)
            if next((host_dir / "apps" / "shop" / ".extract-partial").rglob("big.bin"), None):
                for pid in server.children():
                    os.kill(pid, 9)
                return
            time.sleep(0.02)

    th = threading.Thread(target=cut)
    th.start()
    with server.transport() as t:
        with pytest.raises(ConnectionLost):
            extract_host(t, _plan(app_tree, max_bytes=1 << 30), host_dir)
    th.join()
    assert sorted(str(p.relative_to(ctx)) for p in ctx.rglob("*")) == before
    assert list(host_dir.glob("apps/shop/.context-*")) == []
