"""What a naive ("lift the whole box") image of the same app would weigh.

The naive image is a full distro image plus the whole JDK/SDK/toolchain of the
app's runtime, built without multi-stage, cleanup or --no-install-recommends.
Figures are rounded uncompressed sizes: for python/node/ruby/go/dotnet the
official full (non-slim) images named below; for java/php/web servers Debian 12
(``debian:bookworm``) plus the packages named, with recommends. They are
estimates for the report, not measurements of this app; the e2e benchmark
(``benchmarks/e2e_images.py``) also prints a measured reference: the size of
the whole legacy-VM image the app came from.
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
    "puma": "ruby",
    "unicorn": "ruby",
    "thin": "ruby",
    "passenger": "ruby",
    "rackup": "ruby",
    "sidekiq": "ruby",
    "rails": "ruby",
    "sinatra": "ruby",
    "aspnetcore": "dotnet",
    "golang": "go",
    # a self-contained binary lifted naively drags its build toolchain along (Go, the common case)
    "binary": "go",
}


def naive_size(runtime: str, stack: str = "") -> tuple[int, str] | None:
    """(bytes, basis) of the naive image for this runtime/stack, or None."""
    for key in (runtime, stack):
        key = (key or "").lower()
        key = _ALIASES.get(key, key)
        if key in NAIVE:
            return NAIVE[key]
    return None
