"""Fit rules: each fires on its evidence, stays quiet on a clean host, can be overridden."""

from __future__ import annotations

import pytest

from mta.errors import InputError
from mta.estimate import RULES, evaluate_rules, fit_score, list_rules
from mta.estimate.settings import load_rules
from datetime import date

from mta.estimate import rules as rules_mod
from mta.model import App, CronJob, FileContent, HostFacts, Mount, OSInfo, Package, ProbeError, Process, Socket
from mta.model.estimate import Finding, RuleOverride, RulesFile
from mta.model.plan import EnvVar, PortSpec

GIB = 1024**3


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch):
    """End-of-life findings depend on the day: these tests run on one."""
    monkeypatch.setattr(rules_mod, "_today", lambda: date(2026, 12, 4))


def clean_facts(**kw) -> HostFacts:
    base = dict(
        host="vm1",
        processes=[Process(pid=1, name="systemd"), Process(pid=10, ppid=1, name="gunicorn", user="www", rss_bytes=10)],
        mounts=[Mount(device="/dev/sda1", mountpoint="/", fstype="xfs")],
        cron=[CronJob(schedule="17 * * * *", command="cd / && run-parts --report /etc/cron.hourly", source="/etc/crontab")],
    )
    base.update(kw)
    return HostFacts(**base)


def web(**kw) -> App:
    base = dict(name="web", stack="django", runtime="python", runtime_version="3.12.3", confidence=0.9, pids=[10],
                user="www", ports=[PortSpec(port=8000)], data_paths=["/var/lib/web"], code_paths=["/srv/web"])
    base.update(kw)
    return App(**base)


def fired(facts, apps, rules=None) -> dict[str, Finding]:
    host, per_app = evaluate_rules(facts, apps, rules)
    return {f.rule: f for f in host + [f for fs in per_app for f in fs]}


def test_a_clean_host_is_excellent():
    facts = clean_facts()
    host, per_app = evaluate_rules(facts, [web()])
    assert host == [] and per_app == [[]]
    assert fit_score(host + per_app[0]) == "Excellent"


def test_rule_ids_are_documented_and_unique():
    rules = list_rules()
    assert len({r.id for r in rules}) == len(rules) == len(RULES)
    for r in rules:
        assert r.explanation and r.title and r.severity in {"info", "low", "medium", "high", "blocker"}


CASES = {
    "no-app": (dict(), None),
    "kernel-modules": (dict(packages=[Package(name="nvidia-dkms", version="470")]), [web()]),
    "gui-x11": (dict(processes=clean_facts().processes + [Process(pid=50, name="Xorg")]), [web()]),
    "licensed-db": (dict(processes=clean_facts().processes + [Process(pid=60, name="ora_pmon_ORCL")]), [web()]),
    "nfs-mounts": (dict(mounts=[Mount(device="filer:/x", mountpoint="/mnt/x", fstype="nfs4", network=True)]), [web()]),
    "cron-jobs": (dict(cron=[CronJob(schedule="0 2 * * *", command="/opt/bin/nightly.sh", source="/etc/cron.d/n")]), [web()]),
    "partial-discovery": (dict(errors=[ProbeError(section="packages", message="rpm: not found")]), [web()]),
    "tightly-coupled": (
        dict(processes=[Process(pid=10, name="supervisord")]
             + [Process(pid=100 + k, ppid=10, name=f"daemon{k}") for k in range(8)]),
        [web()],
    ),
    "large-local-state": (
        dict(mounts=[Mount(device="/dev/sdb", mountpoint="/var/lib/web", fstype="ext4", used_bytes=300 * GIB)]),
        [web()],
    ),
    "writes-outside-data-dirs": (dict(), [web(data_paths=["/srv/web/media"])]),
    "hard-coded-ips": (
        dict(files=[FileContent(path="/srv/web/settings.py",
                                content="# 10.9.9.9 comment\nDB = 'postgres://u:s3cret@10.1.2.3/db'\nBIND='0.0.0.0'\n")]),
        [web(config_files=["/srv/web/settings.py"], env=[EnvVar(name="CACHE", value="192.168.7.7:11211")])],
    ),
    "privileged": (dict(), [web(ports=[PortSpec(port=80)], user="root")]),
    "unsupported-runtime": (dict(), [web(runtime="java", runtime_version="1.6.0_45")]),
    "low-confidence-detection": (dict(), [web(confidence=0.3)]),
    "end-of-life": (dict(), [web(runtime_version="3.5.2")]),
    "end-of-life-soon": (dict(), [web(runtime_version="3.11.2")]),
    "os-end-of-life": (dict(os=OSInfo(id="centos", version_id="7")), [web()]),
}


def test_every_rule_has_a_case():
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_with_evidence(rule_id):
    kw, apps = CASES[rule_id]
    facts = clean_facts(**kw)
    found = fired(facts, apps if apps is not None else [])
    assert rule_id in found, found.keys()
    f = found[rule_id]
    assert f.evidence and all(isinstance(e, str) and e for e in f.evidence)
    assert f.severity == RULES[rule_id].severity
    others = set(found) - {rule_id}
    assert not others, f"{rule_id} case also fired {others}"


def test_hard_coded_ip_evidence_never_carries_the_line():
    kw, apps = CASES["hard-coded-ips"]
    f = fired(clean_facts(**kw), apps)["hard-coded-ips"]
    text = " ".join(f.evidence)
    assert "10.1.2.3" in text and "192.168.7.7" in text
    assert "s3cret" not in text and "10.9.9.9" not in text and "0.0.0.0" not in text
    assert "/srv/web/settings.py:2: 10.1.2.3" in f.evidence


@pytest.mark.parametrize(
    "runtime,version,fires",
    [("java", "1.6.0_45", True), ("java", "6", True), ("java", "1.8.0_292", False), ("java", "11", False),
     ("python", "2.6.6", True), ("python", "2.7.5", True), ("python", "3.6.8", False), ("php", "5.4.16", True),
     ("php", "7.4", False), ("node", "8.17.0", True), ("node", "16.20.0", False), ("python", "", False)],
)
def test_unsupported_runtime_table(runtime, version, fires):
    found = fired(clean_facts(), [web(runtime=runtime, runtime_version=version)])
    assert ("unsupported-runtime" in found) is fires


def test_fit_score_maps_the_worst_severity():
    def f(sev):
        return Finding(rule="x", severity=sev, title="x", host="h")

    assert fit_score([]) == "Excellent"
    assert fit_score([f("info")]) == "Excellent"
    assert fit_score([f("low"), f("info")]) == "Good"
    assert fit_score([f("low"), f("medium")]) == "Needs minor work"
    assert fit_score([f("high"), f("medium")]) == "Needs major work"
    assert fit_score([f("blocker"), f("low")]) == "Not recommended"
    assert fit_score([f("low")], insufficient=True) == "Insufficient data"


def test_overrides_switch_off_and_change_severity():
    kw, apps = CASES["cron-jobs"]
    facts = clean_facts(**kw)
    rules = list_rules(RulesFile(rules={"cron-jobs": RuleOverride(severity="high")}))
    assert fired(facts, apps, rules)["cron-jobs"].severity == "high"
    rules = list_rules(RulesFile(rules={"cron-jobs": RuleOverride(enabled=False)}))
    assert "cron-jobs" not in fired(facts, apps, rules)


def test_rules_file_is_validated(tmp_path):
    good = tmp_path / "rules.yaml"
    good.write_text("rules:\n  cron-jobs: {enabled: false}\n  privileged: {severity: medium}\n")
    loaded = load_rules(good)
    assert loaded.rules["cron-jobs"].enabled is False
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  no-such-rule: {enabled: false}\n")
    with pytest.raises(InputError, match="unknown rule id 'no-such-rule'"):
        load_rules(bad)
    typo = tmp_path / "typo.yaml"
    typo.write_text("rules:\n  cron-jobs: {severity: huge}\n")
    with pytest.raises(InputError, match="typo.yaml: field 'rules.cron-jobs.severity'"):
        load_rules(typo)


def test_capabilities_granted_by_the_unit_are_evidence():
    from mta.model import Service

    unit = "[Service]\nExecStart=/usr/bin/web\nAmbientCapabilities=CAP_NET_BIND_SERVICE CAP_NET_RAW\n"
    facts = clean_facts(services=[Service(name="web.service", unit_path="/etc/systemd/system/web.service")],
                        files=[FileContent(path="/etc/systemd/system/web.service", content=unit)])
    f = fired(facts, [web(service="web.service")])["privileged"]
    assert f.evidence == ["/etc/systemd/system/web.service: AmbientCapabilities=CAP_NET_BIND_SERVICE CAP_NET_RAW"]


def test_listening_x11_socket_is_evidence():
    facts = clean_facts(sockets=[Socket(protocol="tcp", address="0.0.0.0", port=6000)])
    assert "gui-x11" in fired(facts, [web()])


def test_renamed_workers_of_one_server_are_one_program():
    exe = "/usr/lib/postgresql/9.5/bin/postgres"
    procs = [Process(pid=10, name="postgres", exe=exe, cmdline=[exe, "-D", "/var/lib/postgresql"])]
    procs += [Process(pid=11 + k, ppid=10, name=f"main: worker{k}", exe=exe, cmdline=[f"postgres: 9.5/main: worker{k}"])
              for k in range(9)]
    facts = clean_facts(processes=procs)
    assert "tightly-coupled" not in fired(facts, [web(pids=[10])])
    # but nine different scripts under one interpreter are nine programs
    py = "/usr/bin/python3"
    procs = [Process(pid=10, name="supervisord", exe="/usr/bin/supervisord")]
    procs += [Process(pid=11 + k, ppid=10, name="python3", exe=py, cmdline=[py, "-u", f"/srv/job{k}.py"]) for k in range(9)]
    assert "tightly-coupled" in fired(clean_facts(processes=procs), [web(pids=[10])])


def test_mta_rules_lists_and_round_trips(tmp_path, capsys):
    from mta.cli import main

    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    for rid in RULES:
        assert rid in out
    assert main(["rules", "--format", "yaml"]) == 0
    starter = tmp_path / "rules.yaml"
    starter.write_text(capsys.readouterr().out.replace("cron-jobs:\n    enabled: true", "cron-jobs:\n    enabled: false"))
    assert load_rules(starter).rules["cron-jobs"].enabled is False
    assert main(["rules", "--rules", str(starter)]) == 0
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith("cron-jobs"))
    assert " off " in line


@pytest.mark.parametrize(
    "app,expect",
    [(dict(stack="tomcat", runtime="java", runtime_version="8", stack_version="8.5"),
      "Apache Tomcat 8.5: support ended 2024-03-31; upgrade target 10.1"),
     (dict(stack="mariadb", runtime="mysqld", runtime_version="10.3.39"),
      "MariaDB 10.3.39 (10.3 line): support ended 2023-05-25; upgrade target 10.11 (LTS)"),
     (dict(stack="mysql", runtime="mysqld", runtime_version="5.7.44"), "MySQL 5.7.44 (5.7 line): support ended 2023-10-31"),
     (dict(stack="postgresql", runtime="postgres", runtime_version="9.5"), "PostgreSQL 9.5: support ended 2021-02-11"),
     (dict(stack="redis", runtime="redis", runtime_version="3.0.6"), "Redis 3.0.6 (3.0 line): support ended 2017-07-14"),
     (dict(stack="pm2", runtime="node", runtime_version="10.24.1"), "Node.js 10.24.1 (10 line): support ended 2021-04-30"),
     (dict(stack="php-apache", runtime="php", runtime_version="7.3", stack_version="2.4"), "PHP 7.3: support ended"),
     (dict(stack="static-apache", runtime="httpd", runtime_version="2.2", stack_version="2.2"),
      "Apache httpd 2.2: support ended 2018-01-01")],
)
def test_end_of_life_names_version_date_and_target(app, expect):
    f = fired(clean_facts(), [web(**app)])["end-of-life"]
    assert any(e.startswith(expect) for e in f.evidence), f.evidence


def test_supported_versions_raise_no_end_of_life():
    for kw in (dict(runtime="java", runtime_version="17"), dict(stack="mariadb", runtime="mysqld", runtime_version="10.11.6"),
               dict(runtime="python", runtime_version="3.13.1"), dict(runtime="python", runtime_version="weird")):
        found = fired(clean_facts(), [web(**kw)])
        assert not {"end-of-life", "end-of-life-soon"} & set(found), (kw, found.keys())


def test_os_end_of_life_names_extended_support():
    f = fired(clean_facts(os=OSInfo(id="rhel", version_id="7.9")), [web()])["os-end-of-life"]
    assert f.evidence == ["Red Hat Enterprise Linux 7.9 (7 line): support ended 2024-06-30; ELS to 2028-06-30; upgrade target RHEL 9"]
