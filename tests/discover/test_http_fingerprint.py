"""The http section keeps a text fingerprint of each page: captured answers in, lines out."""

from __future__ import annotations

from pathlib import Path

from mta.discover.parsers.http import fingerprint, parse, visible_lines

PAGES = Path(__file__).parent / "pages"


def _check(name: str):
    text = (PAGES / name).read_text(encoding="utf-8")
    (check,) = parse({"http 80 http 127.0.0.1": text})
    return check


def test_nginx_default_page():
    check = _check("nginx-debian-default.http")
    assert (check.status, check.title) == (200, "Welcome to nginx!")
    assert check.fingerprint == [
        "Welcome to nginx!",
        "If you see this page, the nginx web server is successfully installed and working",
        "For online documentation and support please refer to nginx.org .",
        "Commercial support is available at nginx.com .",
        "Thank you for using nginx.",
    ]


def test_wordpress_home_drops_dates_nonces_numbers_and_secrets():
    check = _check("wordpress-home.http")
    assert check.title == "Acme Widgets – Just another WordPress site"
    assert check.fingerprint == [
        "Acme Widgets",
        "Just another WordPress site",
        "Sample Page",
        "Our spring catalogue is out",
        "Forty new widgets, from the tiny to the & enormous.",
        "Hello world!",
        "Welcome to WordPress. This is your first post. Edit or delete it, then start wri",
        "Proudly powered by WordPress",
    ]
    text = "\n".join(check.fingerprint)
    for dynamic in ("2026", "nonce", "a1b2c3d4e5f6", "wp-s3cret-value", "12"):
        assert dynamic not in text


def test_scripts_styles_and_comments_are_not_text():
    page = "<html><head><title>t</title></head><body><!-- hidden --><script>alert('x')</script><style>p{}</style>" \
           "<p>Shown <b>here</b></p></body></html>"
    assert visible_lines(page) == ["Shown here"]


def test_a_capture_cut_inside_a_style_keeps_no_css():
    """Discovery keeps the first HTTP_MAX_BYTES of a reply: cut inside an inline style,
    the style's text is not taken for the page's."""
    page = "<html><head><title>t</title><style>body{--wp--preset--color--black: #000000;"
    assert visible_lines(page) == ["t"]
    assert visible_lines("<body><p>Shown</p><script>var a = 'never shown'") == ["Shown"]


def test_at_most_eight_lines_without_repeats():
    page = "".join(f"<p>line number {w}</p><p>line number {w}</p>" for w in "abcdefghijkl")
    assert fingerprint(page) == [f"line number {w}" for w in "abcdefgh"]


def test_non_html_and_errors_have_no_fingerprint():
    (check,) = parse({"http 9000 http 127.0.0.1": 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"a": "some words"}'})
    assert check.status == 200 and check.fingerprint == []
    (check,) = parse({"http 9001 http 127.0.0.1": ""})
    assert check.error == "no response" and check.fingerprint == []


def test_interim_answer_then_page():
    text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<h1>Inventory list</h1>"
    (check,) = parse({"http 8080 http 127.0.0.1": text})
    assert check.status == 200 and check.fingerprint == ["Inventory list"]
