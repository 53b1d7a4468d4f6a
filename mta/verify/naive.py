"""What a naive ("lift the whole box") image of the same app would weigh.

The naive image is a full distro image plus the whole JDK/SDK/toolchain of the
app's runtime, built without multi-stage, cleanup or --no-install-recommends.
Figures are uncompressed sizes measured from Debian 12 images (``debian:bookworm``
117 MB + ``apt-get install`` of the listed packages with recommends), rounded;
they are an estimate for the report, not a promise. ``mta verify --naive-image``
measures a real reference image instead.
"""

from __future__ import annotations

MB = 1000 * 1000

#: runtime -> (bytes, what it is)
NAIVE = {
    "java": (780 * MB, "debian:bookworm + default-jdk + maven + tomcat10 (recommends)"),
    "python": (1010 * MB, "python:3.11 (full Debian + build toolchain)"),
    "node": (1100 * MB, "node:20 (full Debian + build toolchain)"),
    "php": (520 * MB, "debian:bookworm + apache2 + php + all php extensions (recommends)"),
    "ruby": (1000 * MB, "ruby:3.2 (full Debian + build toolchain)"),
    "dotnet": (880 * MB, "mcr.microsoft.com/dotnet/sdk:8.0"),
    "go": (840 * MB, "golang:1.22 (full toolchain)"),
    "nginx": (190 * MB, "debian:bookworm + nginx-full (recommends)"),
    "httpd": (250 * MB, "debian:bookworm + apache2 (recommends)"),
}

_ALIASES = {
    "tomcat": "java",
    "springboot": "java",
    "jboss": "java",
    "wildfly": "java",
    "django": "python",
    "flask": "python",
    "wsgi": "python",
    "gunicorn": "python",
    "pm2": "node",
    "php-apache": "php",
    "php-fpm": "php",
    "static-nginx": "nginx",
    "static-apache": "httpd",
    "apache": "httpd",
}


def naive_size(runtime: str, stack: str = "") -> tuple[int, str] | None:
    """(bytes, basis) of the naive image for this runtime/stack, or None."""
    for key in (runtime, stack):
        key = (key or "").lower()
        key = _ALIASES.get(key, key)
        if key in NAIVE:
            return NAIVE[key]
    return None
