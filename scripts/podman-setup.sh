#!/usr/bin/env bash
# Make podman usable as root on this machine and build the local Debian base
# image that `mta generate --base debian` Dockerfiles start FROM.
#
# Idempotent: installs only what is missing, edits containers.conf only when a
# setting is absent, builds the base image only when it does not exist yet.
# No registry is needed: the base image is made with debootstrap from the
# Debian mirror apt already uses.
#
#   scripts/podman-setup.sh            # set up, build base image if missing
#   MTA_BASE_IMAGE=... MTA_DEBIAN_MIRROR=... scripts/podman-setup.sh
#
# Exit status: 0 ready, 1 cannot set up (message on stderr).
set -euo pipefail

BASE_IMAGE="${MTA_BASE_IMAGE:-docker.io/library/debian:bookworm-slim}"
# Extra names generated Dockerfiles may use for the same base.
EXTRA_TAGS="${MTA_BASE_EXTRA_TAGS:-docker.io/library/debian:bookworm docker.io/library/debian:12-slim docker.io/library/debian:12}"
SUITE="${MTA_DEBIAN_SUITE:-bookworm}"
CONF="${MTA_CONTAINERS_CONF:-/etc/containers/containers.conf}"
# Bump when the recipe below changes, so an old base image gets rebuilt.
BASE_RECIPE=3

die() { echo "podman-setup: $*" >&2; exit 1; }
log() { echo "podman-setup: $*" >&2; }

[ "$(id -u)" = 0 ] || die "must run as root (podman here runs rootful with runc)"

need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ "${#need[@]}" -gt 0 ]; then
    log "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null \
        || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null; } \
        || die "apt-get install ${need[*]} failed"
fi

# containers.conf: no default ulimits (the sandbox refuses to raise them) and
# cgroupfs (no systemd to delegate cgroups). Edited with python so an existing
# file keeps its other settings and each table appears once.
mkdir -p /etc/containers
python3 - "$CONF" <<'PY'
import re, sys
path = sys.argv[1]
want = {"containers": ("default_ulimits", "[]"), "engine": ("cgroup_manager", '"cgroupfs"')}
try:
    text = open(path).read()
except FileNotFoundError:
    text = ""
changed = False
for table, (key, value) in want.items():
    header = re.search(rf"^\[{table}\]\s*$", text, re.M)
    if header is None:
        text = text.rstrip("\n") + ("\n\n" if text.strip() else "") + f"[{table}]\n{key} = {value}\n"
        changed = True
        continue
    nxt = re.search(r"^\[", text[header.end():], re.M)
    end = header.end() + (nxt.start() if nxt else len(text) - header.end())
    body = text[header.end():end]
    if re.search(rf"^\s*{key}\s*=", body, re.M):
        continue
    text = text[: header.end()] + f"\n{key} = {value}" + text[header.end():]
    changed = True
if changed:
    import os, tempfile
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    with os.fdopen(fd, "w") as fh:
        fh.write(text if text.endswith("\n") else text + "\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    print(f"podman-setup: updated {path}", file=sys.stderr)
PY

podman info >/dev/null 2>&1 || die "podman info fails: $(podman info 2>&1 | tail -n 3)"

mirror() {
    if [ -n "${MTA_DEBIAN_MIRROR:-}" ]; then echo "$MTA_DEBIAN_MIRROR"; return; fi
    # First Debian (not -security) URI apt is configured with, deb822 or one-line.
    local uri
    uri=$(grep -hE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
          | awk '{print $2}' | grep -v -- '-security' | grep -E '/debian/?$' | head -n 1 || true)
    if [ -z "$uri" ]; then
        uri=$(grep -hE '^\s*deb\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
              | sed -E 's/\[[^]]*\]//' | awk '{print $2}' | grep -v -- '-security' \
              | grep -E '/debian/?$' | head -n 1 || true)
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

have=$(podman image inspect --format '{{index .Labels "io.mta.base-recipe"}}' "$BASE_IMAGE" 2>/dev/null || true)
if [ "$have" = "$BASE_RECIPE" ]; then
    log "base image $BASE_IMAGE present"
else
    MIRROR=$(mirror)
    ROOT=$(mktemp -d /var/tmp/mta-debootstrap.XXXXXX)
    trap 'rm -rf "$ROOT"' EXIT
    log "debootstrap $SUITE from $MIRROR (about a minute)"
    debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" >"$ROOT.log" 2>&1 \
        || { tail -n 20 "$ROOT.log" >&2; rm -f "$ROOT.log"; die "debootstrap failed"; }
    rm -f "$ROOT.log"
    # Builds run `apt-get install`: point the image at the same mirror, the
    # same way the official slim image is set up (no docs, no recommends).
    printf 'deb %s %s main\ndeb %s %s-updates main\n' "$MIRROR" "$SUITE" "$MIRROR" "$SUITE" \
        > "$ROOT/etc/apt/sources.list"
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
        > "$ROOT/etc/apt/apt.conf.d/90mta-slim"
    # and, like it, drop downloaded .debs after every install
    cat > "$ROOT/etc/apt/apt.conf.d/docker-clean" <<'CLEAN'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CLEAN
    # Like the official -slim variant: no docs, man pages or translations,
    # now or in packages installed later.
    printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
        'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' \
        'path-exclude /usr/share/locale/*' 'path-include /usr/share/locale/locale.alias' \
        'path-exclude /usr/share/lintian/*' 'path-exclude /usr/share/linda/*' \
        > "$ROOT/etc/dpkg/dpkg.cfg.d/docker"
    find "$ROOT/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
    find "$ROOT/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
    rm -rf "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* "$ROOT"/usr/share/lintian
    find "$ROOT/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
    rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/cache/apt/archives/*.deb \
        "$ROOT"/var/cache/debconf/*-old "$ROOT"/var/lib/dpkg/*-old "$ROOT"/var/log/*.log "$ROOT"/var/log/apt/*
    tar -C "$ROOT" --numeric-owner -c . \
        | podman import -q --change 'CMD ["bash"]' --change "LABEL io.mta.base-recipe=$BASE_RECIPE" \
            - "$BASE_IMAGE" >/dev/null \
        || die "podman import failed"
    log "built $BASE_IMAGE"
fi
for tag in $EXTRA_TAGS; do
    podman tag "$BASE_IMAGE" "$tag"
done
echo "$BASE_IMAGE"
