"""No secret value reaches OUT: a real gunicorn app started with secrets in its
environment and in files of its directory, discovered by the real probe over
LocalTransport, planned, rendered (hardening, policies, falco, sbom) and
reported; then every file under OUT is searched for every planted value.
``--with-secret-values`` gets them back from the live process into a 0600 file
outside OUT."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from mta.errors import InputError

from .conftest import unavailable

pytestmark = pytest.mark.timeout(300)

ENV = {
    "DB_PASSWORD": "pw-Zq81-env-leak",
    "API_TOKEN": "tok-Yx72-env-leak",
    "DATABASE_URL": "postgresql://app:urlpw-Wv63-leak@127.0.0.1/app",
    "SECRET_KEY": "sk-Uu54-env-leak",
    "APP_MODE": "production",
}
FILES = {
    ".env": "SECRET_KEY=sk-file-Tt45-leak\nDB_PASS=dbp-file-Ss36-leak\nDEBUG=0\n",
    "settings.py": 'DEBUG = False\nPASSWORD = "py-Rr27-leak"\nDATABASES = {"default": {"PASSWORD": "pyd-Pp09-leak"}}\n',
    "config.json": '{"db": {"password": "json-Qq18-leak", "host": "127.0.0.1"}}\n',
}
PLANTED = ["pw-Zq81-env-leak", "tok-Yx72-env-leak", "urlpw-Wv63-leak", "sk-Uu54-env-leak", "sk-file-Tt45-leak",
           "dbp-file-Ss36-leak", "py-Rr27-leak", "pyd-Pp09-leak", "json-Qq18-leak"]


@pytest.fixture(scope="module")
def secret_app(tmp_path_factory):
    from tests.support.services import APP_SRC, _gunicorn, _stop, _wait_port, free_port

    cmd = _gunicorn()
    if not cmd:
        unavailable("gunicorn + flask not installed (apt-get install gunicorn python3-flask)")
    root = tmp_path_factory.mktemp("leak")
    app_dir = root / "srv" / "secretapp"
    shutil.copytree(APP_SRC, app_dir)
    for name, text in FILES.items():
        (app_dir / name).write_text(text)
    port = free_port()
    log = root / "gunicorn.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--chdir", str(app_dir),
                                       "hello:app"], cwd=app_dir, stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **ENV})
    try:
        _wait_port(port, "gunicorn", proc, log)
        yield proc.pid, app_dir
    finally:
        _stop(proc.pid)


@pytest.fixture(scope="module")
def pipeline(secret_app, tmp_path_factory):
    from mta.discover.collect import discover
    from mta.pipeline import generate_host
    from mta.transport.local import LocalTransport

    pid, _ = secret_app
    facts = discover(LocalTransport(), host="leaktest", sample_seconds=0.3)
    out = tmp_path_factory.mktemp("leak-out")
    plan, _ = generate_host(facts, None, out)
    return facts, plan, out, pid


def test_secrets_were_seen_and_masked(pipeline):
    facts, plan, _, pid = pipeline
    proc = facts.process(pid)
    assert proc is not None, "the probe saw the app"
    from mta.model import SECRET_MARKER

    assert proc.env.get("DB_PASSWORD") == SECRET_MARKER and proc.env.get("APP_MODE") == "production"
    app = next(a for a in plan.apps if pid in a.pids)
    refs = {s.key for s in app.secrets}
    assert {"DB_PASSWORD", "API_TOKEN", "SECRET_KEY", "DATABASE_URL"} <= refs


def test_no_planted_value_anywhere_under_out(pipeline, capsys):
    from mta.cli import main

    _, _, out, _ = pipeline
    assert main(["report", str(out)]) in (0, 3)
    capsys.readouterr()
    files = [p for p in Path(out).rglob("*") if p.is_file()]
    assert any(p.name == "discovery.yaml" for p in files) and any(p.name == "falco-rules.yaml" for p in files)
    assert any(p.suffix == ".html" for p in files), "the report was written"
    leaks = [(str(p.relative_to(out)), v) for p in files for v in PLANTED if v.encode() in p.read_bytes()]
    assert leaks == []


def test_with_secret_values_writes_a_private_file_outside_out(pipeline, tmp_path):
    from mta.security.secret_values import export
    from mta.transport.local import LocalTransport

    facts, plan, out, _ = pipeline
    with pytest.raises(InputError, match="inside the artifacts tree"):
        export(LocalTransport(), facts, plan, Path(out) / "hosts" / "secrets.env", out)
    path = export(LocalTransport(), facts, plan, tmp_path / "leaktest-secrets.env", out)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    for key in ("DB_PASSWORD", "API_TOKEN", "SECRET_KEY"):
        assert f"{key}={ENV[key]}" in text
    assert "urlpw-Wv63-leak" in text
    sourced = subprocess.run(["sh", "-c", f'. "{path}"; printf %s "$DB_PASSWORD"'], capture_output=True, text=True)
    assert sourced.stdout == ENV["DB_PASSWORD"]


def test_extracted_context_carries_no_secret(pipeline, capsys):
    """``mta extract`` copies the app's directory into the build context (inside OUT)."""
    from mta.cli import main

    _, plan, out, pid = pipeline
    app = next(a for a in plan.apps if pid in a.pids)
    host = Path(out) / "hosts" / "leaktest"
    # only our app: this test run's own python process is discovered too, and its
    # directory (this repository, these very values) is not a VM app
    assert main(["extract", str(host / "plan.yaml"), "--local", "--app", app.name]) in (0, 3)
    capsys.readouterr()
    files = [p for p in (host / "apps" / app.name).rglob("*") if p.is_file()]
    assert any("context" in p.parts and p.name == "hello.py" for p in files), "the code was extracted"
    leaks = [(str(p.relative_to(out)), v) for p in files for v in PLANTED if v.encode() in p.read_bytes()]
    assert leaks == []
    settings = next(p for p in files if p.name == "settings.py")
    assert 'PASSWORD = "${MTA_SECRET_PASSWORD' in settings.read_text()
    settings = next(p for p in files if p.name == "settings.py")
    assert 'PASSWORD = "${MTA_SECRET_PASSWORD' in settings.read_text()


def test_entrypoint_fills_the_placeholders_at_start(pipeline, tmp_path):
    """The extracted shim, run as the image would, puts the values back from the environment."""
    from mta.cli import main

    _, plan, out, pid = pipeline
    app = next(a for a in plan.apps if pid in a.pids)
    app_dir = Path(out) / "hosts" / "leaktest" / "apps" / app.name
    if not (app_dir / "context" / ".mta-secret-files").is_file():  # run alone: extract first
        main(["extract", str(app_dir.parents[1] / "plan.yaml"), "--local", "--app", app.name])
    shim = (app_dir / "mta-secrets-env.sh").read_text()
    assert "mta_fill" in shim and not [v for v in PLANTED if v in shim]
    ctx = app_dir / "context"
    files = (ctx / ".mta-secret-files").read_text().split()
    # the container paths are the VM paths the context mirrors: run the shim over a copy
    root = tmp_path / "root"
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ctx / rel, root / rel)
    remapped = shim
    for rel in files:
        remapped = remapped.replace("/" + rel, str(root / rel))
    script = tmp_path / "shim.sh"
    script.write_text(remapped)
    import json
    import re

    record = json.loads((ctx / ".mta-extract.json").read_text())
    names = record["secret_placeholders"]["variables"]
    assert names and all(n.startswith("MTA_SECRET_") for n in names)
    assert sorted(record["secret_placeholders"]["filled_at_start"]) == sorted("/" + f for f in files)
    env = {"PATH": "/usr/bin:/bin", **{n: f"filled-{n}" for n in names}}
    run = subprocess.run(["sh", str(script), "cat", *[str(root / r) for r in files]], env=env,
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert "${MTA_SECRET_" not in run.stdout
    assert re.search(r'^PASSWORD = "filled-MTA_SECRET_PASSWORD\w*"$', run.stdout, re.M)


def test_extract_with_secret_values_keeps_the_placeholder_values(pipeline, tmp_path, capsys):
    """The values the placeholders replaced go to the operator's 0600 file, sourceable by the fill shim."""
    from mta.cli import main

    _, plan, out, pid = pipeline
    app = next(a for a in plan.apps if pid in a.pids)
    plan_file = Path(out) / "hosts" / "leaktest" / "plan.yaml"
    base = ["extract", str(plan_file), "--local", "--app", app.name]
    assert main(base + ["--with-secret-values", str(Path(out) / "v.env")]) == 1
    assert "inside the artifacts tree" in capsys.readouterr().err
    values = tmp_path / "v.env"
    assert main(base + ["--with-secret-values", str(values)]) in (0, 3)
    capsys.readouterr()
    assert stat.S_IMODE(values.stat().st_mode) == 0o600
    text = values.read_text()
    assert f"[{app.name}-placeholders]" in text
    for v in ("py-Rr27-leak", "pyd-Pp09-leak", "json-Qq18-leak", ENV["DB_PASSWORD"]):
        assert v in text
    files = [p for p in Path(out).rglob("*") if p.is_file()]
    assert [(str(p), v) for p in files for v in PLANTED if v.encode() in p.read_bytes()] == []


def test_generate_again_keeps_the_fill(pipeline, capsys):
    """``mta generate`` after ``mta extract`` renders the shim afresh; the fill block comes back."""
    from mta.cli import main

    _, plan, out, pid = pipeline
    app = next(a for a in plan.apps if pid in a.pids)
    host = Path(out) / "hosts" / "leaktest"
    if not (host / "apps" / app.name / "context" / ".mta-secret-files").is_file():
        main(["extract", str(host / "plan.yaml"), "--local", "--app", app.name])
    assert main(["generate", str(host / "discovery.yaml"), "-o", str(out), "--plan", str(host / "plan.yaml")]) == 0
    capsys.readouterr()
    shim = (host / "apps" / app.name / "mta-secrets-env.sh").read_text()
    assert shim.count("mta_fill() {") == 1 and "mta_fill /" in shim


def test_generate_after_extract_passes_placeholder_values(pipeline, capsys):
    """Each ${MTA_SECRET_X} left in a copied file becomes an env secret in compose
    (a secret file the shim exports) and in Kubernetes (secretKeyRef), by name only."""
    import yaml

    from mta.cli import main
    from mta.plan.security.placeholders import placeholder_variables

    _, plan, out, pid = pipeline
    app = next(a for a in plan.apps if pid in a.pids)
    host = Path(out) / "hosts" / "leaktest"
    if not (host / "apps" / app.name / "context" / ".mta-secret-files").is_file():
        main(["extract", str(host / "plan.yaml"), "--local", "--app", app.name])
    names = placeholder_variables(host / "apps" / app.name)
    assert names and all(n.startswith("MTA_SECRET_") for n in names)
    assert main(["generate", str(host / "discovery.yaml"), "-o", str(out)]) == 0
    capsys.readouterr()
    compose = yaml.safe_load((host / "compose.yaml").read_text())
    targets = {s["target"] for s in compose["services"][app.name].get("secrets", [])}
    assert set(names) <= targets
    for name in names:
        assert compose["secrets"][f"{app.name}-{name}"] == {"file": f"./secrets/{app.name}/{name}"}
    deployment = yaml.safe_load((host / "k8s" / f"{app.name}-deployment.yaml").read_text())
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in env if "valueFrom" in e}
    for name in names:
        assert refs[name] == {"name": f"{app.name}-secrets", "key": name}
    # generating again does not add them twice
    assert main(["generate", str(host / "discovery.yaml"), "-o", str(out), "--plan", str(host / "plan.yaml")]) == 0
    capsys.readouterr()
    again = yaml.safe_load((host / "plan.yaml").read_text())
    app_env = next(a for a in again["apps"] if a["name"] == app.name)["env"]
    assert len([e for e in app_env if e["name"] in names]) == len(names)
