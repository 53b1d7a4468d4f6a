"""report.html in a real headless Chromium: loads cleanly, charts render, screenshot.

Console messages are read from Chromium's own log (``--enable-logging=stderr``
prints every console message as an ``INFO:CONSOLE`` line); a control page
with a deliberate ``console.error`` proves the check can fail.
Set MTA_TEST_ARTIFACTS=DIR to keep the screenshot.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mta.cli import main
from tests.conftest import IN_CI

pytestmark = pytest.mark.browser

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
    "--enable-logging=stderr", "--v=0",
]


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        if IN_CI:
            pytest.fail("chromium is not installed (tests/apt-packages.txt lists it)")
        pytest.skip("chromium not installed: apt-get install chromium")
    return exe


def run(chromium: str, tmp: Path, page: Path, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.iterdir()))}"
    return subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, cwd=tmp,
    )


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_console_check_catches_errors(chromium, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><script>console.error("boom-marker")</script></body></html>')
    proc = run(chromium, tmp_path, page, "--dump-dom")
    assert any("boom-marker" in line for line in console_lines(proc.stderr)), proc.stderr[-2000:]


@pytest.fixture(scope="module")
def report_html(fleet, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "out"
    shutil.copytree(fleet, out)
    assert main(["report", str(out), "--format", "html"]) == 0
    return out / "report.html"


def test_report_loads_without_console_errors_and_renders_charts(chromium, report_html, tmp_path):
    proc = run(chromium, tmp_path, report_html, "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert console_lines(proc.stderr) == []
    dom = proc.stdout
    assert "<title>Container migration assessment</title>" in dom
    assert len(re.findall(r"<svg\b", dom)) >= 4
    assert len(re.findall(r"<rect\b", dom)) > 20  # bars drawn, not empty charts
    assert 'id="host-evil-01"' in dom and "&lt;script&gt;" in dom
    assert "<script" not in dom


def test_report_screenshot(chromium, report_html, tmp_path):
    shot = tmp_path / "report.png"
    proc = run(chromium, tmp_path, report_html, f"--screenshot={shot}", "--window-size=1280,2600",
               "--hide-scrollbars")
    assert shot.is_file(), proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a real page, not a blank one
    assert console_lines(proc.stderr) == []
    keep = os.environ.get("MTA_TEST_ARTIFACTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "report.png")


def test_print_layout_renders_to_pdf(chromium, report_html, tmp_path):
    pdf = tmp_path / "report.pdf"
    proc = run(chromium, tmp_path, report_html, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert pdf.is_file(), proc.stderr[-2000:]
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000


def _pdf_pages(pdf: Path) -> list[str]:
    tool = shutil.which("pdftotext")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext is not installed (tests/apt-packages.txt lists poppler-utils)")
        pytest.skip("pdftotext not installed: apt-get install poppler-utils")
    text = subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def test_printed_charts_carry_their_values_and_pages_are_full(chromium, report_html, tmp_path):
    pdf = tmp_path / "report.pdf"
    run(chromium, tmp_path, report_html, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    pages = _pdf_pages(pdf)
    text = "\n".join(pages)
    # the chart labels are in the page itself, not only in hover titles
    assert "before (VMs)" in text and "after (containers on nodes)" in text
    assert re.search(r"\bnode 1\b", text) or "CPU fill average" in text, text[:3000]
    assert re.search(r"\d+%", text)
    assert 1 < len(pages) < 200
    # no half-empty pages in the middle of the document (tables may break across pages)
    thin = [i + 1 for i, p in enumerate(pages[:-1]) if len(p.strip()) < 300]
    assert not thin, f"nearly empty pages: {thin} of {len(pages)}"
