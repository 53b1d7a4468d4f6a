"""A small host and its apps, built in code, for the answer schema and the
wizard: the registry tests do not depend on detectors."""

from __future__ import annotations

from mta.model import App, EnvVar, Evidence, FileContent, HostFacts, PortSpec


def small_facts() -> HostFacts:
    return HostFacts(host="vm1", files=[FileContent(path="/etc/app/app.conf", size=8, content="port=8080\n")])


def small_apps() -> list[App]:
    return [
        App(
            name="web",
            stack="tomcat",
            evidence=[Evidence(kind="process", ref="pid 100")],
            ports=[PortSpec(port=8080, http=True)],
            config_files=["/etc/app/app.conf"],
            data_paths=["/var/lib/app"],
            env=[EnvVar(name="DB_PASSWORD", secret="web-db-password"), EnvVar(name="LANG", value="C")],
        ),
        App(name="db", role="backing", stack="postgresql", ports=[PortSpec(port=5432)]),
    ]
